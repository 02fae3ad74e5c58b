"""Class balancing of the training split only (the paper: Tomek links), on deduplicated SBERT vectors.

The samplers see each distinct (message, label) pair of the training lines, and a line is kept when its pair is.
Tomek links keep the meaning they have on lines: a line whose message occurs again with its label has that copy
as nearest neighbour and is in no link, so such pairs enter twice; and the cleaning methods (Tomek, NCR, OSS)
clean every class but the one with the fewest lines, as they would on lines, not the fewest distinct pairs.
"""

from __future__ import annotations

import logging
from enum import StrEnum

import numpy as np

from colog.errors import choose

logger = logging.getLogger(__name__)



class Balance(StrEnum):
    """Undersamplers of imbalanced-learn; the paper uses Tomek links."""

    none = "none"
    tomek = "tomek"
    random_under = "random-under"
    near_miss = "near-miss"
    cnn = "cnn"
    ncr = "ncr"
    oss = "oss"


def _sampler(method: str, seed: int, cleaned: list[int]):
    """`cleaned`: the classes a cleaning method may remove lines of."""
    from imblearn.under_sampling import (CondensedNearestNeighbour, NearMiss, NeighbourhoodCleaningRule,
                                         OneSidedSelection, RandomUnderSampler, TomekLinks)

    return {
        "tomek": lambda: TomekLinks(sampling_strategy=cleaned),
        "random-under": lambda: RandomUnderSampler(random_state=seed),
        "near-miss": lambda: NearMiss(),
        "cnn": lambda: CondensedNearestNeighbour(random_state=seed),
        "ncr": lambda: NeighbourhoodCleaningRule(sampling_strategy=cleaned),
        "oss": lambda: OneSidedSelection(sampling_strategy=cleaned, random_state=seed),
    }[method]()


def balance(train_rows: np.ndarray, message_ids: np.ndarray, labels: np.ndarray, vectors: np.ndarray,
            method: Balance | str = Balance.tomek, seed: int = 0) -> np.ndarray:
    """The training rows to keep; `message_ids[train_rows]` index `vectors`."""
    method = choose(Balance, method, "balancing method")
    if method == Balance.none or len(np.unique(labels[train_rows])) < 2:
        return train_rows
    pairs = np.stack([message_ids[train_rows], labels[train_rows]], axis=1)
    unique, inverse, counts = np.unique(pairs, axis=0, return_inverse=True, return_counts=True)
    rows = np.arange(len(unique))
    if method == "tomek":
        rows = np.concatenate([rows, rows[counts > 1]])  # a repeated pair is its own nearest neighbour
    classes, line_counts = np.unique(labels[train_rows], return_counts=True)
    cleaned = [int(c) for c in classes if c != classes[line_counts.argmin()]]
    sampler = _sampler(method, seed, cleaned)
    sampler.fit_resample(vectors[unique[rows, 0]], unique[rows, 1])
    kept = np.zeros(len(unique), dtype=bool)
    kept[rows[sampler.sample_indices_]] = True
    out = train_rows[kept[inverse.ravel()]]
    logger.info("balance %s: %d -> %d training lines (%d -> %d unique pairs)", method, len(train_rows), len(out),
                len(unique), int(kept.sum()))
    return out
