"""Batch detection: a whole file through a session, counted; the one path under `colog detect` and its Ray actors."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

from colog.detection.session import Session
from colog.detection.verdict import Verdict
from colog.errors import FormatError
from colog.parsing.readers import LogFile


@dataclass
class Counts:
    """Verdicts counted: all lines, the flagged ones, those that could not be scored."""

    lines: int = 0
    anomalies: int = 0
    unparsed: int = 0

    def add(self, verdicts: list[Verdict]) -> None:
        self.lines += len(verdicts)
        self.anomalies += sum(v.label for v in verdicts)
        self.unparsed += sum(v.cls == "unparsed" for v in verdicts)

    def merge(self, other: "Counts") -> None:
        self.lines, self.anomalies, self.unparsed = (self.lines + other.lines, self.anomalies + other.anomalies,
                                                     self.unparsed + other.unparsed)


@dataclass
class FileResult:
    """What detecting one file gave."""

    file: str
    counts: Counts
    seconds: float
    skipped: str = ""  # why the file was skipped (no log format fits it), else ""
    guessed_year: int | None = None  # its headers carry no year: the one its first line got from the file's mtime


def detect_file(session: Session, log: LogFile, emit: Callable[[list[Verdict]], None],
                progress: Callable[[int], None] = lambda n: None) -> FileResult:
    """Every line of `log` through `session`, its verdicts to `emit` and the bytes read to `progress`.

    A file no log format fits is skipped when it was found in a directory (a README beside the logs,
    as `colog parse` skips it) and an error when it was named. Its waiting lines are judged at its end.
    """
    start = time.perf_counter()
    counts, done = Counts(), 0
    try:
        for verdicts, read in session.feed_file(log.path, log.name):
            emit(verdicts)
            counts.add(verdicts)
            progress(read - done)
            done = read
    except FormatError as exc:
        if log.explicit:
            raise
        return FileResult(log.name, counts, time.perf_counter() - start, str(exc))
    return FileResult(log.name, counts, time.perf_counter() - start, guessed_year=session.guessed_years.get(log.name))


def require_some_log(results: list[FileResult]) -> None:
    """A directory where no file was a log is an error, as in `colog parse`, not "0 lines"."""
    skipped = [r.skipped for r in results if r.skipped]
    if results and len(skipped) == len(results):
        more = f" (and {len(skipped) - 1} more files skipped)" if len(skipped) > 1 else ""
        raise FormatError(f"no log lines to detect on: {skipped[0]}{more}")
