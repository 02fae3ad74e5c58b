"""Invariant Mining finds a count relation every training window keeps and flags the windows that break it."""

import numpy as np
import scipy.sparse as sp

from colog.comparison.baselines.classic import _Invariants


def counts(rows):
    return sp.csr_matrix(np.array(rows, dtype=np.float64))


def test_a_paired_open_and_close_is_an_invariant():
    # columns: 0 never happens; 1 open, 2 close (always as many), 3 an unrelated event seen now and then
    rng = np.random.default_rng(0)
    train = []
    for _ in range(500):
        k = int(rng.integers(0, 3))
        train.append([0, k, k, int(rng.integers(0, 2))])
    model = _Invariants().fit(counts(train))
    relations = {tuple(model.keep_[c]): tuple(t / t[0]) for c, t in model.invariants_}
    assert relations.get((1, 2)) == (1.0, -1.0)
    flagged = model.outliers(counts([[0, 2, 2, 1], [0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 1]]))
    assert flagged.tolist() == [False, True, True, False]  # open without close; an event never seen
