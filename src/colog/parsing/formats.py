"""Loghub-style header formats (`<Date> <Time> <Level> <Component>: <Content>`) and their presets.

Text outside `<...>` is a regular expression, as in Loghub's benchmark, with runs of spaces
matching any whitespace; a format string without a backslash is taken literally instead, so
`[<Level>]` means brackets, as a user writing one expects. Fields do not cross whitespace (a field between `\\[` and `\\]` may), so
a line that fails to match fails fast instead of backtracking over every split of a long line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from colog.errors import FormatError
from colog.parsing.fields import NO_YEAR, DrainSettings, Fields

# Header fields that become LogTable columns; the rest stay in the header.
_HOST = ("Host", "Node", "User", "Location")
_COMPONENT = ("Component", "Program", "Process")
_LEVEL = ("Level",)
_PID = ("Pid", "PID", "Process")
_ALERT = ("Label",)
# Only the first bytes of a line can hold its header: longer lines are matched on this prefix.
HEADER_SPAN = 4096


def _first(groups: dict[str, str | None], names: tuple[str, ...]) -> str | None:
    for name in names:
        value = groups.get(name)
        if value:
            return value
    return None


@dataclass(frozen=True)
class HeaderFormat:
    """A header format string compiled to a regex, plus how to read its timestamp."""

    name: str
    header: str
    drain: DrainSettings = field(default_factory=DrainSettings)
    time_fields: tuple[str, ...] = ()
    time_format: str = ""  # strptime format of the time fields joined by a space; "epoch" = seconds
    fields: tuple[tuple[str, str], ...] = ()  # per-field regex overrides, tighter than the default
    description: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "_regex", compile_header(self.header, dict(self.fields)))
        object.__setattr__(self, "has_year", self.time_format == "epoch" or "%Y" in self.time_format
                           or "%y" in self.time_format)

    def match(self, line: str) -> Fields | None:
        regex: re.Pattern[str] = self._regex  # type: ignore[attr-defined]
        m = regex.match(line, 0, HEADER_SPAN) if len(line) > HEADER_SPAN else regex.match(line)
        if m is None:
            return None
        groups = m.groupdict()
        message = line[m.start("Content"):].strip() if len(line) > HEADER_SPAN else groups["Content"].strip()
        return Fields(
            timestamp=self._timestamp(groups),
            host=_first(groups, _HOST),
            component=_first(groups, _COMPONENT),
            level=_first(groups, _LEVEL),
            pid=_first(groups, _PID),
            alert=_first(groups, _ALERT),
            message=message,
        )

    def _timestamp(self, groups: dict[str, str | None]) -> datetime | None:
        if not self.time_fields:
            return None
        text = " ".join(groups.get(f) or "" for f in self.time_fields)
        try:
            if self.time_format == "epoch":
                return datetime.utcfromtimestamp(int(text))
            if self.has_year:
                return datetime.strptime(text, self.time_format)
            return datetime.strptime(f"{NO_YEAR} {text}", f"%Y {self.time_format}")
        except (ValueError, OverflowError, OSError):
            return None


def compile_header(header: str, overrides: dict[str, str] | None = None) -> re.Pattern[str]:
    """Turn `<Date> <Time> <Level>: <Content>` into an anchored regex with one group per field."""
    overrides = overrides or {}
    parts = re.split(r"(<[^<>]+>)", header)
    names = [p[1:-1] for p in parts[1::2]]
    if "Content" not in names:
        raise FormatError(f"format {header!r} has no <Content> field")
    if names[-1] != "Content" or parts[-1].strip():
        raise FormatError(f"format {header!r}: <Content> must be the last field")
    bad = [n for n in names if not n.isidentifier()]
    if bad or len(set(names)) != len(names):
        raise FormatError(f"format {header!r}: field names must be distinct identifiers, got {bad or names}")
    plain = "\\" not in header  # no backslash: the text between fields is literal, not a regex
    regex = ""
    for i, part in enumerate(parts):
        if i % 2 == 0:
            literal = re.sub(r"(\\ )+", r"\\s+", re.escape(part)) if plain else re.sub(" +", r"\\s+", part)
            if i == len(parts) - 3 and literal.endswith(r"\s+"):
                literal = literal[:-3] + r"(?:\s+|\s*$)"  # an empty message is still a match
            regex += literal
            continue
        name = part[1:-1]
        if name == "Content":
            pattern = ".*"
        elif name in overrides:
            pattern = overrides[name]
        elif parts[i - 1].endswith("[") and parts[i + 1].startswith(("]", "\\]")):
            pattern = r"[^\]]*?"
        else:
            pattern = r"\S*?"
        regex += f"(?P<{name}>{pattern})"
    try:
        return re.compile("^" + regex + "$", re.DOTALL)
    except re.error as exc:
        raise FormatError(f"format {header!r} is not a valid pattern: {exc}") from exc


_IP = r"(\d+\.){3}\d+"
# (?<!...): a match starts where a run of these characters does (one starting inside the run would fail as the run
# did), so the mask scans a long run once instead of once per position in it
_DOMAIN = r"(?<![\w-])([\w-]+\.){2,}[\w-]+"

# The 16 Loghub systems. Header strings, masks, similarity thresholds and depths are Loghub's Drain
# benchmark settings (logpai/logparser, benchmark/Drain_benchmark.py), except two: drain3 builds its
# prefix tree slightly differently from logparser's Drain, and Android (0.2, 6 -> 0.7, 7) and Mac
# (depth 6 -> 3) reach Drain's published grouping accuracy only with these (benchmarks/parsing_accuracy.py).
# Field overrides only make auto-detection reject other systems' lines. Loghub names the host of Linux and OpenSSH
# lines Level and Component; here it is <Host>, so it lands in the host column.
LOGHUB_PRESETS: dict[str, HeaderFormat] = {f.name: f for f in [
    HeaderFormat("hdfs", "<Date> <Time> <Pid> <Level> <Component>: <Content>",
                 DrainSettings(0.5, 4, (r"blk_-?\d+", _IP + r"(:\d+)?")),
                 ("Date", "Time"), "%y%m%d %H%M%S",
                 (("Date", r"\d{6}"), ("Time", r"\d{6}"), ("Pid", r"\d+"), ("Level", r"[A-Z]+"))),
    HeaderFormat("hadoop", r"<Date> <Time> <Level> \[<Process>\] <Component>: <Content>",
                 DrainSettings(0.5, 4, (_IP,)),
                 ("Date", "Time"), "%Y-%m-%d %H:%M:%S,%f",
                 (("Date", r"\d{4}-\d\d-\d\d"), ("Time", r"[\d:]+,\d+"), ("Level", r"[A-Z]+"))),
    HeaderFormat("spark", "<Date> <Time> <Level> <Component>: <Content>",
                 DrainSettings(0.5, 4, (_IP, r"\b[KGTM]?B\b", _DOMAIN)),
                 ("Date", "Time"), "%y/%m/%d %H:%M:%S",
                 (("Date", r"\d\d/\d\d/\d\d"), ("Time", r"[\d:]+"), ("Level", r"[A-Z]+"))),
    HeaderFormat("zookeeper", r"<Date> <Time> - <Level>  \[<Node>:<Component>@<Id>\] - <Content>",
                 DrainSettings(0.5, 4, (r"(/|)" + _IP + r"(:\d+)?",)),
                 ("Date", "Time"), "%Y-%m-%d %H:%M:%S,%f",
                 (("Date", r"\d{4}-\d\d-\d\d"), ("Time", r"[\d:]+,\d+"), ("Level", r"[A-Z]+"),
                  ("Node", r".*?"))),
    HeaderFormat("bgl", "<Label> <Timestamp> <Date> <Node> <Time> <NodeRepeat> <Type> <Component> <Level> <Content>",
                 DrainSettings(0.5, 4, (r"core\.\d+",)),
                 ("Time",), "%Y-%m-%d-%H.%M.%S.%f",
                 (("Timestamp", r"\d+"), ("Date", r"\d{4}\.\d\d\.\d\d"), ("Time", r"[\d.-]+"))),
    HeaderFormat("hpc", "<LogId> <Node> <Component> <State> <Time> <Flag> <Content>",
                 DrainSettings(0.5, 4, (r"=\d+",)),
                 ("Time",), "epoch",
                 (("LogId", r"\d+"), ("Time", r"\d{9,11}"))),
    HeaderFormat("thunderbird",
                 r"<Label> <Timestamp> <Date> <User> <Month> <Day> <Time> <Location> <Component>(\[<PID>\])?: <Content>",
                 DrainSettings(0.5, 4, (_IP,)),
                 ("Timestamp",), "epoch",
                 (("Timestamp", r"\d+"), ("Date", r"\d{4}\.\d\d\.\d\d"), ("Month", r"[A-Z][a-z]{2}"),
                  ("Day", r"\d+"), ("Time", r"\d\d:\d\d:\d\d"), ("Component", r".*?"))),
    HeaderFormat("windows", "<Date> <Time>, <Level>                  <Component>    <Content>",
                 DrainSettings(0.7, 5, (r"0x.*?\s",)),
                 ("Date", "Time"), "%Y-%m-%d %H:%M:%S",
                 (("Date", r"\d{4}-\d\d-\d\d"), ("Time", r"\d\d:\d\d:\d\d"))),
    HeaderFormat("linux", r"<Month> <Date> <Time> <Host> <Component>(\[<PID>\])?: <Content>",
                 DrainSettings(0.39, 6, (_IP, r"\d{2}:\d{2}:\d{2}")),
                 ("Month", "Date", "Time"), "%b %d %H:%M:%S",
                 (("Month", r"[A-Z][a-z]{2}"), ("Date", r"\d+"), ("Time", r"\d\d:\d\d:\d\d"),
                  ("Component", r".*?"))),
    HeaderFormat("android", "<Date> <Time>  <Pid>  <Tid> <Level> <Component>: <Content>",
                 DrainSettings(0.7, 7, (r"(/[\w-]+)+", _DOMAIN,
                                        r"\b(\-?\+?\d+)\b|\b0[Xx][a-fA-F\d]+\b|\b[a-fA-F\d]{4,}\b")),
                 ("Date", "Time"), "%m-%d %H:%M:%S.%f",
                 (("Date", r"\d\d-\d\d"), ("Time", r"[\d:]+\.\d+"), ("Pid", r"\d+"), ("Tid", r"\d+"),
                  ("Level", r"[VDIWEFA]"), ("Component", r".*?"))),
    HeaderFormat("healthapp", r"<Time>\|<Component>\|<Pid>\|<Content>",
                 DrainSettings(0.2, 4, ()),
                 ("Time",), "%Y%m%d-%H:%M:%S:%f",
                 (("Time", r"\d{8}-[\d:]+"), ("Component", r"[^|]*?"), ("Pid", r"\d+"))),
    HeaderFormat("apache", r"\[<Time>\] \[<Level>\] <Content>",
                 DrainSettings(0.5, 4, (_IP,)),
                 ("Time",), "%a %b %d %H:%M:%S %Y"),
    HeaderFormat("proxifier", r"\[<Time>\] <Program> - <Content>",
                 DrainSettings(0.6, 3, (r"<\d+\ssec", r"(?<![\w-])([\w-]+\.)+[\w-]+(:\d+)?", r"\d{2}:\d{2}(:\d{2})*",
                                        r"[KGTM]B")),
                 ("Time",), "%m.%d %H:%M:%S",
                 (("Time", r"\d\d\.\d\d [\d:]+"), ("Program", r".*?"))),
    HeaderFormat("openssh", r"<Date> <Day> <Time> <Host> <Component>\[<Pid>\]: <Content>",
                 DrainSettings(0.6, 5, (_IP, _DOMAIN)),
                 ("Date", "Day", "Time"), "%b %d %H:%M:%S",
                 (("Date", r"[A-Z][a-z]{2}"), ("Day", r"\d+"), ("Time", r"\d\d:\d\d:\d\d"), ("Component", "sshd"))),
    HeaderFormat("openstack", r"<Logrecord> <Date> <Time> <Pid> <Level> <Component> \[<ADDR>\] <Content>",
                 DrainSettings(0.5, 5, (r"((\d+\.){3}\d+,?)+", r"/.+?\s", r"\d+")),
                 ("Date", "Time"), "%Y-%m-%d %H:%M:%S.%f",
                 (("Date", r"\d{4}-\d\d-\d\d"), ("Time", r"[\d:]+\.\d+"), ("Pid", r"\d+"))),
    HeaderFormat("mac", r"<Month>  <Date> <Time> <User> <Component>\[<PID>\]( \(<Address>\))?: <Content>",
                 DrainSettings(0.7, 3, (_DOMAIN,)),
                 ("Month", "Date", "Time"), "%b %d %H:%M:%S",
                 (("Month", r"[A-Z][a-z]{2}"), ("Date", r"\d+"), ("Time", r"\d\d:\d\d:\d\d"),
                  ("Component", r".*?"))),
]}


def user_format(header: str) -> HeaderFormat:
    """A format from a user's own header string, with generic masks for numbers-like tokens."""
    return HeaderFormat("custom", header, DrainSettings(0.5, 4, (_IP,)),
                        description="user format string")
