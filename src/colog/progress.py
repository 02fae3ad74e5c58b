"""Progress bars on stderr for long work: shown on a terminal after a second, silent in pipes and CI."""

from __future__ import annotations

import sys
from typing import Any

from tqdm.auto import tqdm


def progress_bar(iterable: Any = None, *, enabled: bool = True, **kwargs: Any) -> tqdm:
    """A tqdm bar that stays hidden unless `enabled` and stderr is a terminal."""
    kwargs.setdefault("delay", 1.0)
    kwargs.setdefault("leave", False)
    return tqdm(iterable, disable=not (enabled and sys.stderr.isatty()), **kwargs)
