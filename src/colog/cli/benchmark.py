"""`colog benchmark`: CoLog and the baselines on the same split, features and seeds."""

from __future__ import annotations

from pathlib import Path

import typer

from colog.cli import options
from colog.cli.command import register as add
from colog.comparison.names import METHODS
from colog.config import ExperimentConfig


def register(app: typer.Typer) -> None:
    add(app, "benchmark", benchmark, [
        "colog benchmark ../shared/data/casper-rw --dataset casper --seeds 0,1,2 -o bench/",
        "colog benchmark logs/ --dataset bgl --protocol chronological --methods lr,svm,colog -o bench/"])


def seed_list(text: str) -> list[int]:
    """`0,1,2` -> [0, 1, 2]; anything else is a usage error."""
    try:
        seeds = [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise typer.BadParameter(f"--seeds {text!r}: expected integers such as 0,1,2") from None
    if not seeds or min(seeds) < 0:
        raise typer.BadParameter(f"--seeds {text!r}: expected one or more integers >= 0")
    return seeds


@options.experiment(options.DATA, options.RUN, options.OURS, options.SIZES, options.SCHEDULE, options.REFIT)
def benchmark(config: ExperimentConfig,
              methods: str = typer.Option("all", metavar="LIST",
                                          help="all, or a comma list of: " + ", ".join(METHODS) + "."),
              seeds: str = typer.Option("0,1,2", metavar="LIST", help="Comma list of seeds (split, word2vec, "
                                                                      "networks)."),
              out: Path = options.out("Directory for results.json, results.md, results.png (results of other "
                                      "datasets there are kept).", Path("runs/benchmark"))) -> None:
    """Run every method on one dataset; merge into DIR/results.json and redraw DIR/results.md and the plot.

    Each seed's rows are merged as it finishes. A run killed mid-seed resumes when the same command runs again:
    the methods it finished are kept and a network's fit goes on after its last finished epoch (DIR/.resume),
    ending exactly where an unbroken run ends.
    """
    from colog.comparison.baselines import method_names
    from colog.comparison.benchmark import run_benchmark

    seed_numbers = seed_list(seeds)
    names = method_names(methods)
    results = run_benchmark(config, names, seed_numbers, out)
    for r in results:
        typer.echo(f"{r['method']:<15} seed {r['seed']}  macro-F1 {r['macro_f1']:.4f}  anomaly F1 {r['anomaly_f1']:.4f}"
                   f"  train {r['train_seconds']:.1f} s  infer {r['infer_seconds']:.2f} s")
    typer.echo(f"wrote {out}/results.json, results.md, results.png")
