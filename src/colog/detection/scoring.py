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

    def score(self, windows: list[Window], explain: bool) -> list[tuple[np.ndarray, dict | None]]:
        """(class probabilities, explanation or None) per window, in order.

        The new inputs of the whole call are batched by message length, as `predict` batches: a batch
        pads to its own longest message, not to the longest of whatever arrived together. With
        `explain` every window runs (attention is per line) and nothing is remembered.
        """
        keys = [(w.uid, *(u for u, _ in w.rows)) for w in windows]  # message ids: the input
        out: list[tuple[np.ndarray, dict | None] | None] = [None] * len(windows)
        if explain:
            todo = list(range(len(windows)))
        else:
            for i, key in enumerate(keys):
                probs = self._cache.get(key)
                if probs is not None:
                    self._cache.move_to_end(key)
                    out[i] = (probs, None)
            todo = list({keys[i]: i for i in range(len(windows)) if out[i] is None}.values())
        # unseen messages are embedded together, one SBERT micro-batch per call, not per model batch
        self.messages.embed(sorted({u for i in todo for u in keys[i]} - {-1}))
        scored: dict[tuple[int, ...], np.ndarray] = {}
        for part in self._batches(todo, windows):
            probs, attention = self._run([windows[i] for i in part], explain)
            for j, i in enumerate(part):
                if explain:
                    out[i] = (probs[j], self._explain(windows[i], attention, j))
                else:
                    scored[keys[i]] = probs[j]
                    self._remember(keys[i], probs[j])
        return [o if o is not None else (scored[key], None) for o, key in zip(out, keys)]

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

    def _run(self, windows: list[Window], explain: bool) -> tuple[np.ndarray, dict | None]:
        """Probabilities (B, C), and with `explain` the impressed-attention weights, for a batch."""
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
        rows = np.arange(b)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.precision == Precision.bf16):
            if not explain:
                return predict(self.model, inputs, rows)[0], None
            with torch.no_grad():
                batch = inputs.batch(rows)
                logits, attention = self.model(*(torch.from_numpy(a) for a in batch), return_attention=True)
        return (torch.softmax(logits.float(), -1).numpy(),
                {k: v.float().numpy() for k, v in attention.items()})

    def _explain(self, w: Window, attention: dict, j: int, top_lines: int = 3, top_words: int = 5) -> dict:
        """The neighbouring lines the message's words attended to most, and the words the window did.

        Weights are the last block's impressed attention, averaged over heads and over the attending
        positions; the line itself (a window row when the window includes it) is not listed.
        """
        if "semantic" not in attention:
            return {"note": "this run has no impressed attention (an ablation); nothing to explain by"}
        words = self.messages.tokens[w.uid]
        to_rows = attention["semantic"][j, :max(len(words), 1)].mean(axis=0)  # (Lw,) one weight per window row
        lines = []
        for c, weight in sorted(enumerate(to_rows), key=lambda t: -t[1]):
            uid, number = w.rows[c]
            if uid >= 0 and number != w.line and len(lines) < top_lines:
                lines.append({"line": number, "offset": number - w.line, "weight": round(float(weight), 4),
                              "message": self.messages.texts[uid][:200]})
        real = [c for c, (uid, _) in enumerate(w.rows) if uid >= 0]
        to_words = attention["sequence"][j, real, :len(words)].mean(axis=0) if real and words else np.zeros(0)
        best: dict[str, float] = {}
        for word, weight in zip(words, to_words):  # a repeated word counts once, at its strongest
            best[word] = max(best.get(word, 0.0), float(weight))
        ranked = sorted(best.items(), key=lambda t: -t[1])[:top_words]
        return {"lines": lines, "words": [{"word": w, "weight": round(x, 4)} for w, x in ranked]}
