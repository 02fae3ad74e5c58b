"""`colog train` and `colog evaluate`: a run directory from logs, and its figures again from it."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import typer

from colog.cli.data import DATASET, FORMAT, JSON, PATHS, RULE, YEAR

if TYPE_CHECKING:  # torch loads with it; commands import it when they run
    from colog.model import CoLogConfig


MIN_EPOCH_STEPS = typer.Option(200, "--min-epoch-steps", help="An epoch repeats passes over the distinct training "
                                                                "inputs until it has this many steps (0: one pass).")
# CoLog's options beyond the paper's network; every command that trains CoLog takes them.
CURRENT_LINE = typer.Option(None, "--current-line/--no-current-line",
                            help="Put the line itself in its window (default: yes for the point task, no for "
                                 "collective, as the paper).")
WINDOW_POSITIONS = typer.Option(False, "--window-positions",
                                help="Add a learned vector per window row position, so the model knows which row is "
                                     "the line's own (--current-line) and which came before or after (the paper's "
                                     "network reads it nearly as a set).")
BIT_HEADS = typer.Option(False, "--bit-heads", help="4-class task: the line's and the window's anomaly bits from two "
                                                    "heads (their product is the class distribution), not one softmax.")
# The network's sizes; the defaults are the paper's. A smaller network trains faster on few cores (docs/results.md).
LAYERS = typer.Option(2, "--layers", help="Collaborative blocks T (the paper: 2).")
HEADS = typer.Option(4, "--heads", help="Attention heads (the paper: 4); they must divide --hidden.")
HIDDEN = typer.Option(256, "--hidden", help="The streams' width d (the paper: 256).")
FFN = typer.Option(2048, "--ffn", help="Feed-forward width in each block (the paper: 2048).")
DROPOUT = typer.Option(0.1, "--dropout", help="Dropout in every block (the paper: 0.1).")


def network(layers: int, heads: int, hidden: int, ffn: int, dropout: float, **switches) -> "CoLogConfig":
    """The CoLog config a command's options ask for; a bad size stops here with one line, before any data is read."""
    from colog.model import CoLogConfig

    return replace(CoLogConfig(), layers=layers, heads=heads, hidden=hidden, ffn=ffn, dropout=dropout, **switches)


def register(app: typer.Typer) -> None:
    app.command("train")(train)
    app.command("evaluate")(evaluate)


def train(paths: list[Path] = PATHS, dataset: Optional[str] = DATASET, rule: Optional[str] = RULE,
          fmt: Optional[str] = FORMAT, year: Optional[int] = YEAR,
          task: str = typer.Option("point", help="point (2 classes) or collective (normal/point/collective/both)."),
          protocol: str = typer.Option("paper", help="paper (random stratified 60/20/20) or chronological."),
          window: str = typer.Option("context:1", help="background:W or context:W (the paper: context:1)."),
          current_line: Optional[bool] = CURRENT_LINE,
          balance: str = typer.Option("tomek", help="none, tomek, random-under, near-miss, cnn, ncr, oss."),
          seed: int = typer.Option(0, help="Seed of the split, word2vec and the network."),
          epochs: int = typer.Option(20, help="At most this many epochs (early stopping may end sooner)."),
          batch_size: int = typer.Option(32, "--batch-size"),
          lr: float = typer.Option(5e-5, help="Adam learning rate."),
          min_epoch_steps: int = MIN_EPOCH_STEPS,
          no_semantic: bool = typer.Option(False, "--no-semantic", help="Ablation: drop the word modality."),
          no_sequence: bool = typer.Option(False, "--no-sequence", help="Ablation: drop the window modality."),
          no_impressed: bool = typer.Option(False, "--no-impressed", help="Ablation: self-attention only."),
          no_mal: bool = typer.Option(False, "--no-mal", help="Ablation: no modality adaptation layer."),
          no_balancing_layer: bool = typer.Option(False, "--no-balancing-layer", help="Ablation: mean pooling."),
          bit_heads: bool = BIT_HEADS, window_positions: bool = WINDOW_POSITIONS,
          layers: int = LAYERS, heads: int = HEADS, hidden: int = HIDDEN, ffn: int = FFN, dropout: float = DROPOUT,
          no_source_token: bool = typer.Option(False, "--no-source-token",
                                               help="Do not lead the tokens with the file type (the paper's input)."),
          out: Path = typer.Option(Path("runs/latest"), "--out", "-o", help="Run directory to create."),
          overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing run directory."),
          as_json: bool = JSON) -> None:
    """Train CoLog on labeled logs and evaluate it on the held-out test split."""
    # torch loads here, not at start-up: `colog parse` stays quick.
    from colog.experiment import ExperimentConfig, train_run
    from colog.features.split import SplitConfig
    from colog.training import TrainConfig

    if no_semantic and no_sequence:
        raise typer.BadParameter("--no-semantic and --no-sequence together leave nothing to learn from")
    config = ExperimentConfig(
        paths=[str(Path(p).resolve()) for p in paths], dataset=dataset, format=fmt, rule=rule, year=year, task=task,
        window=window, include_current=current_line, balance=balance, source_token=not no_source_token,
        split=SplitConfig(protocol=protocol, seed=seed),
        model=network(layers, heads, hidden, ffn, dropout, semantic=not no_semantic, sequence=not no_sequence,
                      impressed=not no_impressed, mal=not no_mal, balancing_layer=not no_balancing_layer,
                      bit_heads=bit_heads, window_positions=window_positions),
        train=replace(TrainConfig(), epochs=epochs, batch_size=batch_size, lr=lr, seed=seed,
                      min_epoch_steps=min_epoch_steps))
    metrics = train_run(config, out, overwrite=overwrite)
    show_metrics(metrics, out, as_json)


def evaluate(rundir: Path = typer.Argument(..., help="A run directory written by `colog train`."),
             as_json: bool = JSON) -> None:
    """Re-evaluate a saved run on its recorded test split; rewrites metrics.json, plots and report."""
    from colog.experiment import evaluate_run

    show_metrics(evaluate_run(rundir), rundir, as_json)


def show_metrics(metrics: dict, rundir: Path, as_json: bool = False) -> None:
    """The figures of a run, as a few human lines (or the metrics JSON)."""
    if as_json:
        typer.echo(json.dumps(metrics))
        return
    t = metrics["test"]
    options = f" · CoLog with {metrics['options']}" if metrics.get("options") else ""
    typer.echo(f"{metrics.get('dataset') or 'logs'} · {metrics['task']} task · {metrics['protocol']} protocol · "
               f"labels {metrics['label_source']}{options}")
    typer.echo(f"test ({t['n']:,} lines, {t['n_anomalies']:,} anomalous): macro-F1 {t['macro_f1']:.4f}  "
               f"accuracy {t['accuracy']:.4f}  anomaly P/R/F1 {t['anomaly_precision']:.4f}/"
               f"{t['anomaly_recall']:.4f}/{t['anomaly_f1']:.4f}")
    u = metrics.get("test_unseen")
    if u:
        typer.echo(f"unseen {metrics['unseen_key']}s ({u['n']:,} lines, {u['n_anomalies']:,} anomalous): "
                   f"macro-F1 {u['macro_f1']:.4f}  accuracy {u['accuracy']:.4f}  anomaly F1 {u['anomaly_f1']:.4f}")
    else:
        typer.echo(f"unseen {metrics['unseen_key']}s: none in the test split")
    if "train_lines_per_second" in metrics:
        typer.echo(f"training: {metrics['train_seconds']:.1f} s, {metrics['train_lines_per_second']:,.0f} lines/s, "
                   f"best epoch {metrics['best_epoch']} of {metrics['epochs']}")
    if metrics.get("labels_readable_by_model"):
        typer.echo("note: the labels come from keywords the model reads; see report.html")
    typer.echo(f"run directory: {rundir}  (report.html, metrics.json, errors.csv, plots/)")
