"""Verdicts out, typed by the file's extension (JSON lines, CSV, Parquet); files appear whole or not at all."""

from __future__ import annotations

import csv
import json
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator

import pyarrow as pa

from colog.artifacts import check_writable, is_stream, open_output, output_kind
from colog.detection.verdict import Verdict
from colog.errors import OutputError

# The first nine columns in their first order (scripts read CSV by position); later columns after them.
SCHEMA = pa.schema([("file", pa.string()), ("line", pa.int64()), ("label", pa.int8()), ("class", pa.string()),
                    ("probability", pa.float64()), ("template_id", pa.int64()), ("matched", pa.bool_()),
                    ("reason", pa.string()), ("explanation", pa.string()), ("timestamp", pa.string()),
                    ("host", pa.string()), ("component", pa.string()), ("message", pa.string()),
                    ("template", pa.string()), ("new_template", pa.bool_()), ("oov", pa.float64())])
COLUMNS = tuple(SCHEMA.names)


def _flat(verdict: Verdict) -> dict:
    """A verdict as one row of a table: every column present, the explanation as JSON text."""
    row = dict.fromkeys(COLUMNS) | verdict.to_dict()
    if row["explanation"] is not None:
        row["explanation"] = json.dumps(row["explanation"])
    return row


class VerdictWriter:
    """Writes verdicts to a stream as JSON lines, CSV rows (booleans as true/false) or Parquet row groups."""

    def __init__(self, stream: IO, kind: str, header: bool = True):
        self.stream = stream
        self.kind = kind
        if kind == "csv":
            self._csv = csv.DictWriter(stream, COLUMNS)
            if header:
                self._csv.writeheader()
        elif kind == "parquet":
            import pyarrow.parquet as pq

            self._parquet = pq.ParquetWriter(stream, SCHEMA)

    def write(self, verdicts: list[Verdict]) -> None:
        if not verdicts:
            return
        if self.kind == "jsonl":
            self.stream.write("".join(json.dumps(v.to_dict()) + "\n" for v in verdicts))
        elif self.kind == "csv":
            for v in verdicts:
                self._csv.writerow({k: (str(x).lower() if isinstance(x, bool) else x) for k, x in _flat(v).items()})
        else:
            self._parquet.write_table(pa.Table.from_pylist([_flat(v) for v in verdicts], SCHEMA))

    def close(self) -> None:
        if self.kind == "parquet":
            self._parquet.close()


@contextmanager
def verdict_writer(path: Path | None, append: bool = False) -> Iterator[VerdictWriter]:
    """Standard output when `path` is None or `-`; else the file, atomically (or appended to, for a watch)."""
    kind = output_kind(path)
    if not append or is_stream(path):
        with open_output(path, binary=kind == "parquet") as fh:
            writer = VerdictWriter(fh, kind)
            yield writer
            writer.close()
        return
    if kind == "parquet":
        raise OutputError(f"{path}: a watch appends its verdicts; Parquet files cannot grow, use .jsonl or .csv")
    check_writable(path)
    try:
        fresh = not path.exists() or path.stat().st_size == 0
        with path.open("a", encoding="utf-8", newline="") as fh:
            yield VerdictWriter(fh, kind, header=fresh)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write ({exc.strerror})") from exc


def last_line(path: Path | None, name: str, tail: int = 1 << 20) -> int:
    """The last line of file `name` whose verdict an appended output already holds (0: none, or no such output):
    what a watch restarted after a hard kill must not emit again. Reads the output's last `tail` bytes."""
    if path is None or is_stream(path) or not path.is_file():
        return 0
    size = path.stat().st_size
    with path.open("rb") as fh:
        fh.seek(max(0, size - tail))
        lines = fh.read().decode("utf-8", errors="replace").splitlines()
    if size > tail or output_kind(path) == "csv":
        lines = lines[1:]  # a line the cut began inside, or the CSV header
    if output_kind(path) == "csv":
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader([fh.readline(), *lines]))
    else:
        rows = []
        for line in lines:
            try:
                rows.append(json.loads(line))
            except ValueError:  # a line the kill cut short
                continue
    numbers = [int(r["line"]) for r in rows if isinstance(r, dict) and r.get("file") == name and r.get("line")]
    return numbers[-1] if numbers else 0
