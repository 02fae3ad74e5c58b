"""Experiments: a run from raw logs to a run directory (train), and back (evaluate)."""

from colog.experiment.config import ExperimentConfig
from colog.experiment.run import evaluate_run, train_run

__all__ = ["ExperimentConfig", "evaluate_run", "train_run"]
