"""Windows of neighbouring lines as index arrays: (N, Lw) row numbers, -1 for padding.

A batch gathers its rows' message ids and then their vectors from the MessageStore; nothing is
materialised per line. Windows never cross a file boundary.
"""

from __future__ import annotations

import numpy as np

from colog.labeling import WindowSpec


def window_index(groups: np.ndarray, spec: WindowSpec, include_current: bool) -> np.ndarray:
    """(N, Lw) int64 row numbers of each line's window in time order, -1 where a neighbour is missing."""
    n = len(groups)
    offsets = list(range(-spec.size, 0))
    if include_current:
        offsets.append(0)
    if spec.kind == "context":
        offsets += list(range(1, spec.size + 1))
    rows = np.arange(n)[:, None] + np.array(offsets)[None, :]  # (N, Lw)
    inside = (rows >= 0) & (rows < n)
    clipped = np.clip(rows, 0, n - 1)
    valid = inside & (groups[clipped] == groups[:, None])
    return np.where(valid, rows, -1)


def gather(index: np.ndarray, message_ids: np.ndarray, vectors: np.ndarray, rows: np.ndarray
           ) -> tuple[np.ndarray, np.ndarray]:
    """Window vectors (B, Lq, D) and mask (B, Lq) for the lines `rows`; all-padding columns are dropped."""
    window = index[rows]  # (B, Lw)
    mask = window >= 0
    keep = mask.any(axis=0)
    if keep.any():
        window, mask = window[:, keep], mask[:, keep]
    else:
        window, mask = window[:, :1], mask[:, :1]
    ids = message_ids[np.where(mask, window, 0)]  # (B, Lq) message ids
    out = vectors[ids]  # (B, Lq, D)
    out[~mask] = 0.0
    return out, mask
