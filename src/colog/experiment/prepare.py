"""Raw logs to model-ready arrays: labels, split, balanced training rows, vocabulary and inputs."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from colog.datasets import load_labeled
from colog.errors import CologError
from colog.experiment.config import ExperimentConfig
from colog.features.balance import balance
from colog.features.inputs import LineMessages, ModelInputs, fit_vocabulary
from colog.features.split import split_lines, unseen_mask
from colog.features.store import MessageStore, SbertEncoder
from colog.features.tokens import Vocabulary
from colog.labeling import CLASSES
from colog.parsing.templates import TemplateMiner

logger = logging.getLogger(__name__)

OS_FORMATS = ("syslog", "dmesg")


@dataclass
class Prepared:
    """A labeled, split dataset and the arrays the network reads."""

    table: pa.Table
    summary: dict
    labels: np.ndarray  # (N,) class index
    class_names: list[str]
    split: np.ndarray  # (N,) 0 train, 1 valid, 2 test
    messages: LineMessages
    store: MessageStore
    miner: TemplateMiner  # the templates of all lines; detection continues from it

    def rows(self, which: int) -> np.ndarray:
        return np.nonzero(self.split == which)[0]

    def unseen(self) -> tuple[np.ndarray, str]:
        """Positions within `rows(2)` of the test lines whose template (service logs) or message (OS logs) never
        occurs in training, and which of the two was compared."""
        os_logs = set(self.table["format"].to_pylist()) <= set(OS_FORMATS)
        if os_logs:  # the message text alone, whatever file type it came from
            keys = LineMessages.of(self.table, source_token=False).ids
        else:
            keys = self.table["template_id"].to_numpy()
        unseen = np.nonzero(unseen_mask(keys, self.split))[0]
        return np.searchsorted(self.rows(2), unseen), "message" if os_logs else "template"  # both sorted


def load_data(config: ExperimentConfig, progress: bool = True) -> Prepared:
    """Parse, label and split as the config says; embed every unique message (cached)."""
    collective = config.task == "collective"
    table, summary, miner = load_labeled(config.paths, config.dataset, config.format, config.rule, config.year,
                                  config.window_spec if collective else None)
    if collective:
        labels = table["label"].to_numpy().astype(np.int64) + 2 * table["window_label"].to_numpy().astype(np.int64)
        class_names = list(CLASSES)
    else:
        labels, class_names = table["label"].to_numpy().astype(np.int64), ["normal", "anomaly"]
    if len(np.unique(labels)) < 2:
        raise CologError(f"the labels have one class only ({class_names[int(labels[0])]}: {len(labels)} lines); "
                         "nothing to learn — check the label rule")
    split = split_lines(table, labels, config.split)
    messages = LineMessages.of(table, config.source_token)
    store = MessageStore(SbertEncoder(progress=progress))
    return Prepared(table, summary, labels, class_names, split, messages, store, miner)


def build_inputs(data: Prepared, config: ExperimentConfig, vocab: Vocabulary, progress: bool = True) -> ModelInputs:
    return ModelInputs.build(data.table, data.messages, vocab, data.store, config.window_spec,
                             config.includes_current, config.model.max_len, progress)


def fit_features(data: Prepared, config: ExperimentConfig) -> tuple[Vocabulary, list[list[str]]]:
    """Vocabulary and word2vec corpus from the training split only."""
    return fit_vocabulary(data.messages, data.rows(0), config.model.max_len)


def balanced_train_rows(data: Prepared, inputs: ModelInputs, config: ExperimentConfig) -> np.ndarray:
    """Training rows after class balancing (training split only; validation and test untouched)."""
    return balance(data.rows(0), inputs.message_ids, data.labels, inputs.vectors, config.balance, config.split.seed)
