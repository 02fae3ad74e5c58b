"""`colog datasets`, `colog parse`, `colog label`: the data stages."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import pyarrow as pa
import typer

from colog.artifacts import STDOUT, check_writable, output_kind, write_table
from colog.cli import options
from colog.cli.command import register as add
from colog.errors import CologError
from colog.labeling import WindowSpec, label_counts, label_table, parse_rule
from colog.labeling.datasets import DATASETS, load_labeled, resolve
from colog.parsing import ParseConfig, parse_paths
from colog.parsing.parser import read_table

TABLE_OUT = options.out("Write the table here, typed by its extension: .parquet, .csv or .jsonl (- : JSON lines on "
                        "stdout, the summary then on stderr).")
WINDOW = typer.Option(None, "--window", "-w", metavar="KIND:W",
                      help="Also add window_label and the 4-class 'class' column, e.g. background:1 or context:2.")


def register(app: typer.Typer) -> None:
    add(app, "datasets", datasets, ["colog datasets", "colog datasets --json | jq '.[].name'"])
    add(app, "parse", parse, ["colog parse ../shared/data/loghub-2k/HDFS/HDFS_2k.log --dataset hdfs -o hdfs.parquet",
                              "colog parse app.log --format '<Date> <Time> [<Level>] <Content>' -o app.csv",
                              "journalctl -o json -n 1000 | colog parse - -o journal.jsonl"])
    add(app, "label", label, ["colog label ../shared/data/casper-rw --dataset casper -o casper.parquet",
                              "colog label hdfs.parquet --dataset hdfs --window context:1 -o - | head"])


def datasets(as_json: bool = typer.Option(False, "--json", help="Print the presets as a JSON list on stdout.")) -> None:
    """List dataset presets: name, format, label rule."""
    rows = [{"name": d.name, "format": d.format, "rule": d.rule, "note": d.note} for d in DATASETS.values()]
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    typer.echo(f"{'name':<12} {'format':<12} {'label rule':<42} note")
    for r in rows:
        typer.echo(f"{r['name']:<12} {r['format']:<12} {r['rule'] or '-':<42} {r['note']}")


def parse(paths: list[Path] = options.PATHS, fmt: Optional[str] = options.FORMAT,
          dataset: Optional[str] = options.DATASET, out: Optional[Path] = TABLE_OUT, as_json: bool = options.JSON,
          year: Optional[int] = options.YEAR, name: str = options.STDIN_NAME) -> None:
    """Parse raw logs into a LogTable: header fields, message, Drain template."""
    _check_out(out)
    result = parse_paths(paths, ParseConfig(format=resolve(dataset, fmt, None)[0], year=year), stdin_name=name)
    _finish(result.table, result.summary(), out, as_json)


def label(paths: list[Path] = options.PATHS, dataset: Optional[str] = options.DATASET,
          rule: Optional[str] = options.RULE, fmt: Optional[str] = options.FORMAT, window: Optional[str] = WINDOW,
          out: Optional[Path] = TABLE_OUT, as_json: bool = options.JSON, year: Optional[int] = options.YEAR,
          name: str = options.STDIN_NAME) -> None:
    """Label logs (raw files, or a table from `colog parse`) with a dataset's rule or your own."""
    win = WindowSpec.parse(window) if window else None
    _check_out(out)
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
        table, summary, _ = load_labeled(paths, dataset, fmt, rule, year, win, stdin_name=name)
    _finish(table, summary, out, as_json)


def _check_out(out: Path | None) -> None:
    """A bad output name or place fails before any log is read."""
    if out is not None:
        output_kind(out)
        check_writable(out)


def _read_logtable(path: Path) -> pa.Table:
    try:
        table = read_table(path)
    except (OSError, pa.ArrowException) as exc:
        raise CologError(f"{path}: not a readable Parquet table ({exc})") from exc
    missing = {"file", "line", "message", "level", "alert"} - set(table.column_names)
    if missing:
        raise CologError(f"{path}: not a colog LogTable (missing columns: {', '.join(sorted(missing))})")
    return table


def _finish(table: pa.Table, summary: dict, out: Path | None, as_json: bool) -> None:
    if out is not None:
        write_table(table, out)
        summary["output"] = str(out)
    typer.echo(json.dumps(summary) if as_json else describe(summary), err=out == STDOUT)


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
