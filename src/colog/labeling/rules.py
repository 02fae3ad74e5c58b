"""Point labels: the ways a log line is known to be anomalous (alert column, level, keywords, user labels).

Every rule maps a LogTable to an int8 array (0 normal, 1 anomaly) and names itself in
`label_source`, so a figure can always say where its ground truth came from.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np
import pyarrow as pa

from colog.errors import FormatError, InputError, UnknownNameError
from colog.labeling.wordlists import load_lists
from colog.parsing.readers import file_type

DEFAULT_LEVELS = ("WARN", "WARNING", "ERROR", "FATAL", "CRITICAL")
RULE_SYNTAX = ["column", "level[:L1,L2,...]", "keywords:FILE|DIR|@set", "keywords-substring:FILE|DIR|@set",
               "labels:FILE.csv", "blocks:anomaly_label.csv"]


class LabelRule(Protocol):
    """Anything that labels the lines of a LogTable."""

    @property
    def source(self) -> str:
        """How the labels were made, written next to every figure."""
        ...

    def apply(self, table: pa.Table) -> np.ndarray:
        """One int8 label per row: 0 normal, 1 anomaly."""
        ...


@dataclass(frozen=True)
class ColumnRule:
    """BGL / Thunderbird: the first field is '-' for normal lines and an alert category otherwise."""

    @property
    def source(self) -> str:
        return "column:alert"

    def apply(self, table: pa.Table) -> np.ndarray:
        alerts = table["alert"].to_pylist()
        if all(a is None for a in alerts):
            raise FormatError("rule 'column' needs an alert column (BGL / Thunderbird formats); "
                              "this table has none")
        return np.array([a is not None and a != "-" for a in alerts], dtype=np.int8)


@dataclass(frozen=True)
class LevelRule:
    """A line is anomalous when its level is one of `levels` (case-insensitive)."""

    levels: tuple[str, ...] = DEFAULT_LEVELS

    @property
    def source(self) -> str:
        return "level:" + ",".join(self.levels)

    def apply(self, table: pa.Table) -> np.ndarray:
        wanted = {lv.upper() for lv in self.levels}
        levels = table["level"].to_pylist()
        if all(lv is None for lv in levels):
            raise FormatError("rule 'level' needs a level field; this table's format has none")
        return np.array([lv is not None and lv.strip().upper() in wanted for lv in levels], dtype=np.int8)


@dataclass(frozen=True)
class KeywordRule:
    """Negative-sentiment terms in the lower-cased message, with one list per log file type.

    `substring` is the paper's matching (its labels come from it); word boundaries, the default,
    keep "error" from firing inside "errorless". A file whose type has no list uses the "*" list,
    or stays normal when there is none.
    """

    spec: str
    substring: bool = False
    lists: dict[str, tuple[str, ...]] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if not self.lists:
            object.__setattr__(self, "lists", load_lists(self.spec))

    @property
    def source(self) -> str:
        return f"keywords{'-substring' if self.substring else ''}:{self.spec}"

    def _terms_for(self, file: str) -> tuple[str, ...]:
        return self.lists.get(file_type(file), self.lists.get("*", ()))

    def apply(self, table: pa.Table) -> np.ndarray:
        files = table["file"].to_pylist()
        messages = table["message"].to_pylist()
        labels = np.zeros(len(messages), dtype=np.int8)
        matchers: dict[str, object] = {}
        for i, (file, message) in enumerate(zip(files, messages)):
            if file not in matchers:
                matchers[file] = self._matcher(self._terms_for(file))
            if matchers[file](message.lower()):  # type: ignore[operator]
                labels[i] = 1
        return labels

    def fired(self, table: pa.Table) -> list[frozenset[str]]:
        """The terms of its file type's list that each line holds: why the rule calls it anomalous (empty: normal)."""
        out = []
        found: dict[str, object] = {}
        for file, message in zip(table["file"].to_pylist(), table["message"].to_pylist()):
            if file not in found:
                checks = [(t, self._matcher((t,))) for t in self._terms_for(file)]
                found[file] = lambda text, checks=checks: frozenset(t for t, hit in checks if hit(text))
            out.append(found[file](message.lower()))  # type: ignore[operator]
        return out

    def mask(self, table: pa.Table) -> pa.Table:
        """The table with every word that fires this rule removed from the messages (the keyword-mask study).

        With substring matching the whole word holding a term goes ("failed" for "fail"), so after
        masking the rule fires on no line: the model can no longer read its own labels.
        """
        files, messages = table["file"].to_pylist(), table["message"].to_pylist()
        patterns: dict[str, re.Pattern | None] = {}
        out = []
        for file, message in zip(files, messages):
            if file not in patterns:
                terms = self._terms_for(file)
                body = "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True))
                word = r"\S*(?:" + body + r")\S*" if self.substring else r"(?<!\w)(?:" + body + r")(?!\w)"
                patterns[file] = re.compile(word, re.IGNORECASE) if terms else None
            pattern = patterns[file]
            out.append(" ".join(pattern.sub(" ", message).split()) if pattern else message)
        return table.set_column(table.schema.get_field_index("message"), "message", pa.array(out, pa.string()))

    def _matcher(self, terms: tuple[str, ...]):
        if not terms:
            return lambda text: False
        if self.substring:
            return lambda text: any(t in text for t in terms)
        pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(t) for t in terms) + r")(?!\w)")
        return lambda text: pattern.search(text) is not None


def _read_csv(path: Path, need: tuple[str, ...]) -> list[dict[str, str]]:
    try:
        with path.open(newline="", encoding="utf-8", errors="replace") as fh:
            rows = list(csv.DictReader(fh))
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from exc
    if not rows or any(c not in rows[0] for c in need):
        raise InputError(f"{path}: expected a CSV with columns {', '.join(need)}")
    return rows


def _truthy(value: str) -> int:
    v = value.strip().lower()
    if v in ("1", "anomaly", "abnormal", "true", "yes"):
        return 1
    if v in ("0", "normal", "false", "no", "-"):
        return 0
    raise InputError(f"label {value!r} is neither 0/1, anomaly/normal nor true/false")


@dataclass(frozen=True)
class UserLabelsRule:
    """A user's own labels: a CSV of file, line, label; lines it does not list are normal."""

    path: Path

    @property
    def source(self) -> str:
        return f"labels:{self.path.name}"

    def apply(self, table: pa.Table) -> np.ndarray:
        given: dict[tuple[str, int], int] = {}
        for row in _read_csv(self.path, ("file", "line", "label")):
            try:
                key = (Path(row["file"]).name, int(row["line"]))
            except ValueError as exc:
                raise InputError(f"{self.path}: line number {row['line']!r} is not an integer") from exc
            given[key] = _truthy(row["label"])
        keys = list(zip((Path(f).name for f in table["file"].to_pylist()), table["line"].to_pylist()))
        labels = np.array([given.get(k, 0) for k in keys], dtype=np.int8)
        if not any(k in given for k in keys):
            raise InputError(f"{self.path}: none of its (file, line) pairs is in the parsed logs")
        return labels


@dataclass(frozen=True)
class Corrected:
    """A rule with a person's corrections on top: a CSV of `file,line,label` or `message,label` relabels those
    lines, whatever the rule said. A message relabels every line that says it with any numbers: the model reads
    no digits, so lines that differ only in them cannot be told apart and must not be labelled apart."""

    rule: LabelRule
    path: Path

    @property
    def source(self) -> str:
        return f"{self.rule.source}+corrections:{self.path.name}"

    def apply(self, table: pa.Table) -> np.ndarray:
        return self.apply_named(table)[0]

    def apply_named(self, table: pa.Table) -> tuple[np.ndarray, np.ndarray]:
        """The labels, and (N,) bool: the lines a correction names, which training keeps whatever balancing says."""
        labels = np.array(self.rule.apply(table), dtype=np.int8)
        named = np.zeros(table.num_rows, dtype=bool)
        for i, label in self._given(table).items():
            labels[i], named[i] = label, True
        return labels, named

    def _given(self, table: pa.Table) -> dict[int, int]:
        """Row -> corrected label."""
        rows = _read_csv(self.path, ("label",))
        if "message" in rows[0]:
            given = {_DIGITS.sub("0", r["message"]): _truthy(r["label"]) for r in rows}
            keys = [_DIGITS.sub("0", m) for m in table["message"].to_pylist()]
        elif "file" in rows[0] and "line" in rows[0]:
            try:
                given = {(Path(r["file"]).name, int(r["line"])): _truthy(r["label"]) for r in rows}
            except ValueError as exc:
                raise InputError(f"{self.path}: a line number is not an integer ({exc})") from exc
            keys = list(zip((Path(f).name for f in table["file"].to_pylist()), table["line"].to_pylist()))
        else:
            raise InputError(f"{self.path}: expected a CSV with columns file,line,label or message,label")
        hits = {i: int(given[k]) for i, k in enumerate(keys) if k in given}
        if not hits:
            raise InputError(f"{self.path}: none of its corrections names a line of these logs")
        return hits


_DIGITS = re.compile(r"\d+")
_BLOCK = re.compile(r"blk_-?\d+")


@dataclass(frozen=True)
class BlockRule:
    """Loghub HDFS: a line inherits the label of the block(s) it mentions (anomaly_label.csv)."""

    path: Path

    @property
    def source(self) -> str:
        return f"blocks:{self.path.name}"

    def apply(self, table: pa.Table) -> np.ndarray:
        anomalous = {r["BlockId"].strip() for r in _read_csv(self.path, ("BlockId", "Label"))
                     if _truthy(r["Label"])}
        return np.array([any(b in anomalous for b in _BLOCK.findall(m)) for m in table["message"].to_pylist()],
                        dtype=np.int8)


def parse_rule(spec: str, base: Path | None = None) -> LabelRule:
    """A rule from its text form (see RULE_SYNTAX); relative files are looked up under `base` too."""
    kind, _, arg = spec.partition(":")

    def locate(name: str) -> Path:
        path = Path(name)
        if not path.exists() and base is not None and (base / name).exists():
            return base / name
        if not path.exists():
            raise InputError(f"{name}: no such file (rule {spec!r})")
        return path

    if kind == "column" and not arg:
        return ColumnRule()
    if kind == "level":
        levels = tuple(lv.strip() for lv in arg.split(",") if lv.strip()) if arg else DEFAULT_LEVELS
        return LevelRule(levels)
    if kind in ("keywords", "keywords-substring") and arg:
        spec_path = arg if arg.startswith("@") else str(locate(arg))
        return KeywordRule(spec_path, substring=kind == "keywords-substring")
    if kind == "labels" and arg:
        return UserLabelsRule(locate(arg))
    if kind == "blocks" and arg:
        return BlockRule(locate(arg))
    raise UnknownNameError("label rule", spec, RULE_SYNTAX)
