"""Logs written as one JSON object a line: journald (`journalctl -o json`), Docker's json-file driver, and any
other JSON lines described by `json:message=FIELD,timestamp=FIELD,...`.

journald's fields are systemd.journal-fields(7)'s: MESSAGE, __REALTIME_TIMESTAMP (microseconds since the
epoch, as a string), _HOSTNAME, SYSLOG_IDENTIFIER (else _COMM), _PID (else SYSLOG_PID) and PRIORITY (0
emerg ... 7 debug). Docker's json-file lines hold `log` (the line, with its newline), `stream` (stdout or
stderr) and `time` (RFC 3339, nanoseconds). A field name may be a dotted path into nested objects.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone

from colog.errors import FormatError
from colog.parsing.fields import DrainSettings, Fields

COLUMNS = ("message", "timestamp", "host", "component", "level", "pid")
_SEVERITY = ("emerg", "alert", "crit", "err", "warning", "notice", "info", "debug")
_FRACTION = re.compile(r"(\.\d{6})\d+")  # RFC 3339 with nanoseconds: Python keeps microseconds
# As the OS grammar masks: journald carries the same messages syslog files do.
_DRAIN = DrainSettings(0.5, 4, (r"(/|)(\d+\.){3}\d+(:\d+)?", r"\b0x[0-9a-fA-F]+\b", r"\b[0-9a-fA-F]{8,}\b"))


def _get(record: dict, path: str):
    value = record
    for key in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _text(value) -> str | None:
    """A field as text; journald writes a binary field as an array of byte values."""
    if value is None or isinstance(value, (dict, bool)):
        return None
    if isinstance(value, list):
        if not all(isinstance(b, int) and 0 <= b < 256 for b in value):
            return None
        return bytes(value).decode("utf-8", errors="replace")
    return str(value)


def parse_time(value) -> datetime | None:
    """An ISO 8601 / RFC 3339 string, or a number of seconds, milliseconds or microseconds since the epoch (by
    its size), as naive UTC."""
    text = _text(value)
    if text is None:
        return None
    try:
        number = float(text)
    except ValueError:
        try:
            ts = datetime.fromisoformat(_FRACTION.sub(r"\1", text.strip()).replace("Z", "+00:00"))
        except ValueError:
            return None
        return ts.astimezone(timezone.utc).replace(tzinfo=None) if ts.tzinfo else ts
    for scale in (1, 1e3, 1e6, 1e9):  # the first scale that lands before the year 3000
        if number / scale < 32_503_680_000:
            try:
                return datetime.fromtimestamp(number / scale, tz=timezone.utc).replace(tzinfo=None)
            except (OverflowError, OSError, ValueError):
                return None
    return None


@dataclass(frozen=True)
class JsonFormat:
    """JSON lines: each column read from one or more fields (the first present wins)."""

    name: str
    columns: tuple[tuple[str, tuple[str, ...]], ...]  # (column, fields to try)
    required: tuple[str, ...]  # fields a line must hold to be in this format
    drain: DrainSettings = _DRAIN
    has_year: bool = True
    whole_line: bool = True  # a JSON object parses only whole: format detection must not cut its sample lines
    description: str = ""

    def match(self, line: str) -> Fields | None:
        text = line.lstrip()
        if not text.startswith("{"):
            return None
        try:
            record = json.loads(text)
        except ValueError:
            return None
        if not isinstance(record, dict) or any(_get(record, f) is None for f in self.required):
            return None
        values = {column: next((v for v in (_get(record, f) for f in fields) if v is not None), None)
                  for column, fields in self.columns}
        message = _text(values.get("message"))
        if message is None:
            return None
        level = _text(values.get("level"))
        if self.name == "journald" and level is not None and level.isdigit() and int(level) < 8:
            level = _SEVERITY[int(level)]
        return Fields(parse_time(values.get("timestamp")), _text(values.get("host")), _text(values.get("component")),
                      level, _text(values.get("pid")), None, message.rstrip("\r\n"))


JOURNALD = JsonFormat("journald", (("message", ("MESSAGE",)), ("timestamp", ("__REALTIME_TIMESTAMP",)),
                                   ("host", ("_HOSTNAME",)), ("component", ("SYSLOG_IDENTIFIER", "_COMM")),
                                   ("level", ("PRIORITY",)), ("pid", ("_PID", "SYSLOG_PID"))),
                      ("MESSAGE", "__REALTIME_TIMESTAMP"), description="journalctl -o json")
DOCKER = JsonFormat("docker", (("message", ("log",)), ("timestamp", ("time",)), ("component", ("stream",))),
                    ("log", "time"), description="Docker's json-file logging driver")
JSON_FORMATS = {f.name: f for f in (JOURNALD, DOCKER)}


def json_format(spec: str) -> JsonFormat:
    """`json:message=FIELD,timestamp=FIELD,host=FIELD,component=FIELD,level=FIELD,pid=FIELD`; message is required."""
    columns: dict[str, tuple[str, ...]] = {}
    for part in spec.removeprefix("json:").split(","):
        column, _, fields = part.strip().partition("=")
        if column not in COLUMNS or not fields.strip():
            raise FormatError(f"format {spec!r}: {part.strip()!r} is not COLUMN=FIELD with COLUMN one of "
                              f"{', '.join(COLUMNS)}")
        columns[column] = (fields.strip(),)
    if "message" not in columns:
        raise FormatError(f"format {spec!r} names no message field; e.g. json:message=msg,timestamp=ts")
    return JsonFormat("json", tuple(columns.items()), columns["message"], description=spec)
