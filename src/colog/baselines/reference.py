"""Two references no anchor paper reports: the labelling rule itself, and CoLog on the same features.

`keyword_rule` shows how much of a score is leakage. Where the labels come from keywords of the
message, it applies that rule (and scores 1.0 by construction: a model that reads the message can
learn the rule). Where they come from elsewhere (a level, an alert column, block labels), it applies
a generic negative-sentiment word list (imbalance-anomaly-gt's syslog.txt, word boundaries): how far
keywords alone get on labels they did not make.
"""

from __future__ import annotations

import numpy as np

from colog.baselines.features import Features
from colog.datasets import resolve
from colog.labeling import group_ids, parse_rule
from colog.labeling.collective import window_labels

GENERIC_RULE = "keywords:@imbalance-anomaly-gt/syslog"


class KeywordRule:
    name = "keyword_rule"

    def fit(self, f: Features, train: np.ndarray, valid: np.ndarray, seed: int) -> None:
        own = resolve(f.config.dataset, f.config.format, f.config.rule)[1]
        spec = own if f.data.summary["label_source"].startswith("keywords") and own else GENERIC_RULE
        self.note = "the labelling rule itself" if spec == own else f"generic keywords ({GENERIC_RULE})"
        point = parse_rule(spec).apply(f.data.table).astype(np.int64)
        if f.config.task == "collective":
            groups = group_ids(f.data.table["file"].to_numpy(zero_copy_only=False))
            point = point + 2 * window_labels(point, groups, f.config.window_spec).astype(np.int64)
        self.labels = point

    def predict(self, f: Features, rows: np.ndarray) -> np.ndarray:
        return self.labels[rows]


class CoLogMethod:
    """The collaborative transformer, trained by the same loop as `colog train`, on these features."""

    name = "colog"

    def fit(self, f: Features, train: np.ndarray, valid: np.ndarray, seed: int) -> None:
        from colog.experiment.run import fit_model

        self.model, _ = fit_model(f.data, f.inputs, f.word_vectors, f.balanced_train, f.config, progress=False)

    def predict(self, f: Features, rows: np.ndarray) -> np.ndarray:
        from colog.training import predict

        return predict(self.model, f.inputs, rows)[0].argmax(1).astype(np.int64)
