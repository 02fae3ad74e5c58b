"""Class balancing of the training split only (the paper: Tomek links), on deduplicated SBERT vectors.

Identical lines have identical vectors, so a Tomek link can only exist between distinct
(message, label) pairs: the samplers see each pair once, and a line is kept when its pair is.
"""

from __future__ import annotations

import logging

import numpy as np

from colog.errors import UnknownNameError

logger = logging.getLogger(__name__)

METHODS = ("none", "tomek", "random-under", "near-miss", "cnn", "ncr", "oss")


def _sampler(method: str, seed: int):
    from imblearn.under_sampling import (CondensedNearestNeighbour, NearMiss, NeighbourhoodCleaningRule,
                                         OneSidedSelection, RandomUnderSampler, TomekLinks)

    return {
        "tomek": lambda: TomekLinks(),
        "random-under": lambda: RandomUnderSampler(random_state=seed),
        "near-miss": lambda: NearMiss(),
        "cnn": lambda: CondensedNearestNeighbour(random_state=seed),
        "ncr": lambda: NeighbourhoodCleaningRule(),
        "oss": lambda: OneSidedSelection(random_state=seed),
    }[method]()


def balance(train_rows: np.ndarray, message_ids: np.ndarray, labels: np.ndarray, vectors: np.ndarray,
            method: str = "tomek", seed: int = 0) -> np.ndarray:
    """The training rows to keep; `message_ids[train_rows]` index `vectors`."""
    if method not in METHODS:
        raise UnknownNameError("balancing method", method, list(METHODS))
    if method == "none" or len(np.unique(labels[train_rows])) < 2:
        return train_rows
    pairs = np.stack([message_ids[train_rows], labels[train_rows]], axis=1)
    unique, inverse = np.unique(pairs, axis=0, return_inverse=True)
    sampler = _sampler(method, seed)
    sampler.fit_resample(vectors[unique[:, 0]], unique[:, 1])
    kept = np.zeros(len(unique), dtype=bool)
    kept[sampler.sample_indices_] = True
    out = train_rows[kept[inverse.ravel()]]
    logger.info("balance %s: %d -> %d training lines (%d -> %d unique pairs)", method, len(train_rows), len(out),
                len(unique), int(kept.sum()))
    return out
