"""`colog benchmark`: CoLog and the baselines on the same split, features and seeds."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Optional

import typer

from colog.cli.data import DATASET, FORMAT, PATHS, RULE, YEAR
from colog.cli.train import (BIT_HEADS, CURRENT_LINE, DROPOUT, FFN, HEADS, HIDDEN, LAYERS, MIN_EPOCH_STEPS,
                              WINDOW_POSITIONS, network)


def register(app: typer.Typer) -> None:
    app.command("benchmark")(benchmark)


def benchmark(paths: list[Path] = PATHS, dataset: Optional[str] = DATASET, rule: Optional[str] = RULE,
              fmt: Optional[str] = FORMAT, year: Optional[int] = YEAR,
              protocol: str = typer.Option("paper", help="paper (random stratified 60/20/20) or chronological."),
              methods: str = typer.Option("all", help="all, or a comma list of: lr, svm, dt, iforest, pca, im, lstm, "
                                                      "bilstm_attn, cnn, transformer, pylogsentiment, keyword_rule, "
                                                      "sbert_lr, colog."),
              seeds: str = typer.Option("0,1,2", help="Comma list of seeds (split, word2vec, networks)."),
              task: str = typer.Option("point", help="point or collective (4 classes)."),
              window: str = typer.Option("context:1", help="The window every method reads (CoLog's default)."),
              current_line: Optional[bool] = CURRENT_LINE, window_positions: bool = WINDOW_POSITIONS,
              bit_heads: bool = BIT_HEADS,
              layers: int = LAYERS, heads: int = HEADS, hidden: int = HIDDEN, ffn: int = FFN, dropout: float = DROPOUT,
              epochs: int = typer.Option(20, help="CoLog's epoch limit (the paper's 20)."),
              min_epoch_steps: int = MIN_EPOCH_STEPS,
              out: Path = typer.Option(..., "--out", "-o", help="Directory for results.json, results.md, results.png "
                                                                "(results of other datasets there are kept).")) -> None:
    """Run every method on one dataset; merge into DIR/results.json and redraw DIR/results.md and the plot."""
    from colog.baselines import method_names
    from colog.experiment import ExperimentConfig
    from colog.experiment.benchmark import run_benchmark
    from colog.features.split import SplitConfig
    from colog.training import TrainConfig

    try:
        seed_list = [int(s) for s in seeds.split(",") if s.strip()]
    except ValueError:
        raise typer.BadParameter(f"--seeds {seeds!r}: expected integers such as 0,1,2") from None
    if not seed_list or min(seed_list) < 0:
        raise typer.BadParameter(f"--seeds {seeds!r}: expected one or more integers >= 0")
    names = method_names(methods)
    config = ExperimentConfig(paths=[str(Path(p).resolve()) for p in paths], dataset=dataset, format=fmt, rule=rule,
                              year=year, task=task, window=window, include_current=current_line,
                              split=SplitConfig(protocol=protocol),
                              model=network(layers, heads, hidden, ffn, dropout, window_positions=window_positions,
                                            bit_heads=bit_heads),
                              train=replace(TrainConfig(), epochs=epochs, min_epoch_steps=min_epoch_steps))
    results = run_benchmark(config, names, seed_list, out)
    for r in results:
        typer.echo(f"{r['method']:<15} seed {r['seed']}  macro-F1 {r['macro_f1']:.4f}  anomaly F1 {r['anomaly_f1']:.4f}"
                   f"  train {r['train_seconds']:.1f} s  infer {r['infer_seconds']:.2f} s")
    typer.echo(f"wrote {out}/results.json, results.md, results.png")
