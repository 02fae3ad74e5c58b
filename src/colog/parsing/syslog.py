"""The OS-log grammar: RFC 3164 and RFC 5424 syslog, ISO-timestamped rsyslog lines, and dmesg.

One deterministic grammar does what the paper's BiLSTM NER parser did for auth.log, kern.log,
messages, daemon.log, syslog and dmesg files: timestamp, host, service, pid and message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone

from colog.parsing.fields import NO_YEAR, DrainSettings, Fields

_SEVERITY = ("emerg", "alert", "crit", "err", "warning", "notice", "info", "debug")
# The files syslog daemons write (their names without rotation suffixes): auto-detection gives them this grammar.
SYSLOG_FILES = ("auth", "authpriv", "secure", "syslog", "messages", "kern", "daemon", "debug", "user", "mail",
                "cron", "boot", "lpr", "news", "uucp", "local0", "local1", "local2", "local3", "local4", "local5",
                "local6", "local7", "maillog")
_PRI = r"(?:<(?P<pri>\d{1,3})>)?"
# tag[pid]: — a tag has no spaces, colons or brackets; a line without one keeps all text as message.
_TAGGED = r"(?:(?P<tag>[^\s:\[\]]+)(?:\[(?P<pid>[^\]\s]*)\])?:(?:\s+|$))"
_TAG = _TAGGED + "?"
_RFC3164 = re.compile(
    _PRI + r"(?P<ts>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d)(?:\.\d+)? (?P<host>\S+) " + _TAG + r"(?P<msg>.*)$",
    re.DOTALL)
_STAMP = r"\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?) (?P<host>\S+) "
_ISO = re.compile(_PRI + r"(?:1 )?(?P<iso>\d{4}-\d\d-\d\dT" + _STAMP + _TAG + r"(?P<msg>.*)$", re.DOTALL)
# With a space for the T, only with a tag: dpkg.log's "2025-06-24 14:36:25 status installed ..." is no syslog line.
_ISO_SPACED = re.compile(_PRI + r"(?:1 )?(?P<iso>\d{4}-\d\d-\d\d " + _STAMP + _TAGGED + r"(?P<msg>.*)$", re.DOTALL)
# RFC 5424: <PRI>1 TIMESTAMP HOST APP PROCID MSGID [SD]|- MSG
_RFC5424 = re.compile(
    r"<(?P<pri>\d{1,3})>1 (?P<iso>\S+) (?P<host>\S+) (?P<tag>\S+) (?P<pid>\S+) \S+ "
    r"(?:-|(?:\[(?:[^\]\\]|\\.)*\])+)(?: (?P<msg>.*))?$",
    re.DOTALL)
_DMESG = re.compile(r"\[\s*\d+\.\d+\]")


def _nil(value: str | None) -> str | None:
    return None if value in (None, "", "-") else value


def _severity(pri: str | None) -> str | None:
    return _SEVERITY[int(pri) % 8] if pri is not None and int(pri) < 192 else None


_MONTHS = {m: i for i, m in enumerate(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
                                        "Dec"), start=1)}


def _stamp(text: str) -> datetime | None:
    """`Mmm dd HH:MM:SS` (the regex fixed its shape) in the placeholder year; strptime is 10x slower."""
    month = _MONTHS.get(text[:3])
    try:
        return datetime(NO_YEAR, month, int(text[4:6]), int(text[7:9]), int(text[10:12]), int(text[13:15]))
    except (TypeError, ValueError):  # unknown month name, Feb 30, 25:00:00
        return None


def _iso(text: str) -> datetime | None:
    try:
        ts = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return ts.astimezone(timezone.utc).replace(tzinfo=None) if ts.tzinfo else ts


@dataclass(frozen=True)
class SyslogFormat:
    """The OS-log grammar; lines of the four shapes above may mix within one file."""

    name: str = "syslog"
    has_year: bool = False  # RFC 3164 carries none: inferred per file
    drain: DrainSettings = field(default_factory=lambda: DrainSettings(
        0.5, 4, (r"(/|)(\d+\.){3}\d+(:\d+)?", r"\b0x[0-9a-fA-F]+\b", r"\b[0-9a-fA-F]{8,}\b")))
    description: str = "RFC 3164 / 5424 syslog, auth.log, kern.log, messages, daemon.log, dmesg"

    def match(self, line: str) -> Fields | None:
        m = _RFC3164.match(line)
        if m is not None:
            ts = _stamp(m["ts"])
            if ts is None:
                return None
            return Fields(ts, m["host"], m["tag"], _severity(m["pri"]), _nil(m["pid"]), None, m["msg"].strip())
        m = _RFC5424.match(line) or _ISO.match(line) or _ISO_SPACED.match(line)
        if m is not None:
            ts = _iso(m["iso"])
            if ts is None:
                return None
            return Fields(ts, _nil(m["host"]), _nil(m["tag"]), _severity(m["pri"]), _nil(m["pid"]), None,
                          (m["msg"] or "").strip())
        m = _DMESG.match(line)
        if m is not None:
            return Fields(None, None, "kernel", None, None, None, line.strip())  # uptime: see parser.split_uptime
        return None


@dataclass(frozen=True)
class DmesgFormat:
    """A kernel ring buffer dump: `[uptime] message` or bare messages, no wall-clock time.

    Used only for files named dmesg*, since it accepts any line.
    """

    name: str = "dmesg"
    has_year: bool = True  # nothing to infer: no timestamps
    drain: DrainSettings = field(default_factory=lambda: SyslogFormat().drain)
    description: str = "dmesg output, with or without [uptime] stamps"

    def match(self, line: str) -> Fields | None:
        return Fields(None, None, "kernel", None, None, None, line.strip())
