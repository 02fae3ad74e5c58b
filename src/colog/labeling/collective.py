"""Window labels and the paper's 4-class task (normal, point, collective, both).

A line's window is the W lines before it (`background`) or the W before and W after (`context`),
never crossing a file boundary and never including the line itself. The window is anomalous when
any line in it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from colog.errors import CologError

CLASSES = ("normal", "point", "collective", "both")
KINDS = ("background", "context")


@dataclass(frozen=True)
class WindowSpec:
    """`background:W` or `context:W`."""

    kind: str = "background"
    size: int = 1

    @classmethod
    def parse(cls, text: str) -> "WindowSpec":
        m = re.fullmatch(rf"({'|'.join(KINDS)}):(\d+)", text.strip())
        if m is None or int(m[2]) < 1:
            raise CologError(f"window {text!r} is malformed; expected background:W or context:W with W >= 1")
        return cls(m[1], int(m[2]))

    def __str__(self) -> str:
        return f"{self.kind}:{self.size}"

    def offsets(self) -> list[int]:
        """Relative positions of the neighbours, current line excluded."""
        before = list(range(-self.size, 0))
        return before + list(range(1, self.size + 1)) if self.kind == "context" else before


def group_ids(files: list[str] | np.ndarray) -> np.ndarray:
    """Consecutive rows of one file share an id; windows never cross ids."""
    files = np.asarray(files, dtype=object)
    starts = np.ones(len(files), dtype=bool)
    starts[1:] = files[1:] != files[:-1]
    return np.cumsum(starts)


def window_index(groups: np.ndarray, spec: WindowSpec, include_current: bool, reach: np.ndarray | None = None
                 ) -> np.ndarray:
    """(N, Lw) int64 row numbers of each line's window in time order, -1 where a neighbour is missing; with
    `reach`, a line's window takes only neighbours whose reach is not above its own (`--hide-later-splits`).

    The one definition of a line's neighbours: the window labels and the model's window inputs both read it.
    """
    n = len(groups)
    before = [k for k in spec.offsets() if k < 0]
    offsets = before + [0] * include_current + spec.offsets()[len(before):]
    rows = np.arange(n)[:, None] + np.array(offsets, dtype=np.int64)[None, :]  # (N, Lw)
    inside = (rows >= 0) & (rows < n)
    clipped = np.clip(rows, 0, max(n - 1, 0))
    valid = inside & (groups[clipped] == groups[:, None])
    if reach is not None:
        valid &= reach[clipped] <= reach[:, None]
    return np.where(valid, rows, -1)


def window_labels(labels: np.ndarray, groups: np.ndarray, spec: WindowSpec, reach: np.ndarray | None = None
                  ) -> np.ndarray:
    """1 where any neighbour in the line's window (window_index without the line itself) is anomalous."""
    labels = np.asarray(labels, dtype=np.int8)
    index = window_index(groups, spec, include_current=False, reach=reach)
    return np.where(index >= 0, labels[np.maximum(index, 0)], 0).max(axis=1, initial=0).astype(np.int8)


def four_class(labels: np.ndarray, window: np.ndarray) -> np.ndarray:
    """Class index into CLASSES: point bit from the line, collective bit from its window."""
    return (np.asarray(labels, dtype=np.int8) + 2 * np.asarray(window, dtype=np.int8)).astype(np.int8)
