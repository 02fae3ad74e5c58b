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
from colog.features.tokens import tokenize
from colog.labeling import CLASSES, four_class, group_ids, window_labels
from colog.labeling.datasets import load_labeled
from colog.parsing.templates import TemplateMiner, fit_templates

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
    groups: np.ndarray  # (N,) a window takes neighbours of its line's group only: its file (and split, isolated)
    messages: LineMessages
    store: MessageStore
    miner: TemplateMiner  # the templates of the training lines; detection continues from it

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

    def unseen(self, max_len: int, which: int = 2) -> tuple[np.ndarray, str]:
        """Positions within `rows(which)` (the test split by default) of the lines whose key never occurs in
        training, and the key's name.

        OS logs are keyed by what the model reads of a message, its word tokens (digits and punctuation gone, so
        a twin that differs in a number is not new; whatever file type it came from); service logs by their
        template as mined on the training lines (-1, no template fits, is never a training key).
        """
        os_logs = set(self.table["format"].to_pylist()) <= set(OS_FORMATS)
        if os_logs:
            sequences: dict[tuple[str, ...], int] = {}
            per_message = np.array([sequences.setdefault(tuple(tokenize(m, max_len)), len(sequences))
                                    for m in self.messages.messages], dtype=np.int64)
            keys = per_message[self.messages.ids]
        else:
            keys = self.table["template_id"].to_numpy()
        unseen = np.nonzero(unseen_mask(keys, self.split, which))[0]
        return np.searchsorted(self.rows(which), unseen), "tokens" if os_logs else "template"  # both sorted


def load_data(config: ExperimentConfig, progress: bool = True) -> Prepared:
    """Parse, label and split as the config says; embed every unique message (cached)."""
    collective = config.task == Task.collective
    table, summary, miner = load_labeled(config.paths, config.dataset, config.format, config.rule, config.year,
                                         config.window_spec if collective else None)
    point = table["label"].to_numpy().astype(np.int64)
    if collective:
        labels = four_class(point, table["window_label"].to_numpy()).astype(np.int64)
        class_names = list(CLASSES)
    else:
        labels, class_names = point, ["normal", "anomaly"]
    if len(np.unique(labels)) < 2:
        raise CologError(f"the labels have one class only ({class_names[int(labels[0])]}: {len(labels)} lines); "
                         "nothing to learn — check the label rule")
    split = split_lines(table, labels, config.split)  # the paper's split stratifies on the labels as labelled
    groups = group_ids(table["file"].to_numpy(zero_copy_only=False))
    if config.isolates_splits:  # a neighbour in another split is no neighbour: no label or text crosses over
        groups = groups * len(SPLITS) + split
        if collective:
            labels = four_class(point, window_labels(point, groups, config.window_spec)).astype(np.int64)
    miner, table = _training_templates(table, split, miner)
    messages = LineMessages.of(table, config.source_token)
    store = MessageStore(SbertEncoder(progress=progress))
    return Prepared(table, summary, labels, class_names, split, groups, messages, store, miner)


def _training_templates(table: pa.Table, split: np.ndarray, parsed: TemplateMiner) -> tuple[TemplateMiner, pa.Table]:
    """Templates mined on the training lines only, as the parser's settings say; the other lines matched to them
    (template_id -1, template null where none fits: an unseen template)."""
    miner, ids, texts = fit_templates(table["message"].to_pylist(), split == 0, parsed.settings)
    table = table.set_column(table.schema.get_field_index("template_id"), "template_id", pa.array(ids, pa.int64()))
    table = table.set_column(table.schema.get_field_index("template"), "template", pa.array(texts, pa.string()))
    return miner, table


def build_inputs(data: Prepared, config: ExperimentConfig, vocab: Vocabulary, progress: bool = True) -> ModelInputs:
    return ModelInputs.build(data.messages, data.groups, vocab, data.store, config.window_spec,
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
