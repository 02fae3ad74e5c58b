"""Years for headers that carry none (RFC 3164, Loghub Linux/Mac/OpenSSH/Android/Proxifier).

Within a file, time runs forward: a timestamp more than a month earlier than the one before it
means the year rolled over. The years are then anchored either to a year the user gives (the
first line's) or to the file's modification time (the last line's).
"""

from __future__ import annotations

from datetime import MAXYEAR, MINYEAR, datetime, timedelta

from colog.errors import CologError
from colog.parsing.fields import NO_YEAR

_ROLLOVER = timedelta(days=30)


def _with_year(ts: datetime, year: int) -> datetime:
    if ts.month == 2 and ts.day == 29 and not (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)):
        return ts.replace(year=year, day=28)
    return ts.replace(year=year)


def infer_years(stamps: list[datetime | None], first_year: int | None, modified: datetime) -> list[datetime | None]:
    """Give every placeholder-year timestamp a real year, monotone within the file.

    `first_year` pins the first timestamp's year; without it the last timestamp gets the year of
    `modified` (or the year before, when its month-day lies after the modification date).
    """
    offsets: list[int | None] = []
    offset, previous = 0, None
    for ts in stamps:
        if ts is None or ts.year != NO_YEAR:
            offsets.append(None)
            continue
        if previous is not None and ts + _ROLLOVER < previous:
            offset += 1
        previous = ts
        offsets.append(offset)
    if previous is None:
        return stamps
    if first_year is not None:
        base = first_year
    else:
        last_year = modified.year - (1 if _with_year(previous, modified.year) > modified else 0)
        base = last_year - offset
    if not MINYEAR <= base <= base + offset <= MAXYEAR:
        raise CologError(f"the file's years would run from {base} to {base + offset}, outside {MINYEAR}-{MAXYEAR} "
                         f"(--year pins the first line's year; the file passes into a new year {offset}x)")
    return [ts if off is None else _with_year(ts, base + off) for ts, off in zip(stamps, offsets)]


class Rollover:
    """Years for one file's placeholder-year timestamps as they stream in, from its first line's year (`--year`):
    a step back of more than a month is a new year, as `infer_years` reads a whole file."""

    def __init__(self, first_year: int):
        self.first, self.year, self.previous = first_year, first_year, None

    def __call__(self, ts: datetime) -> datetime:
        if self.previous is not None and ts + _ROLLOVER < self.previous:
            self.year += 1
            if self.year > MAXYEAR:
                raise CologError(f"the file's years would run from {self.first} past {MAXYEAR} (--year pins the "
                                 f"first line's year; the file passes into a new year {self.year - self.first}x)")
        self.previous = ts
        return _with_year(ts, self.year)


def guessed_years_warning(years: dict[str, int]) -> str | None:
    """One line for files whose headers carry no year and got it from their modification time (file -> the
    year its first line got), as parse, train and detect say it; None when no file did."""
    if not years:
        return None
    name, year = next(iter(years.items()))
    more = f" and {len(years) - 1} more files" if len(years) > 1 else ""
    return (f"the year of the timestamps comes from the files' modification time ({name}: {year}{more}); --year "
            "gives the first line's year")


def near(ts: datetime, written: datetime) -> datetime:
    """A placeholder-year timestamp of a line read live or one at a time: the year that puts it at most a day
    after `written` (when its file was written, or now)."""
    stamped = _with_year(ts, written.year)
    return _with_year(ts, written.year - 1) if stamped > written + timedelta(days=1) else stamped
