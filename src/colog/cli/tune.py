"""`colog tune`: Ray Tune over CoLog's sizes (the paper's grid or a small one), best config trained into DIR/best/."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from colog.cli.data import DATASET, FORMAT, PATHS, RULE, YEAR
from colog.cli.train import BIT_HEADS, CURRENT_LINE, MIN_EPOCH_STEPS, WINDOW_POSITIONS


def register(app: typer.Typer) -> None:
    app.command("tune")(tune)


def tune(paths: list[Path] = PATHS, dataset: Optional[str] = DATASET, rule: Optional[str] = RULE,
         fmt: Optional[str] = FORMAT, year: Optional[int] = YEAR,
         grid: str = typer.Option("small", help="paper (layers 2/4/6 x heads 2/4/8 x hidden 256/512/768, 4 samples: "
                                                "108 trials), small (4 trials, minutes on 2 cores), or your own: "
                                                "'layers=1,2 heads=2,4 hidden=64,128 samples=1'."),
         num_samples: Optional[int] = typer.Option(None, "--num-samples", min=1, help="Samples per grid point."),
         epochs: int = typer.Option(5, min=1, help="Epoch limit of each trial (ASHA stops weak ones sooner)."),
         best_epochs: int = typer.Option(20, "--best-epochs", min=1, help="Epoch limit when training the best config."),
         min_epoch_steps: int = MIN_EPOCH_STEPS,
         cpus_per_trial: int = typer.Option(1, "--cpus-per-trial", min=1),
         task: str = typer.Option("point"), window: str = typer.Option("context:1"),
         current_line: Optional[bool] = CURRENT_LINE, window_positions: bool = WINDOW_POSITIONS,
         bit_heads: bool = BIT_HEADS,
         seed: int = typer.Option(0),
         address: Optional[str] = typer.Option(None, "--address", help="Join a Ray cluster (auto, ray://host:10001); "
                                                                       "default: start a local one."),
         out: Path = typer.Option(..., "--out", "-o", help="Directory for best_config.json, trials.csv, search.png, "
                                                           "best/ and the resumable Tune state.")) -> None:
    """Search CoLog's layers x heads x hidden size with Ray Tune and ASHA; resumes an interrupted search in DIR."""
    from dataclasses import replace

    from colog.experiment import ExperimentConfig
    from colog.features.split import SplitConfig
    from colog.model import CoLogConfig
    from colog.scale.cluster import ray_session
    from colog.scale.tune import run_tune
    from colog.training import TrainConfig

    config = ExperimentConfig(paths=[str(Path(p).resolve()) for p in paths], dataset=dataset, format=fmt, rule=rule,
                              year=year, task=task, window=window, include_current=current_line,
                              split=SplitConfig(seed=seed),
                              model=replace(CoLogConfig(), window_positions=window_positions, bit_heads=bit_heads),
                              train=replace(TrainConfig(), seed=seed, min_epoch_steps=min_epoch_steps))
    with ray_session(address):
        summary = run_tune(config, grid, out, num_samples, epochs, best_epochs, cpus_per_trial)
    typer.echo(f"{summary['trials']} trials ({summary['failed']} failed); best {summary['best']} "
               f"valid macro-F1 {summary['best_valid_macro_f1']:.4f}, test macro-F1 of {out}/best "
               f"{summary['best_test_macro_f1']:.4f}")
