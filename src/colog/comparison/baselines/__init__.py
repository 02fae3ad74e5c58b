"""Baselines on CoLog's own split and features, as scikit-learn estimators: `make(name, seed)`, then
`fit(features, train, valid)` (returns the method) and `predict(features, rows)`."""

from colog.comparison.baselines.classic import classic_methods
from colog.comparison.baselines.deep import Deep, deep_methods
from colog.comparison.baselines.features import Features
from colog.comparison.baselines.reference import CoLogMethod, KeywordBaseline
from colog.comparison.names import METHODS as ORDER  # the tables' order
from colog.errors import UnknownNameError
from colog.training.checkpoint import Checkpoint

METHODS = {**classic_methods(), **deep_methods(), "keyword_rule": KeywordBaseline, "colog": CoLogMethod}
# what `refit` fits on training and validation under --refit: all but the keyword rule, which learns nothing
REFITS = frozenset(METHODS) - {"keyword_rule"}


def method_names(spec: str) -> list[str]:
    """`all` or a comma list, in the table's order; an unknown name lists the valid ones."""
    if spec == "all":
        return list(ORDER)
    names = [n.strip() for n in spec.split(",") if n.strip()]
    for name in names:
        if name not in METHODS:
            raise UnknownNameError("method", name, list(ORDER))
    return [n for n in ORDER if n in names]


def make(name: str, seed: int = 0):
    """A new, unfitted method; `seed` drives whatever it draws at random."""
    return METHODS[name](seed)


def refit(name: str, seed: int, features: Features, merged: Features, checkpoint: Checkpoint | None = None):
    """`--refit` for a baseline: fitted on `merged`'s training rows (validation moved in, everything learned from
    training fitted again). A network first trains on `features` as without it, so that validation chooses its
    epochs, then a fresh one trains on `merged` for that many at their learning rates; the others have no epochs
    to choose. `checkpoint`: the first fit's; the refit keeps its own beside it."""
    method = make(name, seed)
    if not isinstance(method, (Deep, CoLogMethod)):
        return method.fit(merged, merged.data.rows(0))
    method.checkpoint = checkpoint
    chosen = method.fit(features, features.data.rows(0), features.data.rows(1)).history_
    again = make(name, seed)
    again.checkpoint = checkpoint.companion("refit") if checkpoint else None
    again.fit(merged, merged.data.rows(0), None, schedule=chosen.chosen_schedule())
    again.history_.count_earlier(chosen)
    return again


__all__ = ["Features", "METHODS", "ORDER", "REFITS", "make", "method_names", "refit"]
