"""A trained network on windows of messages: message ids, SBERT micro-batches, remembered scores, explanations.

Features are built exactly as in training (`features.inputs`), so a window scores the same here as
in `colog evaluate`; identical model inputs are scored once and remembered.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Iterator, NamedTuple

import numpy as np
import torch

from colog.detection.config import Precision
from colog.detection.explain import occlusion
from colog.features import MessageStore, ModelInputs, Vocabulary
from colog.features.inputs import message_tokens
from colog.features.tokens import UNK, TokenTable
from colog.model import CoLog
from colog.training import predict

CACHE_SIZE = 100_000  # distinct model inputs whose probabilities are remembered
MISSING = (-1, 0)  # (message id, line) of a window row outside the file


class Window(NamedTuple):
    """A line's model input: its message and its window rows in training's order, `MISSING` where a neighbour
    is not there."""

    uid: int  # the line's message id
    line: int
    rows: list[tuple[int, int]]  # (message id, line number) per window row


class _Messages:
    """Every (source, message) a scorer has seen, with its token ids and MessageStore row.

    Ids are the scorer's, shared by all its sessions, so remembered scores stay valid across them.
    """

    def __init__(self, vocab: Vocabulary, store: MessageStore, max_len: int):
        self.vocab, self.store, self.max_len = vocab, store, max_len
        self._ids: dict[tuple[str, str], int] = {}
        self.texts: list[str] = []
        self.tokens: list[list[str]] = []
        self.token_ids: list[np.ndarray] = []
        self.oov: list[float] = []  # share of the message's words the vocabulary lacks
        self.rows: list[int] = []  # MessageStore row per id, -1 until embedded

    def id(self, source: str, message: str) -> int:
        """The id of a message from a file of type `source` ("" without source tokens)."""
        uid = self._ids.get((source, message))
        if uid is None:
            uid = self._ids[(source, message)] = len(self.texts)
            tokens = message_tokens(source, message, self.max_len)
            ids = np.asarray(self.vocab.encode(tokens), dtype=np.int32)
            words = ids[1:] if source else ids  # a source token is no word of the message
            self.texts.append(message)
            self.tokens.append(tokens)
            self.token_ids.append(ids)
            self.oov.append(round(float(np.mean(words == UNK)), 4) if len(words) else 0.0)
            self.rows.append(-1)
        return uid

    def embed(self, uids: list[int]) -> None:
        """Make sure these messages have vectors; new ones are embedded together (a micro-batch)."""
        new = [u for u in uids if self.rows[u] < 0]
        if new:
            rows = self.store.ids([self.texts[u] for u in new], save=False)
            for u, row in zip(new, rows):
                self.rows[u] = int(row)


class Scorer:
    """Probabilities of windows, batched by message length, each distinct input run once."""

    def __init__(self, model: CoLog, vocab: Vocabulary, store: MessageStore, precision: Precision):
        self.model = model
        self.store = store
        self.precision = precision
        self.messages = _Messages(vocab, store, model.config.max_len)
        self._cache: OrderedDict[tuple[int, ...], np.ndarray] = OrderedDict()

    @property
    def distinct_inputs(self) -> int:
        """Distinct model inputs whose scores are remembered (at most CACHE_SIZE)."""
        return len(self._cache)

    def score(self, windows: list[Window], explain_above: float | None = None
              ) -> list[tuple[np.ndarray, dict | None]]:
        """(class probabilities, explanation or None) per window, in order; a window whose P(anomalous) reaches
        `explain_above` is explained by occlusion (`explain.occlusion`).

        The new inputs of the whole call are batched by message length, as `predict` batches: a batch
        pads to its own longest message, not to the longest of whatever arrived together.
        """
        keys = [(w.uid, *(u for u, _ in w.rows)) for w in windows]  # message ids: the input
        known: dict[tuple[int, ...], np.ndarray] = {}
        for key in keys:
            probs = self._cache.get(key)
            if probs is not None:
                self._cache.move_to_end(key)
                known[key] = probs
        todo = list({key: i for i, key in enumerate(keys) if key not in known}.values())
        # unseen messages are embedded together, one SBERT micro-batch per call, not per model batch
        self.messages.embed(sorted({u for i in todo for u in keys[i]} - {-1}))
        for part in self._batches(todo, windows):
            for i, probs in zip(part, self._run([windows[i] for i in part])):
                known[keys[i]] = probs
                self._remember(keys[i], probs)
        out = []
        for w, key in zip(windows, keys):
            probs = known[key]
            explained = explain_above is not None and 1.0 - float(probs[0]) >= explain_above
            out.append((probs, self._explain(w, 1.0 - float(probs[0])) if explained else None))
        return out

    def _remember(self, key: tuple[int, ...], probs: np.ndarray) -> None:
        self._cache[key] = probs
        if len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)

    def _batches(self, todo: list[int], windows: list[Window], size: int = 256) -> Iterator[list[int]]:
        """`todo` in batches of one message length where there are enough: a batch of 32 or more
        closes before a longer message, so rows pad little past their own length (measured best of
        the rules tried on nssal; smaller batches cost more per row than the padding they save)."""
        lengths = {i: len(self.messages.token_ids[windows[i].uid]) for i in todo}
        part: list[int] = []
        for i in sorted(todo, key=lengths.__getitem__):
            if len(part) == size or (len(part) >= 32 and lengths[i] > lengths[part[0]]):
                yield part
                part = []
            part.append(i)
        if part:
            yield part

    def _run(self, windows: list[Window]) -> np.ndarray:
        """Probabilities (B, C) of a batch."""
        messages = self.messages  # `score` embedded them all
        involved = sorted({w.uid for w in windows} | {u for w in windows for u, _ in w.rows if u >= 0})
        local = {uid: k for k, uid in enumerate(involved)}
        b, k = len(windows), len(involved)
        # Virtual rows: 0..B-1 are the lines, B..B+k-1 one per involved message, so the windows can
        # point at rows exactly as training's `ModelInputs` do.
        message_ids = np.concatenate([[local[w.uid] for w in windows], np.arange(k)]).astype(np.int64)
        window = np.full((b + k, len(windows[0].rows)), -1, dtype=np.int64)
        window[:b] = [[b + local[u] if u >= 0 else -1 for u, _ in w.rows] for w in windows]
        lengths = np.array([len(messages.token_ids[u]) for u in involved], dtype=np.int64)
        table = TokenTable(np.concatenate([messages.token_ids[u] for u in involved]).astype(np.int32),
                           np.concatenate([[0], np.cumsum(lengths)]))
        vectors = self.store.vectors[[messages.rows[u] for u in involved]]
        inputs = ModelInputs(table, vectors, message_ids, window)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.precision == Precision.bf16):
            return predict(self.model, inputs, np.arange(b))[0]

    def _explain(self, w: Window, probability: float) -> dict:
        """What removing each word, and masking each window line, does to this line's P(anomalous)
        (`probability`, as scored)."""
        messages = self.messages
        real = [uid for uid, _ in w.rows if uid >= 0]
        messages.embed(sorted(set(real)))
        vectors = np.zeros((len(w.rows), self.store.vectors.shape[1]), dtype=np.float32)
        for c, (uid, _) in enumerate(w.rows):
            if uid >= 0:
                vectors[c] = self.store.vectors[messages.rows[uid]]
        return occlusion(self.model, messages.token_ids[w.uid], vectors, np.array([u >= 0 for u, _ in w.rows]),
                         messages.tokens[w.uid], w.rows, {uid: messages.texts[uid] for uid in real}, w.line,
                         probability)
