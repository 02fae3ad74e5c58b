"""What a format extracts from one line, and the Drain settings that go with it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple, Protocol

# Placeholder year for headers that carry none: a leap year, so "Feb 29" parses; the real year is
# inferred per file afterwards (see `years.py`).
NO_YEAR = 2000


class Fields(NamedTuple):
    """The columns a format fills for one line; any may be None but the message."""

    timestamp: datetime | None
    host: str | None
    component: str | None
    level: str | None
    pid: str | None
    alert: str | None  # BGL / Thunderbird first field: '-' normal, anything else an alert
    message: str


@dataclass(frozen=True)
class DrainSettings:
    """Drain's parameters, as in Loghub's benchmark (`sim_th` is its `st`)."""

    sim_th: float = 0.5
    depth: int = 4
    masks: tuple[str, ...] = field(default_factory=tuple)  # regexes replaced by <*> before mining


class LineFormat(Protocol):
    """A grammar for one kind of log line."""

    name: str
    has_year: bool
    drain: DrainSettings

    def match(self, line: str) -> Fields | None:
        """The line's fields, or None when the line is not in this format."""
        ...
