"""Raw logs to model-ready arrays: labels, split, and what is fitted on the training split (vocabulary, word
vectors, inputs, balanced rows)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

import numpy as np
import pyarrow as pa

from colog.config import ExperimentConfig, Task
from colog.errors import CologError
from colog.features import (SPLITS, LineMessages, MessageStore, ModelInputs, Vocabulary, balance, fit_vocabulary,
                            sbert_encoder, split_lines, train_word2vec, unseen_mask)
from colog.features.tokens import sequence_key, tokenize
from colog.labeling import CLASSES, four_class, group_ids, window_labels
from colog.labeling.datasets import load_labeled
from colog.parsing.fields import DrainSettings
from colog.parsing.templates import TemplateMiner, fit_templates, match_templates

logger = logging.getLogger(__name__)

OS_FORMATS = ("syslog", "dmesg")
# A training line a person corrected counts this many times, and balancing never drops it: a handful of
# corrections must outweigh the many lines the rule labelled the other way with the same words.
CORRECTION_WEIGHT = 10


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
    # (N,) with --hide-later-splits, the line's split: a window takes no neighbour of a later split, so nothing of
    # the validation or test lines reaches a training window and the test lines keep the paper's windows
    reach: np.ndarray | None = None

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

    def keys(self, max_len: int, kind: str | None = None) -> tuple[np.ndarray, str]:
        """Each line's novelty key and the key's name: a line is unseen when its key never occurs in training.

        OS logs are keyed by what the model reads of a message, its word tokens (digits and punctuation gone, so
        a twin that differs in a number is not new; whatever file type it came from); service logs by their
        template as mined on the training lines (-1, no template fits, is never a training key). Both keys are
        the same in every run, so a run saves its training keys and other logs are compared with those (`kind`:
        that run's key, whatever these logs are).
        """
        if kind is None:
            kind = "tokens" if set(self.table["format"].to_pylist()) <= set(OS_FORMATS) else "template"
        if kind == "tokens":
            per_message = np.array([sequence_key(tokenize(m, max_len)) for m in self.messages.messages],
                                   dtype=np.int64)
            return per_message[self.messages.ids], "tokens"
        return self.table["template_id"].to_numpy(), "template"

    def unseen(self, max_len: int, which: int = 2, seen: tuple[str, np.ndarray] | None = None
               ) -> tuple[np.ndarray, str]:
        """Positions within `rows(which)` (the test split by default) of the lines whose key is not among the
        training split's (or among `seen`, another run's (key name, training keys)), and the key's name."""
        keys, name = self.keys(max_len, seen[0] if seen else None)
        unseen = np.flatnonzero(unseen_mask(keys, self.split, which, seen[1] if seen else None))
        return np.searchsorted(self.rows(which), unseen), name  # both sorted


def load_data(config: ExperimentConfig, progress: bool = True) -> Prepared:
    """Parse, label and split as the config says; templates mined on the training lines."""
    table, summary, parsed, point, labels, class_names = _labelled(config)
    if len(np.unique(labels)) < 2:
        raise CologError(f"the labels have one class only ({class_names[int(labels[0])]}: {len(labels)} lines); "
                         "nothing to learn — check the label rule")
    split = split_lines(table, labels, config.split)  # the paper's split stratifies on the labels as labelled
    table, labels, groups, reach, miner = _split_dependent(config, table, point, labels, split, parsed.settings)
    return _prepared(config, table, summary, labels, class_names, split, groups, miner, progress, reach)


def with_valid_in_training(data: Prepared, config: ExperimentConfig) -> Prepared:
    """The same lines with the validation split moved into training (`--refit`, once epochs are chosen): windows,
    window labels and templates are rebuilt as load_data builds them for that split; no line is left to validate
    on, and the test split is untouched."""
    split = np.where(data.split == 1, 0, data.split).astype(np.int8)
    point = data.table["label"].to_numpy().astype(np.int64)
    table, labels, groups, reach, miner = _split_dependent(config, data.table, point, data.labels, split,
                                                           data.miner.settings)
    return replace(data, table=table, labels=labels, split=split, groups=groups, reach=reach, miner=miner)


def _split_dependent(config: ExperimentConfig, table: pa.Table, point: np.ndarray, labels: np.ndarray,
                     split: np.ndarray, settings: DrainSettings
                     ) -> tuple[pa.Table, np.ndarray, np.ndarray, np.ndarray | None, TemplateMiner]:
    """What a split decides: each line's window group and reach (with its 4-class label, when windows stop at a
    split's edge) and the templates, mined on the training lines; the table with its templates, labels, groups,
    reach, miner."""
    groups = group_ids(table["file"].to_numpy(zero_copy_only=False))
    if config.isolates_splits:  # a neighbour in another split is no neighbour: no label or text crosses over
        groups = groups * len(SPLITS) + split
        if config.task == Task.collective:
            labels = four_class(point, window_labels(point, groups, config.window_spec)).astype(np.int64)
    reach = split if config.hide_later_splits else None  # a window sees its own split and earlier ones
    if reach is not None and config.task == Task.collective:  # training lines' window bits lose later lines; the
        # test lines' stay as the paper's windows give them
        labels = four_class(point, window_labels(point, groups, config.window_spec, reach)).astype(np.int64)
    miner, ids, texts = fit_templates(table["message"].to_pylist(), split == 0, settings)
    return _with_templates(table, ids, texts), labels, groups, reach, miner


def load_other(config: ExperimentConfig, miner: TemplateMiner, progress: bool = True) -> Prepared:
    """Logs a trained run never saw, to score it on: every line a test line, templates matched to the run's."""
    table, summary, _, _, labels, class_names = _labelled(config)
    split = np.full(table.num_rows, 2, dtype=np.int8)
    groups = group_ids(table["file"].to_numpy(zero_copy_only=False))
    ids, texts = match_templates(miner, table["message"].to_pylist())
    return _prepared(config, _with_templates(table, ids, texts), summary, labels, class_names, split, groups, miner,
                     progress)


def _labelled(config: ExperimentConfig) -> tuple[pa.Table, dict, TemplateMiner, np.ndarray, np.ndarray, list[str]]:
    """The logs parsed and labelled as the config says: table, summary, the parser's miner, the point labels and
    the task's class labels and names."""
    collective = config.task == Task.collective
    table, summary, parsed = load_labeled(config.paths, config.dataset, config.format, config.rule, config.year,
                                          config.window_spec if collective else None, corrections=config.corrections)
    point = table["label"].to_numpy().astype(np.int64)
    if collective:
        return table, summary, parsed, point, four_class(point, table["window_label"].to_numpy()).astype(np.int64), \
            list(CLASSES)
    return table, summary, parsed, point, point, ["normal", "anomaly"]


def _with_templates(table: pa.Table, ids: np.ndarray, texts: list[str | None]) -> pa.Table:
    table = table.set_column(table.schema.get_field_index("template_id"), "template_id", pa.array(ids, pa.int64()))
    return table.set_column(table.schema.get_field_index("template"), "template", pa.array(texts, pa.string()))


def _prepared(config: ExperimentConfig, table: pa.Table, summary: dict, labels: np.ndarray, class_names: list[str],
              split: np.ndarray, groups: np.ndarray, miner: TemplateMiner, progress: bool,
              reach: np.ndarray | None = None) -> Prepared:
    return Prepared(table, summary, labels, class_names, split, groups, LineMessages.of(table, config.source_token),
                    MessageStore(sbert_encoder(progress)), miner, reach)


def build_inputs(data: Prepared, config: ExperimentConfig, vocab: Vocabulary, progress: bool = True) -> ModelInputs:
    return ModelInputs.build(data.messages, data.groups, vocab, data.store, config.window_spec,
                             config.includes_current, config.model.max_len, progress, data.reach)


@dataclass
class Fitted:
    """What is learned from the training split before the network: vocabulary, word vectors, inputs, rows."""

    vocab: Vocabulary
    word_vectors: np.ndarray  # (V, word_dim) word2vec of the training messages
    inputs: ModelInputs  # every line's tokens and window, by the training vocabulary
    train_rows: np.ndarray  # training rows after class balancing (validation and test untouched)


def fit_inputs(data: Prepared, config: ExperimentConfig, progress: bool = True,
               start: tuple[Vocabulary, np.ndarray] | None = None) -> Fitted:
    """Vocabulary, word2vec and balancing fitted on the training split only; inputs for every line. `start`: the
    (vocabulary, word vectors) of a model fine-tuned from, kept so its weights still mean what they meant."""
    if start is None:
        vocab, corpus = fit_vocabulary(data.messages, data.rows(0), config.model.max_len)
        word_vectors = train_word2vec(corpus, vocab, config.model.word_dim, config.split.seed)
    else:
        vocab, word_vectors = start
    inputs = build_inputs(data, config, vocab, progress)
    rows = balance(data.rows(0), inputs.message_ids, data.labels, inputs.vectors, config.balance, config.split.seed)
    if "corrected" in data.table.column_names:
        corrected = np.intersect1d(data.rows(0), np.flatnonzero(data.table["corrected"].to_numpy()))
        rows = np.sort(np.concatenate([np.setdiff1d(rows, corrected), np.repeat(corrected, CORRECTION_WEIGHT)]))
    return Fitted(vocab, word_vectors, inputs, rows)
