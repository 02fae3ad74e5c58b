"""`colog datasets`, `colog parse`, `colog label`: the data stages."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import pyarrow as pa
import typer

from colog.artifacts import check_writable, write_parquet
from colog.datasets import DATASETS, load_labeled, resolve
from colog.errors import CologError
from colog.labeling import WindowSpec, label_counts, label_table, parse_rule
from colog.parsing import ParseConfig, parse_paths
from colog.parsing.parser import read_table

PATHS = typer.Argument(..., help="Log files or directories (searched recursively).")
FORMAT = typer.Option(None, "--format", "-f",
                      help="auto, a preset name (colog datasets), syslog, or a header string '<Date> ... <Content>'.")
DATASET = typer.Option(None, "--dataset", "-d", help="A dataset preset: its format and label rule.")
OUTPUT = typer.Option(None, "--output", "-o", help="Write the table here (Parquet), atomically.")
JSON = typer.Option(False, "--json", help="Print one JSON object with the counts on stdout.")
YEAR = typer.Option(None, "--year", help="Year of each file's first line when headers carry none "
                                         "(default: inferred back from the file's modification time).")
RULE = typer.Option(None, "--rule", "-r", help="column | level[:L,...] | keywords:FILE|DIR|@set "
                                               "| keywords-substring:... | labels:FILE.csv | blocks:FILE.csv")
WINDOW = typer.Option(None, "--window", "-w", help="Also add window_label and the 4-class 'class' column, "
                                                   "e.g. background:1 or context:2.")


def register(app: typer.Typer) -> None:
    app.command("datasets")(datasets)
    app.command("parse")(parse)
    app.command("label")(label)


def datasets(as_json: bool = JSON) -> None:
    """List dataset presets: name, format, label rule."""
    rows = [{"name": d.name, "format": d.format, "rule": d.rule, "note": d.note} for d in DATASETS.values()]
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    typer.echo(f"{'name':<12} {'format':<12} {'label rule':<42} note")
    for r in rows:
        typer.echo(f"{r['name']:<12} {r['format']:<12} {r['rule'] or '-':<42} {r['note']}")


def parse(paths: list[Path] = PATHS, fmt: Optional[str] = FORMAT, dataset: Optional[str] = DATASET,
          output: Optional[Path] = OUTPUT, as_json: bool = JSON, year: Optional[int] = YEAR) -> None:
    """Parse raw logs into a LogTable: header fields, message, Drain template."""
    if output is not None:
        check_writable(output)
    result = parse_paths(paths, ParseConfig(format=resolve(dataset, fmt, None)[0], year=year))
    _finish(result.table, result.summary(), output, as_json)


def label(paths: list[Path] = PATHS, dataset: Optional[str] = DATASET, rule: Optional[str] = RULE,
          fmt: Optional[str] = FORMAT, window: Optional[str] = WINDOW, output: Optional[Path] = OUTPUT,
          as_json: bool = JSON, year: Optional[int] = YEAR) -> None:
    """Label logs (raw files, or a table from `colog parse`) with a dataset's rule or your own."""
    win = WindowSpec.parse(window) if window else None
    if output is not None:
        check_writable(output)
    first = Path(paths[0])
    if len(paths) == 1 and first.suffix == ".parquet" and first.is_file():
        spec = resolve(dataset, fmt, rule)[1]
        if spec is None:
            raise CologError("pass --dataset NAME or --rule RULE (see `colog datasets`)")
        label_rule = parse_rule(spec, base=first.parent)
        table = label_table(_read_logtable(first), label_rule, win)
        summary = {"files": len(set(table["file"].to_pylist())), "lines": table.num_rows,
                   "label_source": label_rule.source, "labels": label_counts(table)}
    else:
        table, summary, _ = load_labeled(paths, dataset, fmt, rule, year, win)
    _finish(table, summary, output, as_json)


def _read_logtable(path: Path) -> pa.Table:
    try:
        table = read_table(path)
    except (OSError, pa.ArrowException) as exc:
        raise CologError(f"{path}: not a readable Parquet table ({exc})") from exc
    missing = {"file", "line", "message", "level", "alert"} - set(table.column_names)
    if missing:
        raise CologError(f"{path}: not a colog LogTable (missing columns: {', '.join(sorted(missing))})")
    return table


def _finish(table: pa.Table, summary: dict, output: Path | None, as_json: bool) -> None:
    if output is not None:
        write_parquet(table, output)
        summary["output"] = str(output)
    typer.echo(json.dumps(summary) if as_json else describe(summary))


def describe(summary: dict) -> str:
    """One human line for a parse / label summary."""
    parts = [f"{summary['lines']:,} lines in {summary['files']} files"]
    if "matched" in summary:
        parts.append(f"{summary['matched']:,} matched, {summary['unmatched']:,} unmatched")
        parts.append(f"{summary['templates']:,} templates")
        parts.append("format " + ", ".join(f"{k} ({v} files)" for k, v in summary["formats"].items()))
    if "labels" in summary:
        lab = summary["labels"]
        share = lab["anomaly"] / max(summary["lines"], 1)
        parts.append(f"{lab['anomaly']:,} anomalies ({share:.1%}) by {summary['label_source']}")
        if "classes" in lab:
            parts.append(" ".join(f"{k}={v:,}" for k, v in lab["classes"].items()))
    if summary.get("skipped_files"):
        parts.append(f"skipped {len(summary['skipped_files'])} non-log files")
    if "output" in summary:
        parts.append(f"written to {summary['output']}")
    return "; ".join(parts)
