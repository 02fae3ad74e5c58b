"""Windows of neighbouring lines as index arrays: (N, Lw) row numbers, -1 for padding.

A batch gathers its rows' message ids and then their vectors from the MessageStore; nothing is
materialised per line. Windows never cross a file boundary.
"""

from __future__ import annotations

import numpy as np

from colog.labeling import WindowSpec


def window_index(groups: np.ndarray, spec: WindowSpec, include_current: bool, reach: np.ndarray | None = None
                 ) -> np.ndarray:
    """(N, Lw) int64 row numbers of each line's window in time order, -1 where a neighbour is missing; with
    `reach`, a line's window takes only neighbours whose reach is not above its own (`--hide-later-splits`)."""
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
    if reach is not None:
        valid &= reach[clipped] <= reach[:, None]
    return np.where(valid, rows, -1)


def gather(index: np.ndarray, message_ids: np.ndarray, vectors: np.ndarray, rows: np.ndarray
           ) -> tuple[np.ndarray, np.ndarray]:
    """Window vectors (B, Lw, D) and mask (B, Lw) for the lines `rows`.

    Padding columns stay even when the whole batch pads them: a window row's position is part of
    the input (the MAL's glimpse i is added to position i), so a line must not score differently
    with the company it keeps in a batch.
    """
    window = index[rows]  # (B, Lw)
    mask = window >= 0
    ids = message_ids[np.where(mask, window, 0)]  # (B, Lw) message ids
    out = vectors[ids]  # (B, Lq, D)
    out[~mask] = 0.0
    return out, mask
