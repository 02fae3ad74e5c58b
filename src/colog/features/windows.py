"""Window vectors gathered from window index arrays (labeling.window_index: (N, Lw) rows, -1 for padding).

A batch gathers its rows' message ids and then their vectors from the MessageStore; nothing is
materialised per line. Windows never cross a file boundary.
"""

from __future__ import annotations

import numpy as np


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
