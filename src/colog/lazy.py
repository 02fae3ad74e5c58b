"""Lazy exports: a package names what it offers at once, and imports the module behind a name on first use."""

from __future__ import annotations

import importlib
from typing import Any, Callable


def exports(package: str, names: dict[str, str]) -> Callable[[str], Any]:
    """A module `__getattr__` for `package` that imports `names` (name -> module under `package`) on first use.

    Why: a package's config must import without torch (the CLI reads its defaults at start-up), while the
    classes beside it load torch.
    """

    def __getattr__(name: str) -> Any:
        if name not in names:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(f"{package}.{names[name]}"), name)

    return __getattr__
