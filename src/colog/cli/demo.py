"""`colog demo`: the main job end to end on the real logs bundled with colog."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from importlib import resources
from pathlib import Path

import numpy as np
import typer

from colog.artifacts import write_json, write_parquet
from colog.cli.data import describe
from colog.cli.train import show_metrics
from colog.datasets import load_labeled
from colog.labeling import WindowSpec

# (name, dataset preset, folder under colog/data, year of the first line)
BUNDLED = [("casper", "casper", "casper", 2008), ("bgl", "bgl", "bgl", None)]


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)


def demo(out: Path = typer.Option(Path("runs/demo"), "--out", help="Where the demo writes its tables and run."),
         epochs: int = typer.Option(10, help="Training epochs for the demo model.")) -> None:
    """Parse, label, train, evaluate and detect on the bundled casper-rw and BGL slices."""
    from colog.experiment import ExperimentConfig, train_run
    from colog.training import TrainConfig

    out.mkdir(parents=True, exist_ok=True)
    root = Path(str(resources.files("colog") / "data"))
    report = {}
    for name, dataset, folder, year in BUNDLED:
        table, summary, _ = load_labeled([root / folder], dataset, year=year, window=WindowSpec("background", 1))
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
    config = ExperimentConfig(paths=[str(root / "casper")], dataset="casper", year=2008,
                              train=replace(TrainConfig(), epochs=epochs))
    metrics = train_run(config, run, overwrite=True)
    show_metrics(metrics, run)
    _detect_examples(run)
    typer.echo(f"\ntables, summary.json and the run directory are in {out}/")
    typer.echo(json.dumps({"labels": {k: v["labels"] for k, v in report.items()},
                           "casper_test_macro_f1": metrics["test"]["macro_f1"]}))


def _detect_examples(run: Path) -> None:
    """Score a few held-out lines with the saved model, as detection on new lines will."""
    from colog.experiment.run import load_model_inputs
    from colog.training import predict

    model, data, inputs, _ = load_model_inputs(run, progress=False)
    test = data.rows(2)
    rng = np.random.default_rng(0)
    labels = data.labels[test]
    pick = np.concatenate([rng.choice(test[labels == c], size=min(3, int((labels == c).sum())), replace=False)
                           for c in np.unique(labels)])
    probs, _ = predict(model, inputs, pick)
    typer.echo("\nverdicts on held-out lines (file:line  true -> predicted  p(anomaly)  message):")
    files, lines, messages = (data.table[c].to_pylist() for c in ("file", "line", "message"))
    for row, p in zip(pick, probs):
        typer.echo(f"  {files[row]}:{lines[row]:<5} {data.class_names[data.labels[row]]:>7} -> "
                   f"{data.class_names[int(p.argmax())]:<7} {1 - p[0]:.3f}  {messages[row][:70]}")
