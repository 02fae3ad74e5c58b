"""`colog study NAME`: the paper's studies (ablation, window, train-ratio, imbalance, robustness, efficiency,
keyword-mask) on one dataset, each to study.json, study.md and study.png."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import typer

from colog.cli.data import DATASET, FORMAT, PATHS, RULE, YEAR
from colog.cli.train import (BIT_HEADS, CURRENT_LINE, DROPOUT, FFN, HEADS, HIDDEN, LAYERS, MIN_EPOCH_STEPS,
                              WINDOW_POSITIONS, network)

if TYPE_CHECKING:  # torch loads with it; the command imports it when it runs
    from colog.experiment import ExperimentConfig


def register(app: typer.Typer) -> None:
    app.command("study")(study)


def _numbers(text: str, kind=float) -> list:
    try:
        return [kind(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise typer.BadParameter(f"{text!r}: expected a comma list of numbers") from None


def _check_ranges(name: str, config: ExperimentConfig, sizes: list[int], ratios: list[float]) -> None:
    """Before any data is read: a bad value deep in a list would otherwise fail after hours of the earlier ones."""
    if name == "window":
        if not sizes or min(sizes) < 1:
            raise typer.BadParameter(f"--sizes {sizes}: expected window sizes W >= 1")
        replace(config, window=f"context:{max(sizes)}")  # the widest variant; the config says if the model takes it
    if name == "train-ratio" and (not ratios or not all(0 < r < 0.9 for r in ratios)):
        raise typer.BadParameter(f"--ratios {ratios}: training shares must lie in (0, 0.9); validation takes 10 %")
    if name == "robustness" and (not ratios or not all(0 <= r <= 1 for r in ratios)):
        raise typer.BadParameter(f"--ratios {ratios}: mutated shares must lie in [0, 1]")


def study(name: str = typer.Argument(..., help="ablation, window, train-ratio, imbalance, robustness, efficiency or "
                                                "keyword-mask."),
          paths: list[Path] = PATHS, dataset: Optional[str] = DATASET, rule: Optional[str] = RULE,
          fmt: Optional[str] = FORMAT, year: Optional[int] = YEAR,
          protocol: str = typer.Option("paper", help="paper or chronological."),
          task: str = typer.Option("point", help="point or collective."),
          window: str = typer.Option("context:1", help="The window of every variant the study does not vary."),
          current_line: Optional[bool] = CURRENT_LINE, window_positions: bool = WINDOW_POSITIONS,
          bit_heads: bool = BIT_HEADS,
          layers: int = LAYERS, heads: int = HEADS, hidden: int = HIDDEN, ffn: int = FFN, dropout: float = DROPOUT,
          seed: int = typer.Option(0),
          epochs: int = typer.Option(20, help="CoLog's epoch limit for every variant."),
          min_epoch_steps: int = MIN_EPOCH_STEPS,
          sizes: str = typer.Option("1,2,3,4,5,6,7,8,9,10", help="window: the sizes W."),
          ratios: str = typer.Option("", help="train-ratio: training shares (default 0.1,...,0.8); "
                                              "robustness: mutated shares (default 0.05,0.1,0.15,0.2)."),
          other: Optional[list[Path]] = typer.Option(None, "--other", help="robustness: logs of another dataset "
                                                                            "to test the trained model on."),
          other_dataset: Optional[str] = typer.Option(None, "--other-dataset", help="robustness: its preset."),
          methods: str = typer.Option("all", help="efficiency: the methods to time (all, or a comma list)."),
          out: Path = typer.Option(..., "--out", "-o", help="Directory for study.json, study.md, study.png.")) -> None:
    """Run one of the paper's studies with CoLog (efficiency: every method) and write its table and figure."""
    from colog.experiment import ExperimentConfig
    from colog.experiment.studies import STUDIES, run_study
    from colog.features.split import SplitConfig
    from colog.training import TrainConfig

    if name not in STUDIES:
        raise typer.BadParameter(f"unknown study {name!r}; valid: {', '.join(STUDIES)}")
    config = ExperimentConfig(paths=[str(Path(p).resolve()) for p in paths], dataset=dataset, format=fmt, rule=rule,
                              year=year, task=task, window=window, include_current=current_line,
                              split=SplitConfig(protocol=protocol, seed=seed),
                              model=network(layers, heads, hidden, ffn, dropout, window_positions=window_positions,
                                            bit_heads=bit_heads),
                              train=replace(TrainConfig(), epochs=epochs, seed=seed, min_epoch_steps=min_epoch_steps))
    default = "0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8" if name == "train-ratio" else "0.05,0.1,0.15,0.2"
    from colog.baselines import method_names

    options = {"sizes": _numbers(sizes, int), "ratios": _numbers(ratios or default), "methods": method_names(methods)}
    _check_ranges(name, config, options["sizes"], options["ratios"])
    if other:
        options["other"] = replace(config, paths=[str(Path(p).resolve()) for p in other], dataset=other_dataset,
                                   format=None, rule=None, year=None)
    result = run_study(name, config, out, **options)
    for row in result["rows"]:
        figure = row.get("macro_f1")
        typer.echo(f"{row['variant']:<45} macro-F1 {figure:.4f}" if figure is not None else row["variant"])
    typer.echo(f"wrote {out}/study.json, study.md, study.png")
