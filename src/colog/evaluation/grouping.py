"""Grouping accuracy, the log-parsing metric of Loghub's benchmark (Zhu et al., ICSE-SEIP 2019)."""

from __future__ import annotations

from collections import defaultdict
from typing import Hashable, Sequence


def grouping_accuracy(truth: Sequence[Hashable], predicted: Sequence[Hashable]) -> float:
    """Share of lines whose predicted group holds exactly the lines of their true group."""
    if len(truth) != len(predicted):
        raise ValueError(f"lengths differ: {len(truth)} true vs {len(predicted)} predicted")
    if not truth:
        return 0.0
    true_groups: dict[Hashable, set[int]] = defaultdict(set)
    pred_groups: dict[Hashable, set[int]] = defaultdict(set)
    for i, (t, p) in enumerate(zip(truth, predicted)):
        true_groups[t].add(i)
        pred_groups[p].add(i)
    correct = sum(len(lines) for lines in pred_groups.values()
                  if true_groups[truth[next(iter(lines))]] == lines)
    return correct / len(truth)
