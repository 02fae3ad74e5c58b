"""`colog train` and `colog evaluate`: a run directory from logs, and its figures again from it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from colog.cli import options
from colog.cli.command import register as add
from colog.config import ExperimentConfig


def register(app: typer.Typer) -> None:
    add(app, "train", train, ["colog train ../shared/data/casper-rw --dataset casper -o runs/casper",
                              "colog train logs/ --dataset zookeeper --protocol chronological --hidden 128 --ffn 512 "
                              "-o runs/zk",
                              "colog train logs/ --dataset bgl --protocol chronological --refit -o runs/bgl-later",
                              "colog train /var/log --dataset syslog --corrections fixes.csv --init linux-syslog "
                              "--epochs 3 -o runs/mine"])
    add(app, "evaluate", evaluate, ["colog evaluate runs/casper",
                                    "colog evaluate runs/casper --on ../shared/data/honeynet-challenge7 --dataset honey7 "
                                    "-o runs/casper-on-honey7"])


@options.experiment(options.DATA, options.RUN, ("seed",), options.OURS, options.SIZES, options.ABLATIONS,
                    options.SCHEDULE, options.RETRAIN, options.REFIT)
def train(config: ExperimentConfig,
          out: Path = options.out("Run directory to create.", Path("runs/latest")),
          overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing run directory."),
          as_json: bool = options.JSON) -> None:
    """Train CoLog on labeled logs and evaluate it on the held-out test split."""
    from colog.experiment import train_run  # torch loads here, not at start-up: `colog parse` stays quick

    show_metrics(train_run(config, out, overwrite=overwrite), out, as_json)


def evaluate(rundir: Path = options.RUNDIR,
             more: Optional[list[Path]] = typer.Argument(None, metavar="PATH", show_default=False,
                                                         help="With --on: more logs to score."),
             on: Optional[list[Path]] = typer.Option(None, "--on", metavar="PATH",
                                                     help="Score the run on these logs instead (another system's, "
                                                          "or later ones): every line a test line."),
             dataset: Optional[str] = options.DATASET, rule: Optional[str] = options.RULE,
             fmt: Optional[str] = options.FORMAT, year: Optional[int] = options.YEAR,
             out: Optional[Path] = options.out("With --on: the directory for metrics.json and errors.csv "
                                               "(default: RUNDIR/on-NAME)."),
             as_json: bool = options.JSON) -> None:
    """Re-evaluate a saved run on its recorded test split (rewrites metrics.json, plots and report), or score it on
    other labelled logs with --on (protocol "cross")."""
    from colog.experiment import evaluate_on, evaluate_run

    if more and not on:
        raise typer.BadParameter("name the logs to score with --on PATH...")
    if on:
        target = out or rundir / f"on-{dataset or Path(on[0]).name}"
        show_metrics(evaluate_on(rundir, [*on, *(more or [])], dataset, fmt, rule, year, target), target, as_json)
        return
    show_metrics(evaluate_run(rundir), rundir, as_json)


def show_metrics(metrics: dict, rundir: Path, as_json: bool = False) -> None:
    """The figures of a run, as a few human lines (or the metrics JSON)."""
    if as_json:
        typer.echo(json.dumps(metrics))
        return
    t = metrics["test"]
    extra = f" · CoLog with {metrics['options']}" if metrics.get("options") else ""
    typer.echo(f"{metrics.get('dataset') or 'logs'} · {metrics['task']} task · {metrics['protocol']} protocol · "
               f"labels {metrics['label_source']}{extra}")
    typer.echo(f"test ({t['n']:,} lines, {t['n_anomalies']:,} anomalous): macro-F1 {t['macro_f1']:.4f}  "
               f"accuracy {t['accuracy']:.4f}  anomaly P/R/F1 {t['anomaly_precision']:.4f}/"
               f"{t['anomaly_recall']:.4f}/{t['anomaly_f1']:.4f}")
    if not t.get("measurable", True):
        typer.echo("note: the test split holds one class only: its macro-F1 is 1.0 by construction and measures "
                   "nothing")
    u = metrics.get("test_unseen")
    if u:
        typer.echo(f"unseen in training, by {metrics['unseen_key']} ({u['n']:,} lines, {u['n_anomalies']:,} "
                   f"anomalous): macro-F1 {u['macro_f1']:.4f}  accuracy {u['accuracy']:.4f}  "
                   f"anomaly F1 {u['anomaly_f1']:.4f}")
    else:
        typer.echo(f"unseen in training, by {metrics['unseen_key']}: none in the test split")
    if metrics.get("protocol") == "cross":
        typer.echo(f"scored with the run trained on {metrics.get('trained_on') or 'its own logs'} ({metrics['run']})")
    if "train_lines_per_second" in metrics:
        typer.echo(f"training: {metrics['train_seconds']:.1f} s, {metrics['train_lines_per_second']:,.0f} lines/s, "
                   f"best epoch {metrics['best_epoch']} of {metrics['epochs']}")
    if metrics.get("labels_readable_by_model"):
        typer.echo("note: the labels come from keywords the model reads")
    if metrics.get("protocol") == "cross":
        typer.echo(f"results: {rundir}  (metrics.json, errors.csv)")
    else:
        typer.echo(f"run directory: {rundir}  (report.html, metrics.json, errors_valid.csv, errors.csv, plots/)")
