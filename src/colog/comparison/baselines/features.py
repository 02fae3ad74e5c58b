"""What the baselines read, built once per split from the same Prepared data CoLog trains on.

Everything fitted (template vocabulary, word2vec, scalers inside the methods) sees the training
split only; a template first met in validation or test maps to UNKNOWN, as a new log key would.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from colog.config import ExperimentConfig
from colog.experiment.prepare import Prepared, fit_inputs
from colog.features import ModelInputs, Vocabulary, balance
from colog.features.windows import gather
from colog.labeling import window_index

PAD, UNKNOWN = 0, 1  # template index 0 pads a window, 1 is a template training never saw


@dataclass
class Features:
    """One split's inputs for every method."""

    data: Prepared
    config: ExperimentConfig
    inputs: ModelInputs  # CoLog's: tokens per message, SBERT vector per message
    vocab: Vocabulary  # of the training split's messages
    word_vectors: np.ndarray  # (V, 300) word2vec fitted on the training split
    balanced_train: np.ndarray  # training rows after the run's balancing (Tomek links by default)
    templates: np.ndarray  # (N,) template index: 2.. for templates of the training split
    n_templates: int  # including PAD and UNKNOWN
    window: np.ndarray  # (N, Lw) rows of each line's window, the line itself included; -1 pads

    @classmethod
    def build(cls, data: Prepared, config: ExperimentConfig, progress: bool = False) -> "Features":
        fitted = fit_inputs(data, config, progress)
        raw = data.table["template_id"].to_numpy()
        known = np.unique(raw[data.rows(0)])
        index = np.searchsorted(known, raw)
        seen = (index < len(known)) & (known[np.minimum(index, len(known) - 1)] == raw)
        templates = np.where(seen, index + 2, UNKNOWN)
        return cls(data, config, fitted.inputs, fitted.vocab, fitted.word_vectors, fitted.train_rows, templates,
                   len(known) + 2, window_index(data.groups, config.window_spec, include_current=True,
                                                 reach=data.reach))

    @property
    def labels(self) -> np.ndarray:
        return self.data.labels

    def balanced(self, rows: np.ndarray) -> np.ndarray:
        """`rows` after the run's class balancing; the training split's was fitted once, in `build`."""
        if np.array_equal(rows, self.data.rows(0)):
            return self.balanced_train
        return balance(rows, self.inputs.message_ids, self.labels, self.inputs.vectors, self.config.balance,
                       self.config.split.seed)

    def template_sequences(self, rows: np.ndarray) -> np.ndarray:
        """(B, Lw) template indexes of each line's window, PAD where the window leaves the file."""
        win = self.window[rows]
        return np.where(win >= 0, self.templates[np.maximum(win, 0)], PAD)

    def event_counts(self, rows: np.ndarray) -> sp.csr_matrix:
        """loglizer's event-count vector of each line's window, next to a one-hot of the line's own template."""
        seqs = self.template_sequences(rows)
        b, lw = seqs.shape
        line = np.repeat(np.arange(b), lw)
        real = seqs.ravel() != PAD  # padding is not an event
        counts = sp.csr_matrix((np.ones(int(real.sum())), (line[real], seqs.ravel()[real])),
                               shape=(b, self.n_templates))
        own = sp.csr_matrix((np.ones(b), (np.arange(b), self.templates[rows])), shape=(b, self.n_templates))
        return sp.hstack([counts, own]).tocsr()

    def window_vectors(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(B, Lw, 384) SBERT vectors of each line's window and its mask."""
        return gather(self.window, self.inputs.message_ids, self.inputs.vectors, rows)

    def line_vectors(self, rows: np.ndarray) -> np.ndarray:
        """(B, 384) SBERT vector of each line's own message."""
        return self.inputs.vectors[self.inputs.message_ids[rows]]
