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


def window_labels(labels: np.ndarray, groups: np.ndarray, spec: WindowSpec, reach: np.ndarray | None = None
                  ) -> np.ndarray:
    """1 where any neighbour in the line's window (same group, line excluded; with `reach`, reach not above the
    line's) is anomalous."""
    labels = np.asarray(labels, dtype=np.int8)
    n = len(labels)
    out = np.zeros(n, dtype=np.int8)
    for k in spec.offsets():
        src = np.arange(n) + k
        ok = (src >= 0) & (src < n)
        idx = np.nonzero(ok)[0]
        same = groups[src[idx]] == groups[idx]
        if reach is not None:
            same &= reach[src[idx]] <= reach[idx]
        idx, src_ok = idx[same], src[idx][same]
        out[idx] |= labels[src_ok]
    return out


def four_class(labels: np.ndarray, window: np.ndarray) -> np.ndarray:
    """Class index into CLASSES: point bit from the line, collective bit from its window."""
    return (np.asarray(labels, dtype=np.int8) + 2 * np.asarray(window, dtype=np.int8)).astype(np.int8)
