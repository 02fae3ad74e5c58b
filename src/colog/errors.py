"""User-facing errors: each names the bad value and, where there is a choice, the valid ones.

The CLI maps every `CologError` to a one-line message and a non-zero exit; anything else is a bug
and keeps its traceback.
"""


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


class OutputError(CologError):
    """An output path that cannot be written."""
