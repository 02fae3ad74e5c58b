"""`colog demo`: the main job end to end on the real logs bundled with colog."""

from __future__ import annotations

import json
from collections import Counter
from importlib import resources
from pathlib import Path

import typer

from colog.artifacts import write_json, write_parquet
from colog.cli import options
from colog.cli.command import register as add
from colog.cli.data import describe
from colog.cli.train import show_metrics
from colog.config import ExperimentConfig
from colog.labeling import WindowSpec
from colog.labeling.datasets import load_labeled

ROOT = Path(str(resources.files("colog") / "data"))
# (name, dataset preset, folder under colog/data, year of the first line)
BUNDLED = [("casper", "casper", "casper", 2008), ("bgl", "bgl", "bgl", None)]


def register(app: typer.Typer) -> None:
    add(app, "demo", demo, ["colog demo", "colog demo --epochs 10 -o runs/demo10"])


# built before the command runs, so a bad flag stops the demo before any work
@options.experiment(("epochs", "min_epoch_steps"), defaults={"epochs": 5},
                    fixed={"paths": [ROOT / "casper"], "dataset": "casper", "year": 2008})
def demo(config: ExperimentConfig,
         out: Path = options.out("Where the demo writes its tables and run.", Path("runs/demo"))) -> None:
    """Parse, label, train, evaluate and detect on the bundled casper-rw and BGL slices."""
    from colog.experiment import train_run

    out.mkdir(parents=True, exist_ok=True)
    report = {}
    for name, dataset, folder, year in BUNDLED:
        table, summary, _ = load_labeled([ROOT / folder], dataset, year=year, window=WindowSpec("background", 1))
        write_parquet(table, out / f"{name}.parquet")
        report[name] = summary
        typer.echo(f"\n== {name} (dataset preset {dataset!r})\n{describe(summary)}")
        anomalous = [t for t, lab in zip(table["template"].to_pylist(), table["label"].to_pylist()) if lab]
        typer.echo("most frequent anomalous templates:")
        for template, count in Counter(anomalous).most_common(3):
            typer.echo(f"  {count:>5}  {template[:110]}")
    write_json(report, out / "summary.json")

    typer.echo("\n== train CoLog on casper (paper protocol, context:1 window, Tomek links)")
    run = out / "casper-run"
    metrics = train_run(config, run, overwrite=True)
    show_metrics(metrics, run)
    _detect_examples(run, ROOT / "casper" / "auth.log")
    typer.echo(f"\ntables, summary.json and the run directory are in {out}/")
    typer.echo(json.dumps({"labels": {k: v["labels"] for k, v in report.items()},
                           "casper_test_macro_f1": metrics["test"]["macro_f1"]}))


def _detect_examples(run: Path, log: Path) -> None:
    """Run the saved model over one whole log file the way `colog detect` does, with explanations."""
    from colog.detection import DetectConfig, Detector
    from colog.detection.lines import file_lines

    lines = list(file_lines(log, log.name))
    verdicts = list(Detector.load(run).detect(lines, DetectConfig(explain=True)))
    flagged = [v for v in verdicts if v.label]
    typer.echo(f"\n== detect on {log.name}: {len(verdicts)} lines, {len(flagged)} flagged "
               "(p = P(anomalous); words = those whose removal lowers p most)")
    for v in flagged[:6]:
        words = ", ".join(w["word"] for w in v.explanation["words"][:3]) if v.explanation.get("words") else "-"
        typer.echo(f"  {v.file}:{v.line:<5} p={v.probability:.3f}  [{words}]  {lines[v.line - 1].text[:80]}")
    typer.echo(f"next: colog detect {run} FILE... -o verdicts.jsonl | colog watch {run} FILE | colog serve {run}")
