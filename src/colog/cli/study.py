"""`colog study NAME`: the paper's studies (ablation, window, train-ratio, imbalance, robustness, efficiency,
keyword-mask) on one dataset, each to study.json, study.md and study.png."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Optional

import typer

from colog.cli import options
from colog.cli.command import register as add
from colog.comparison.names import Study
from colog.config import ExperimentConfig


def register(app: typer.Typer) -> None:
    add(app, "study", study, [
        "colog study ablation ../shared/data/casper-rw --dataset casper -o studies/ablation",
        "colog study robustness logs/ --dataset bgl --other other-logs/ --other-dataset bgl -o studies/robustness"])


def _numbers(text: str, kind=float) -> list:
    try:
        return [kind(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise typer.BadParameter(f"{text!r}: expected a comma list of numbers") from None


def _check_ranges(name: Study, config: ExperimentConfig, sizes: list[int], ratios: list[float]) -> None:
    """Before any data is read: a bad value deep in a list would otherwise fail after hours of the earlier ones."""
    if name == Study.window:
        if not sizes or min(sizes) < 1:
            raise typer.BadParameter(f"--sizes {sizes}: expected window sizes W >= 1")
        replace(config, window=f"context:{max(sizes)}")  # the widest variant; the config says if the model takes it
    if name == Study.train_ratio and (not ratios or not all(0 < r < 0.9 for r in ratios)):
        raise typer.BadParameter(f"--ratios {ratios}: training shares must lie in (0, 0.9); validation takes 10 %")
    if name == Study.robustness and (not ratios or not all(0 <= r <= 1 for r in ratios)):
        raise typer.BadParameter(f"--ratios {ratios}: mutated shares must lie in [0, 1]")


@options.experiment(options.DATA, options.RUN, ("seed",), options.OURS, options.SIZES, options.SCHEDULE)
def study(config: ExperimentConfig,
          name: Study = typer.Argument(..., metavar="NAME", help="The study: " + ", ".join(Study) + "."),
          sizes: str = typer.Option("1,2,3,4,5,6,7,8,9,10", metavar="LIST", help="window: the sizes W."),
          ratios: str = typer.Option("", metavar="LIST", help="train-ratio: training shares (default 0.1,...,0.8); "
                                                              "robustness: mutated shares (default 0.05,0.1,0.15,0.2)."),
          other: Optional[list[Path]] = typer.Option(None, "--other", metavar="PATH",
                                                     help="robustness: logs of another dataset to test the trained "
                                                          "model on."),
          other_dataset: Optional[str] = typer.Option(None, "--other-dataset", metavar="NAME",
                                                      help="robustness: the other logs' preset."),
          methods: str = typer.Option("all", metavar="LIST", help="efficiency: the methods to time (all, or a comma "
                                                                  "list)."),
          out: Path = options.out("Directory for study.json, study.md, study.png.", Path("runs/study"))) -> None:
    """Run one of the paper's studies with CoLog (efficiency: every method) and write its table and figure."""
    from colog.comparison.baselines import method_names
    from colog.comparison.studies import run_study

    default = "0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8" if name == Study.train_ratio else "0.05,0.1,0.15,0.2"
    chosen = {"sizes": _numbers(sizes, int), "ratios": _numbers(ratios or default), "methods": method_names(methods)}
    _check_ranges(name, config, chosen["sizes"], chosen["ratios"])
    if other:
        chosen["other"] = replace(config, paths=[str(Path(p).resolve()) for p in other], dataset=other_dataset,
                                  format=None, rule=None, year=None)
    result = run_study(name, config, out, **chosen)
    for row in result["rows"]:
        figure = row.get("macro_f1")
        typer.echo(f"{row['variant']:<45} macro-F1 {figure:.4f}" if figure is not None else row["variant"])
    typer.echo(f"wrote {out}/study.json, study.md, study.png")
