"""Verdicts out: JSON lines by default, CSV when the file name says so; files appear whole or not at all."""

from __future__ import annotations

import csv
import json
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from colog.artifacts import atomic_path, check_writable
from colog.detection.session import Verdict
from colog.errors import OutputError

CSV_COLUMNS = ("file", "line", "label", "class", "probability", "template_id", "matched", "reason", "explanation")


def format_of(path: Path | None) -> str:
    if path is None or path.suffix.lower() in (".jsonl", ".json", ".ndjson"):
        return "jsonl"
    if path.suffix.lower() == ".csv":
        return "csv"
    raise OutputError(f"{path}: unknown output type {path.suffix!r}; use .jsonl or .csv")


class VerdictWriter:
    """Writes verdicts to a text stream as JSON lines or CSV rows."""

    def __init__(self, stream, kind: str, header: bool = True):
        self.stream = stream
        self._csv = None
        if kind == "csv":
            self._csv = csv.DictWriter(stream, CSV_COLUMNS, extrasaction="ignore")
            if header:
                self._csv.writeheader()

    def write(self, verdicts: list[Verdict]) -> None:
        if self._csv is not None:
            for v in verdicts:
                row = v.to_dict()
                if "explanation" in row:
                    row["explanation"] = json.dumps(row["explanation"])
                self._csv.writerow(row)
        else:
            self.stream.write("".join(json.dumps(v.to_dict()) + "\n" for v in verdicts))


@contextmanager
def verdict_writer(path: Path | None, append: bool = False) -> Iterator[VerdictWriter]:
    """stdout when `path` is None; else the file, atomically (or appended to, for a watch)."""
    kind = format_of(path)
    if path is None:
        yield VerdictWriter(sys.stdout, kind)
        sys.stdout.flush()
        return
    check_writable(path)
    if append:
        try:
            fresh = not path.exists() or path.stat().st_size == 0
            with path.open("a", encoding="utf-8", newline="") as fh:
                yield VerdictWriter(fh, kind, header=fresh)
        except OSError as exc:
            raise OutputError(f"{path}: cannot write ({exc.strerror})") from exc
        return
    with atomic_path(path) as tmp, tmp.open("w", encoding="utf-8", newline="") as fh:
        yield VerdictWriter(fh, kind)
