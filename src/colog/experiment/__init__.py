"""Experiments: a run from raw logs to a run directory (train), and back (evaluate)."""

from colog.experiment.run import evaluate_on, evaluate_run, train_run

__all__ = ["evaluate_on", "evaluate_run", "train_run"]
