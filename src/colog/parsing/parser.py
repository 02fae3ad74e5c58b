"""Raw log files to a LogTable: choose a format per file, split headers, infer years, mine templates."""

from __future__ import annotations

import logging
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Iterable

import pyarrow as pa
import pyarrow.compute as pc

from colog.errors import CologError, FormatError, UnknownNameError
from colog.progress import progress_bar
from colog.parsing.fields import DrainSettings, Fields, LineFormat
from colog.parsing.formats import LOGHUB_PRESETS, user_format
from colog.parsing.jsonlines import JSON_FORMATS, json_format
from colog.parsing.readers import LogFile, discover, file_type, read_lines
from colog.parsing.syslog import SYSLOG_FILES, DmesgFormat, SyslogFormat
from colog.parsing.templates import TemplateMiner, template_key
from colog.parsing.years import guessed_years_warning, infer_years

logger = logging.getLogger(__name__)

LOG_SCHEMA = pa.schema([
    ("file", pa.string()),
    ("line", pa.int64()),  # 1-based line number in its file
    ("timestamp", pa.timestamp("us")),
    ("host", pa.string()),
    ("component", pa.string()),
    ("level", pa.string()),
    ("pid", pa.string()),
    ("alert", pa.string()),
    ("uptime", pa.float64()),  # kernel seconds since boot, from a leading "[   12.345678]"
    ("message", pa.string()),
    ("template_id", pa.int64()),  # template_key of the template's text: the same text, the same id anywhere
    ("template", pa.string()),
    ("matched", pa.bool_()),
    ("format", pa.string()),
])

_UPTIME = re.compile(r"\[\s*(\d+\.\d+)\]\s?")


def split_uptime(message: str) -> tuple[float | None, str]:
    """Kernel lines start with the seconds since boot; as a field it stops making every line unique."""
    m = _UPTIME.match(message)
    return (float(m[1]), message[m.end():]) if m else (None, message)


# Auto-detection tries these in order, and on a tie the earlier wins: JSON lines (which nothing else matches), then
# the general OS grammar before the Loghub presets, three of which (linux, mac, openssh) are syslog lines under other
# field names.
AUTO_ORDER = [*JSON_FORMATS, "syslog", *LOGHUB_PRESETS]
SAMPLE_CHARS = 2048  # detection looks at this much of each sampled line
NAMED_SHARE = 0.9  # a file whose name names a format (auth.log, Mac_2k.log) takes it from this share of its sample


def format_names() -> list[str]:
    """Every named format: the Loghub presets, the OS-log grammar and the JSON-lines formats."""
    return [*LOGHUB_PRESETS, "syslog", "dmesg", *JSON_FORMATS]


def resolve_format(spec: str) -> LineFormat:
    """A format from its name, from a header string such as `<Date> <Time> <Level>: <Content>`, or from
    `json:message=FIELD,...`."""
    if spec == "syslog":
        return SyslogFormat()
    if spec == "dmesg":
        return DmesgFormat()
    if spec in LOGHUB_PRESETS:
        return LOGHUB_PRESETS[spec]
    if spec in JSON_FORMATS:
        return JSON_FORMATS[spec]
    if spec.startswith("json:"):
        return json_format(spec)
    if "<" in spec:
        return user_format(spec)
    raise UnknownNameError("format", spec, ["auto", *format_names(), "'<Field> ... <Content>'",
                                            "'json:message=FIELD,...'"])


@dataclass
class ParseConfig:
    """How to parse: `format` is "auto", a format name, or a header string."""

    format: str = "auto"
    year: int | None = None  # year of each file's first line, when headers carry none; default: from mtime
    sample_size: int = 200  # lines per file used to choose or check the format
    min_match: float = 0.05  # below this share of the sample, a format is rejected
    drain: DrainSettings | None = None  # None: the chosen format's own settings

    def __post_init__(self) -> None:
        if self.format != "auto":
            resolve_format(self.format)  # a malformed format fails here, once, before any file is read


@dataclass
class ParseResult:
    """The LogTable and what was decided on the way."""

    table: pa.Table
    formats: dict[str, str] = field(default_factory=dict)  # file name -> format name
    n_templates: int = 0
    skipped: list[str] = field(default_factory=list)  # files in a directory that no format matched
    miner: TemplateMiner | None = None  # the templates mined, for detection to continue from

    def summary(self) -> dict:
        matched = int(pc.sum(self.table["matched"]).as_py() or 0)
        by_format = Counter(self.formats.values())
        return {
            "files": len(self.formats),
            "lines": self.table.num_rows,
            "matched": matched,
            "unmatched": self.table.num_rows - matched,
            "templates": self.n_templates,
            "format": by_format.most_common(1)[0][0] if by_format else None,
            "formats": dict(by_format),
            "skipped_files": self.skipped,
        }


def match_share(fmt: LineFormat, sample: list[str]) -> float:
    """The share of `sample` `fmt` matches, on each line's first SAMPLE_CHARS (a JSON line only parses whole)."""
    whole = getattr(fmt, "whole_line", False)
    return sum(fmt.match(line if whole else line[:SAMPLE_CHARS]) is not None for line in sample) / max(len(sample), 1)


def choose_format(sample: list[str], config: ParseConfig, source: str, hint: LineFormat | None = None) -> LineFormat:
    """The format for one file: the configured one (checked) or the best auto-detected one."""
    if file_type(source) == "dmesg" and config.format in ("auto", "syslog", "dmesg"):
        syslog = SyslogFormat()
        return syslog if match_share(syslog, sample) >= 0.5 else DmesgFormat()
    if config.format != "auto":
        fmt = resolve_format(config.format)
        share = match_share(fmt, sample)
        if share < config.min_match:
            raise FormatError(f"{source}: format {config.format!r} matches {share:.0%} of the first "
                              f"{len(sample)} lines; e.g. {sample[0][:200]!r}")
        return fmt
    named = _named_format(source)
    if named is not None and match_share(named, sample) >= NAMED_SHARE:
        return named
    if hint is not None and match_share(hint, sample) >= 0.9:
        return hint
    best, best_share = None, -1.0
    for name in AUTO_ORDER:
        fmt = resolve_format(name)
        share = match_share(fmt, sample)
        if share > best_share:
            best, best_share = fmt, share
        if share == 1.0:
            break
    if best is None or best_share < config.min_match:
        closest = f"best {best.name} at {best_share:.0%}" if best is not None and best_share > 0 else \
            f"none matches any of the first {len(sample)} lines"
        raise FormatError(f"{source}: no known format matches ({closest}); e.g. {sample[0][:200]!r}; "
                          "pass --format '<...>'")
    return best


def _named_format(source: str) -> LineFormat | None:
    """The format a file's name names: a syslog file (auth.log, kern.log.1, messages) the OS grammar, a Loghub
    sample (Mac_2k.log) its preset; None for any other name."""
    kind = file_type(source)
    if kind in SYSLOG_FILES:
        return SyslogFormat()
    return LOGHUB_PRESETS.get(kind)


def parse_paths(paths: Iterable[str | os.PathLike], config: ParseConfig | None = None,
                progress: bool = True, stdin_name: str = "-") -> ParseResult:
    """Parse files and directories (`-`: standard input, named `stdin_name`) into one LogTable; lines that match no
    format are kept, flagged."""
    config = config or ParseConfig()
    files = discover(paths, stdin_name)
    columns: dict[str, list] = {name: [] for name in LOG_SCHEMA.names}
    formats: dict[str, str] = {}
    miner: TemplateMiner | None = None
    hint: LineFormat | None = None
    skipped: list[str] = []
    reasons: list[str] = []
    years: dict[str, int] = {}  # file -> the year its headers lacked, guessed from its modification time
    total = sum(f.size for f in files)
    with progress_bar(total=total, unit="B", unit_scale=True, desc="parse", enabled=progress) as bar:
        for log in files:
            numbered = list(read_lines(log.path))
            if not numbered:
                logger.warning("skipping %s: no non-blank lines", log.path)
                continue
            sample = [text for _, text in numbered[:config.sample_size]]
            try:
                fmt = choose_format(sample, config, str(log.path), hint)
            except FormatError as exc:
                if log.explicit:
                    raise
                logger.warning("skipping %s", exc)  # a README or label file beside the logs
                skipped.append(log.name)
                reasons.append(str(exc))
                continue
            hint = fmt
            formats[log.name] = fmt.name
            if miner is None:
                miner = TemplateMiner(config.drain or fmt.drain)
            guessed = _parse_file(log, numbered, fmt, miner, config, columns)
            if guessed is not None:
                years[log.name] = guessed
            bar.update(log.size)
    if miner is None:
        raise FormatError(reasons[0] if reasons else "no parsable log lines in "
                          + ", ".join(str(p) for p in paths))
    warning = guessed_years_warning(years)
    if warning:
        logger.warning(warning)
    templates = {cid: miner.template(cid) for cid in set(columns["template_id"])}  # final, generalised texts
    columns["template"] = [templates[cid] for cid in columns["template_id"]]
    keys = {cid: template_key(text) for cid, text in templates.items()}
    columns["template_id"] = [keys[cid] for cid in columns["template_id"]]
    table = pa.table(columns, schema=LOG_SCHEMA)
    logger.info("parsed %d lines from %d files: %d templates", table.num_rows, len(formats), miner.n_templates)
    return ParseResult(table, formats, miner.n_templates, skipped, miner)


def _parse_file(log: LogFile, numbered: list[tuple[int, str]], fmt: LineFormat, miner: TemplateMiner,
                config: ParseConfig, columns: dict[str, list]) -> int | None:
    """Add the file's rows to `columns`; the year its first timestamp was given when only the file's modification
    time told it, else None."""
    rows: list[Fields] = []
    matched: list[bool] = []
    for _, text in numbered:
        fields = fmt.match(text)
        matched.append(fields is not None)
        rows.append(fields if fields is not None else Fields(None, None, None, None, None, None, text.strip()))
    stamps = [r.timestamp for r in rows]
    guessed = None
    if not fmt.has_year:
        modified = datetime.fromtimestamp(log.modified)
        try:
            stamps = infer_years(stamps, config.year, modified)
        except CologError as exc:
            raise CologError(f"{log.path}: {exc}") from None
        first = next((t for t in stamps if t is not None), None)
        guessed = first.year if first is not None and config.year is None else None
    columns["file"].extend([log.name] * len(rows))
    columns["line"].extend(n for n, _ in numbered)
    columns["timestamp"].extend(stamps)
    for name in ("host", "component", "level", "pid", "alert"):
        columns[name].extend(getattr(r, name) for r in rows)
    uptimes, messages = zip(*(split_uptime(r.message) for r in rows))
    columns["uptime"].extend(uptimes)
    columns["message"].extend(messages)
    columns["template_id"].extend(miner.add(m) for m in messages)
    columns["matched"].extend(matched)
    columns["format"].extend([fmt.name] * len(rows))
    return guessed


def read_table(path: str | os.PathLike) -> pa.Table:
    """Load a LogTable written by `colog parse` or `colog label`."""
    import pyarrow.parquet as pq

    return pq.read_table(Path(path))
