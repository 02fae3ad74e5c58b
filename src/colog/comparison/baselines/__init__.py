"""Baselines on CoLog's own split and features, as scikit-learn estimators: `make(name, seed)`, then
`fit(features, train, valid)` (returns the method) and `predict(features, rows)`."""

from colog.comparison.baselines.classic import classic_methods
from colog.comparison.baselines.deep import deep_methods
from colog.comparison.baselines.features import Features
from colog.comparison.baselines.reference import CoLogMethod, KeywordBaseline
from colog.comparison.names import METHODS as ORDER  # the tables' order
from colog.errors import UnknownNameError

METHODS = {**classic_methods(), **deep_methods(), "keyword_rule": KeywordBaseline, "colog": CoLogMethod}


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


__all__ = ["Features", "METHODS", "ORDER", "make", "method_names"]
