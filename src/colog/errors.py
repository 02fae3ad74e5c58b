"""User-facing errors: each names the bad value and, where there is a choice, the valid ones.

The CLI maps every `CologError` to a one-line message and a non-zero exit; anything else is a bug
and keeps its traceback.
"""

from enum import Enum
from numbers import Integral
from typing import TypeVar

E = TypeVar("E", bound=Enum)


class CologError(Exception):
    """Base class of the errors a user can fix."""

    exit_code = 2


class InputError(CologError):
    """A path, file or line that cannot be read as a log."""


class FormatError(CologError):
    """A log format that is malformed or matches (almost) nothing."""


class UnknownNameError(CologError):
    """A dataset, rule or format name that does not exist."""

    def __init__(self, kind: str, name: str, valid: list[str]):
        super().__init__(f"unknown {kind} {name!r}; valid: {', '.join(sorted(valid))}")


def choose(kind: type[E], value: object, what: str) -> E:
    """`value` as a member of the Enum `kind`, or an error naming it and every valid choice: the one place a
    choice (task, protocol, balancing method, precision) is checked."""
    try:
        return kind(value)
    except ValueError:
        raise UnknownNameError(what, str(value), [m.value for m in kind]) from None


class OutputError(CologError):
    """An output path that cannot be written."""


def require_integers(config: object, lowest: dict[str, int], what: str = "",
                     error: type[CologError] = CologError) -> None:
    """Raises `error` for the first field of `config` named in `lowest` that is not an integer (bool is not one) of at
    least its bound: the typed configs check their counts, sizes and seeds with it before any work starts."""
    for name, low in lowest.items():
        value = getattr(config, name)
        if isinstance(value, bool) or not isinstance(value, Integral) or value < low:
            raise error(f"{what}{name}={value!r}; expected an integer >= {low}")
