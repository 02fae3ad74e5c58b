"""`colog demo`: the main job end to end on the real logs bundled with colog."""

from __future__ import annotations

import json
from collections import Counter
from importlib import resources
from pathlib import Path

import typer

from colog.artifacts import write_json, write_parquet
from colog.cli.data import describe
from colog.datasets import load_labeled
from colog.labeling import WindowSpec

# (name, dataset preset, folder under colog/data, year of the first line)
BUNDLED = [("casper", "casper", "casper", 2008), ("bgl", "bgl", "bgl", None)]


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)


def demo(out: Path = typer.Option(Path("runs/demo"), "--out", help="Where the demo writes its tables.")) -> None:
    """Parse and label the bundled casper-rw and BGL slices, and show what was found."""
    out.mkdir(parents=True, exist_ok=True)
    root = resources.files("colog") / "data"
    report = {}
    for name, dataset, folder, year in BUNDLED:
        table, summary = load_labeled([Path(str(root / folder))], dataset, year=year,
                                      window=WindowSpec("background", 1))
        write_parquet(table, out / f"{name}.parquet")
        report[name] = summary
        typer.echo(f"\n== {name} (dataset preset {dataset!r})\n{describe(summary)}")
        anomalous = [t for t, lab in zip(table["template"].to_pylist(), table["label"].to_pylist()) if lab]
        typer.echo("most frequent anomalous templates:")
        for template, count in Counter(anomalous).most_common(3):
            typer.echo(f"  {count:>5}  {template[:110]}")
    write_json(report, out / "summary.json")
    typer.echo(f"\ntables and summary.json written to {out}/")
    typer.echo(json.dumps({k: v["labels"] for k, v in report.items()}))
