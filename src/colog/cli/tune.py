"""`colog tune`: Ray Tune over CoLog's sizes (the paper's grid or a small one), best config trained into DIR/best/."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from colog.cli import options
from colog.cli.command import register as add
from colog.config import ExperimentConfig


def register(app: typer.Typer) -> None:
    add(app, "tune", tune, ["colog tune ../shared/data/casper-rw --dataset casper --grid small -o tune/casper",
                            "colog tune logs/ --dataset bgl --grid 'layers=1,2 heads=2,4 hidden=64,128 samples=1' "
                            "--address auto -o tune/bgl"])


@options.experiment(options.DATA, options.RUN, ("seed",), options.OURS, ("ffn", "dropout"),
                    ("batch_size", "lr", "min_epoch_steps"))
def tune(config: ExperimentConfig,
         grid: str = typer.Option("small", metavar="GRID",
                                  help="paper (layers 2/4/6 x heads 2/4/8 x hidden 256/512/768, 4 samples: 108 "
                                       "trials), small (4 trials, minutes on 2 cores), or your own: "
                                       "'layers=1,2 heads=2,4 hidden=64,128 samples=1'."),
         num_samples: Optional[int] = typer.Option(None, "--num-samples", min=1, metavar="N",
                                                   help="Samples per grid point (default: the grid's)."),
         epochs: int = typer.Option(5, min=1, metavar="N", help="Epoch limit of each trial (ASHA stops weak ones "
                                                                "sooner)."),
         best_epochs: int = typer.Option(20, "--best-epochs", min=1, metavar="N",
                                         help="Epoch limit when training the best config."),
         cpus_per_trial: int = typer.Option(1, "--cpus-per-trial", min=1, metavar="N", help="Cores each trial takes."),
         address: Optional[str] = typer.Option(None, "--address", metavar="ADDRESS",
                                               help="Join a Ray cluster (auto, ray://host:10001); default: start a "
                                                    "local one."),
         out: Path = options.out("Directory for best_config.json, trials.csv, search.png, best/ and the resumable "
                                 "Tune state.", Path("runs/tune"))) -> None:
    """Search CoLog's layers x heads x hidden size with Ray Tune and ASHA; resumes an interrupted search in DIR."""
    from colog.scale.cluster import ray_session
    from colog.scale.tune import run_tune

    with ray_session(address):
        summary = run_tune(config, grid, out, num_samples, epochs, best_epochs, cpus_per_trial)
    typer.echo(f"{summary['trials']} trials ({summary['failed']} failed); best {summary['best']} "
               f"valid macro-F1 {summary['best_valid_macro_f1']:.4f}, test macro-F1 of {out}/best "
               f"{summary['best_test_macro_f1']:.4f}")
