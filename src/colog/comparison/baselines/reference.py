"""Two references no anchor paper reports: the labelling rule itself, and CoLog on the same features.

`keyword_rule` shows how much of a score is leakage. Where the labels come from keywords of the
message, it applies that rule (and scores 1.0 by construction: a model that reads the message can
learn the rule). Where they come from elsewhere (a level, an alert column, block labels), it applies
a generic negative-sentiment word list (imbalance-anomaly-gt's syslog.txt, word boundaries): how far
keywords alone get on labels they did not make.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from colog.comparison.baselines.features import Features
from colog.config import Task
from colog.experiment.run import fit_model
from colog.labeling import four_class, parse_rule, window_labels
from colog.labeling.datasets import resolve
from colog.training import predict
from colog.training.checkpoint import Checkpoint

GENERIC_RULE = "keywords:@imbalance-anomaly-gt/syslog"


class KeywordBaseline:
    """A keyword rule as a detector. It learns nothing: `fit` only chooses which rule applies, so the training and
    validation rows go unused."""

    name = "keyword_rule"

    def __init__(self, seed: int = 0):
        self.seed = seed  # nothing random; kept for the common constructor

    def fit(self, f: Features, train: np.ndarray | None = None, valid: np.ndarray | None = None) -> "KeywordBaseline":
        own = resolve(f.config.dataset, f.config.format, f.config.rule)[1]
        self.spec_ = own if f.data.summary["label_source"].startswith("keywords") and own else GENERIC_RULE
        self.note_ = "the labelling rule itself" if self.spec_ == own else f"generic keywords ({GENERIC_RULE})"
        return self

    def predict(self, f: Features, rows: np.ndarray) -> np.ndarray:
        point = parse_rule(self.spec_).apply(f.data.table).astype(np.int64)
        if f.config.task == Task.collective:  # the window's bit needs the neighbours' verdicts too
            point = four_class(point, window_labels(point, f.data.groups, f.config.window_spec,
                                                             f.data.reach)).astype(np.int64)
        return point[rows]


class CoLogMethod:
    """The collaborative transformer, trained by the same loop as `colog train`, on these features."""

    name = "colog"
    checkpoint: Checkpoint | None = None  # where the fit keeps its state after each epoch, to resume from

    def __init__(self, seed: int = 0):
        self.seed = seed

    def fit(self, f: Features, train: np.ndarray, valid: np.ndarray | None,
            schedule: list[float] | None = None) -> "CoLogMethod":
        """Trains on `train` after the run's class balancing, epochs ranked on `valid`; without `valid` (a refit),
        for as many epochs as `schedule` holds learning rates, at those."""
        config = replace(f.config, train=replace(f.config.train, seed=self.seed))
        self.model_, self.history_ = fit_model(f.data, f.inputs, f.word_vectors, f.balanced(train), valid, config,
                                               progress=False, checkpoint=self.checkpoint, schedule=schedule)
        return self

    def predict(self, f: Features, rows: np.ndarray) -> np.ndarray:
        return predict(self.model_, f.inputs, rows)[0].argmax(1).astype(np.int64)
