"""Raw logs to model-ready arrays: labels, split, and what is fitted on the training split (vocabulary, word
vectors, inputs, balanced rows)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from colog.config import ExperimentConfig, Task
from colog.errors import CologError
from colog.features import (SPLITS, LineMessages, MessageStore, ModelInputs, SbertEncoder, Vocabulary, balance,
                            fit_vocabulary, split_lines, train_word2vec, unseen_mask)
from colog.labeling import CLASSES, four_class
from colog.labeling.datasets import load_labeled
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

    def split_table(self) -> pa.Table:
        """(file, line, split) of every line: what a run directory records of its split."""
        return pa.table({"file": self.table["file"], "line": self.table["line"],
                         "split": pa.array([SPLITS[s] for s in self.split])})

    def templates(self) -> dict:
        """The Drain state and the formats the logs were parsed with: what detection parses new lines by."""
        return {"formats": self.summary.get("formats", {}), "format": self.summary.get("format"),
                "drain": self.miner.to_state()}

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
    collective = config.task == Task.collective
    table, summary, miner = load_labeled(config.paths, config.dataset, config.format, config.rule, config.year,
                                         config.window_spec if collective else None)
    if collective:
        labels = four_class(table["label"].to_numpy(), table["window_label"].to_numpy()).astype(np.int64)
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


@dataclass
class Fitted:
    """What is learned from the training split before the network: vocabulary, word vectors, inputs, rows."""

    vocab: Vocabulary
    word_vectors: np.ndarray  # (V, word_dim) word2vec of the training messages
    inputs: ModelInputs  # every line's tokens and window, by the training vocabulary
    train_rows: np.ndarray  # training rows after class balancing (validation and test untouched)


def fit_inputs(data: Prepared, config: ExperimentConfig, progress: bool = True) -> Fitted:
    """Vocabulary, word2vec and balancing fitted on the training split only; inputs for every line."""
    vocab, corpus = fit_vocabulary(data.messages, data.rows(0), config.model.max_len)
    word_vectors = train_word2vec(corpus, vocab, config.model.word_dim, config.split.seed)
    inputs = build_inputs(data, config, vocab, progress)
    rows = balance(data.rows(0), inputs.message_ids, data.labels, inputs.vectors, config.balance, config.split.seed)
    return Fitted(vocab, word_vectors, inputs, rows)
