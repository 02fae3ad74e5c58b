"""Dataset presets: which format parses a dataset and which rule labels it (the paper's, unless noted)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import pyarrow as pa

from colog.errors import CologError, UnknownNameError
from colog.labeling import WindowSpec, label_counts, label_table, parse_rule
from colog.labeling.rules import Corrected
from colog.parsing import ParseConfig, parse_paths
from colog.parsing.templates import TemplateMiner


@dataclass(frozen=True)
class Dataset:
    """A named dataset: its format, its label rule and where the rule comes from."""

    name: str
    format: str
    rule: str | None  # None: parse only, `colog label` needs --rule
    note: str


_SYSLOG_PAPER = "keywords-substring:@colog-reference"
_SYSLOG_NOTE = "syslog family; keywords per file type, substring (paper's lists and rule)"
_LEVEL_NOTE = ("level WARN/ERROR/FATAL (our default; the paper used WARN alone: --rule level:WARN; "
               "ERROR lines counted as normal there)")

DATASETS: dict[str, Dataset] = {d.name: d for d in [
    Dataset("casper", "syslog", _SYSLOG_PAPER, _SYSLOG_NOTE),
    Dataset("jhuisi", "syslog", _SYSLOG_PAPER, _SYSLOG_NOTE),
    Dataset("nssal", "syslog", _SYSLOG_PAPER, _SYSLOG_NOTE),
    Dataset("honey5", "syslog", _SYSLOG_PAPER, _SYSLOG_NOTE + "; hnet* files use hnet.txt"),
    Dataset("honey7", "syslog", _SYSLOG_PAPER, _SYSLOG_NOTE),
    Dataset("syslog", "syslog", "keywords:@imbalance-anomaly-gt",
            "any syslog; broader keyword lists per file type, word boundaries (colog's default)"),
    Dataset("zookeeper", "zookeeper", "level:WARN,ERROR,FATAL", _LEVEL_NOTE),
    Dataset("hadoop", "hadoop", "level:WARN,ERROR,FATAL", _LEVEL_NOTE),
    Dataset("openstack", "openstack", "level:WARN,ERROR,CRITICAL", "level WARNING/ERROR/CRITICAL"),
    Dataset("bgl", "bgl", "column", "alert column: first field '-' is normal (paper's rule)"),
    Dataset("thunderbird", "thunderbird", "column", "alert column: first field '-' is normal"),
    Dataset("spark", "spark", "keywords-substring:@colog-reference/spark",
            "keywords of the CoLog authors' spark.txt, substring (paper's rule)"),
    Dataset("windows", "windows", "keywords-substring:@colog-reference/windows",
            "keywords of the CoLog authors' windows.txt, substring (paper's rule)"),
    Dataset("linux", "linux", "keywords-substring:@colog-reference/syslog",
            "Loghub Linux; keywords of syslog.txt, substring"),
    Dataset("hdfs", "hdfs", "blocks:anomaly_label.csv",
            "Loghub HDFS; a line inherits its block's label (anomaly_label.csv beside the logs)"),
    Dataset("openssh", "openssh", "keywords-substring:@colog-reference/auth",
            "Loghub OpenSSH; keywords of auth.txt, substring"),
    Dataset("mac", "mac", "keywords-substring:@colog-reference/mac", "Loghub Mac; keywords of mac.txt, substring"),
    Dataset("android", "android", "level:W,E,F", "Loghub Android; level W/E/F"),
    Dataset("apache", "apache", "level:error", "Loghub Apache; level error"),
    Dataset("hpc", "hpc", None, "Loghub HPC; no label rule, parse only"),
    Dataset("healthapp", "healthapp", None, "Loghub HealthApp; no label rule, parse only"),
    Dataset("proxifier", "proxifier", None, "Loghub Proxifier; no label rule, parse only"),
]}


def get_dataset(name: str) -> Dataset:
    """The preset called `name`, or an error listing the valid names."""
    if name not in DATASETS:
        raise UnknownNameError("dataset", name, list(DATASETS))
    return DATASETS[name]


def resolve(dataset: str | None, fmt: str | None, rule: str | None) -> tuple[str, str | None]:
    """The format and label rule to use: explicit flags win over the preset's."""
    preset = get_dataset(dataset) if dataset else None
    chosen_rule = rule or (preset.rule if preset else None)
    return fmt or (preset.format if preset else "auto"), chosen_rule


class Labeled(NamedTuple):
    """A labeled LogTable, its summary counts, and the template miner that parsed it."""

    table: pa.Table
    summary: dict
    miner: TemplateMiner


def load_labeled(paths: list, dataset: str | None = None, fmt: str | None = None, rule: str | None = None,
                 year: int | None = None, window: WindowSpec | None = None, stdin_name: str = "-",
                 corrections: str | None = None) -> Labeled:
    """Parse and label raw logs as a dataset preset says (`-`: standard input, named `stdin_name`); a CSV of
    `corrections` relabels the lines it names."""
    chosen_format, spec = resolve(dataset, fmt, rule)
    if spec is None:
        raise CologError(f"dataset {dataset!r} has no label rule; pass --rule" if dataset
                         else "pass --dataset NAME or --rule RULE (see `colog datasets`)")
    first = Path(paths[0])
    label_rule = parse_rule(spec, base=first if first.is_dir() else first.parent)
    if corrections is not None:
        label_rule = Corrected(label_rule, Path(corrections))
    result = parse_paths(paths, ParseConfig(format=chosen_format, year=year), stdin_name=stdin_name)
    table = label_table(result.table, label_rule, window)
    summary = result.summary() | {"label_source": label_rule.source, "labels": label_counts(table)}
    if window is not None:
        summary["window"] = str(window)
    return Labeled(table, summary, result.miner)
