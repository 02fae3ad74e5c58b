"""The streaming core of detection: lines in, in order; each leaves as a Verdict once its window is complete.

At once for a `background` window, after W more lines of its file for a `context` window (or when
its file or the input ends). Features are built exactly as in training (`features.inputs`), so a
line scores the same here as in `colog evaluate`; identical model inputs are scored once.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

import numpy as np
import torch

from colog.detection.lines import MAX_LINE_BYTES, LogLine, file_lines
from colog.features.inputs import ModelInputs
from colog.features.tokens import TokenTable
from colog.parsing.fields import LineFormat
from colog.parsing.parser import split_uptime
from colog.parsing.readers import file_type
from colog.training.predict import predict

if TYPE_CHECKING:
    from colog.detection.detector import Detector

SAMPLE_LINES = 200  # a new file's format is chosen from (at most) this many of its first lines


@dataclass
class Verdict:
    """The decision on one input line. `probability` is P(anomalous) = 1 - P(normal)."""

    file: str
    line: int
    label: int  # 1 anomalous, 0 not
    cls: str  # a class of the run ("normal", "anomaly" / "point", "collective", "both") or "unparsed"
    probability: float | None
    template_id: int | None
    matched: bool | None = None  # the line fitted the log format (else the whole line was the message)
    reason: str | None = None  # why an unparsed line could not be scored
    explanation: dict | None = None

    def to_dict(self) -> dict:
        out = {"file": self.file, "line": self.line, "label": self.label, "class": self.cls,
               "probability": self.probability, "template_id": self.template_id, "matched": self.matched}
        if self.reason is not None:
            out["reason"] = self.reason
        if self.explanation is not None:
            out["explanation"] = self.explanation
        return out


class _Item:
    """A line on its way to a verdict."""

    __slots__ = ("line", "uid", "template_id", "matched", "before", "after", "verdict")

    def __init__(self, line: LogLine, uid: int, template_id: int, matched: bool, before: list):
        self.line, self.uid, self.template_id, self.matched = line, uid, template_id, matched
        self.before = before  # [(uid, line number)] of the W previous lines of its file, oldest first
        self.after: list[tuple[int, int]] = []
        self.verdict: Verdict | None = None


class _File:
    """Per-file state: its format, its last W lines, and lines still waiting for their context."""

    def __init__(self, fmt: LineFormat, size: int, source: str):
        self.fmt = fmt
        self.source = source  # the file type when the run reads source tokens, else ""
        self.recent: deque[tuple[int, int]] = deque(maxlen=size)
        self.waiting: deque[_Item] = deque()


class Session:
    """One stream through a Detector. Not thread-safe: one session per stream or request."""

    def __init__(self, detector: "Detector", explain: bool, threshold: float, strict: bool):
        self.d = detector
        self.explain = explain
        self.threshold = threshold
        self.strict = strict
        self.source_token = detector.config.source_token
        self.include_current = detector.config.includes_current
        self.context = detector.window.kind == "context"
        self._files: dict[str, _File] = {}
        self._queue: deque[_Item] = deque()  # every line not yet emitted, in arrival order
        self._ready: list[_Item] = []  # window complete, not scored yet
        self._messages = detector.messages
        self._seeds: dict[str, list] = {}  # file -> [[line, message]] seen before a resume

    def feed(self, lines: list[LogLine]) -> list[Verdict]:
        """Take lines; return the verdicts that are complete, in input order."""
        for name in dict.fromkeys(l.file for l in lines if l.problem is None and l.file not in self._files):
            self._open([l.text for l in lines if l.file == name and l.problem is None][:SAMPLE_LINES], name)
        for line in lines:
            self._add(line)
        return self._flush()

    def feed_file(self, path: Path, name: str, max_bytes: int = MAX_LINE_BYTES,
                  chunk: int = 2048) -> Iterator[tuple[list[Verdict], int]]:
        """A whole file through the session: (verdicts, bytes read so far) per chunk, the file's end included."""
        batch: list[LogLine] = []
        done = 0
        for line in file_lines(path, name, max_bytes):
            batch.append(line)
            if len(batch) == chunk:
                yield self.feed(batch), line.end
                batch, done = [], line.end
        yield self.feed(batch), (batch[-1].end if batch else done)
        yield self.end_file(name), (batch[-1].end if batch else done)

    def resume(self, name: str, recent: list[list]) -> None:
        """Continue file `name` after lines an earlier run saw ([[line, message]], oldest first)."""
        self._seeds[name] = recent

    def recent(self, name: str, upto: int) -> list[list]:
        """[[line, message]] of the last lines of `name` numbered up to `upto` (what `resume` takes)."""
        state = self._files.get(name)
        return [[n, self._messages.texts[u]] for u, n in state.recent if n <= upto] if state else []

    def _open(self, sample: list[str], name: str) -> _File:
        source = file_type(name) if self.source_token else ""
        state = self._files[name] = _File(self.d.format_for(name, sample, self.strict), self.d.window.size, source)
        for number, message in self._seeds.pop(name, []):
            state.recent.append((self._messages.id(source, message), int(number)))
        return state

    def end_file(self, name: str) -> list[Verdict]:
        """The file ends (or was rotated): its waiting lines get their verdicts with what they have."""
        state = self._files.pop(name, None)
        if state is not None:
            self._ready.extend(state.waiting)
        return self._flush()

    def close(self, save_vectors: bool = True) -> list[Verdict]:
        """End of input: every remaining line gets its verdict; new vectors are saved to the cache."""
        for state in self._files.values():
            self._ready.extend(state.waiting)
        self._files.clear()
        out = self._flush()
        if save_vectors:
            self.d.store.flush()
        return out

    def _add(self, line: LogLine) -> None:
        if line.problem is not None:
            item = _Item(line, -1, -1, False, [])
            item.verdict = Verdict(line.file, line.line, 0, "unparsed", None, None, None, line.problem)
            self._queue.append(item)
            return
        state = self._files.get(line.file) or self._open([line.text], line.file)  # ended before: a new file
        fields = state.fmt.match(line.text)
        message = split_uptime(fields.message if fields is not None else line.text.strip())[1]
        template_id = self.d.miner.add(message)
        uid = self._messages.id(state.source, message)
        item = _Item(line, uid, template_id, fields is not None, list(state.recent))
        for waiting in state.waiting:
            waiting.after.append((uid, line.line))
        while state.waiting and len(state.waiting[0].after) == self.d.window.size:
            self._ready.append(state.waiting.popleft())
        state.recent.append((uid, line.line))
        self._queue.append(item)
        (state.waiting if self.context else self._ready).append(item)

    def _window(self, item: _Item) -> list[tuple[int, int]]:
        """(uid, line) of the window in training's order; (-1, 0) where a neighbour is missing."""
        size = self.d.window.size
        out = [(-1, 0)] * (size - len(item.before)) + item.before
        if self.include_current:
            out.append((item.uid, item.line.line))
        if self.context:
            out += item.after + [(-1, 0)] * (size - len(item.after))
        return out

    def _flush(self) -> list[Verdict]:
        if self._ready:
            self._score(self._ready)
            self._ready = []
        out = []
        while self._queue and self._queue[0].verdict is not None:
            out.append(self._queue.popleft().verdict)
        return out

    def _score(self, items: list[_Item]) -> None:
        """Verdicts for lines whose windows are complete; each distinct input not remembered is run once.

        The new inputs of the whole call are batched by message length, as `predict` batches: a
        batch pads to its own longest message, not to the longest of whatever arrived together.
        """
        windows = [self._window(item) for item in items]
        keys = [(item.uid, *(u for u, _ in w)) for item, w in zip(items, windows)]  # message ids: the input
        if self.explain:  # attention weights are per line: every line runs, nothing is remembered
            known: dict = {}
            todo = list(range(len(items)))
        else:
            known = dict(zip(keys, self.d.scores(keys)))
            todo = list({key: i for i, key in enumerate(keys) if known[key] is None}.values())
        # unseen messages are embedded together, one SBERT micro-batch per call, not per model batch
        involved = {u for i in todo for u in (items[i].uid, *(u for u, _ in windows[i]))}
        self._messages.embed(sorted(involved - {-1}))
        for part in self._batches(todo, items):
            probs, attention = self._run([items[i] for i in part], [windows[i] for i in part])
            for j, i in enumerate(part):
                if attention is not None:
                    items[i].verdict = self._verdict(items[i], probs[j], self._explain(items[i], windows[i],
                                                                                   attention, j))
                else:
                    known[keys[i]] = probs[j]
                    self.d.remember(keys[i], probs[j])
        for item, key in zip(items, keys):
            if item.verdict is None:
                item.verdict = self._verdict(item, known[key], None)

    def _batches(self, todo: list[int], items: list[_Item], size: int = 256) -> Iterator[list[int]]:
        """`todo` in batches of one message length where there are enough: a batch of 32 or more
        closes before a longer message, so rows pad little past their own length (measured best of
        the rules tried on nssal; smaller batches cost more per row than the padding they save)."""
        lengths = {i: len(self._messages.token_ids[items[i].uid]) for i in todo}
        part: list[int] = []
        for i in sorted(todo, key=lengths.__getitem__):
            if len(part) == size or (len(part) >= 32 and lengths[i] > lengths[part[0]]):
                yield part
                part = []
            part.append(i)
        if part:
            yield part

    def _run(self, items: list[_Item], windows: list[list[tuple[int, int]]]):
        """Probabilities (B, C), and with `explain` the impressed-attention weights, for a batch."""
        involved = sorted({item.uid for item in items} | {u for w in windows for u, _ in w if u >= 0})
        messages = self._messages  # `_score` embedded them all
        local = {uid: k for k, uid in enumerate(involved)}
        b, k = len(items), len(involved)
        # Virtual rows: 0..B-1 are the lines, B..B+k-1 one per involved message, so the windows can
        # point at rows exactly as training's `ModelInputs` do.
        message_ids = np.concatenate([[local[item.uid] for item in items], np.arange(k)]).astype(np.int64)
        window = np.full((b + k, len(windows[0])), -1, dtype=np.int64)
        window[:b] = [[b + local[u] if u >= 0 else -1 for u, _ in w] for w in windows]
        lengths = np.array([len(messages.token_ids[u]) for u in involved], dtype=np.int64)
        table = TokenTable(np.concatenate([messages.token_ids[u] for u in involved]).astype(np.int32),
                           np.concatenate([[0], np.cumsum(lengths)]))
        vectors = self.d.store.vectors[[messages.rows[u] for u in involved]]
        inputs = ModelInputs(table, vectors, message_ids, window)
        rows = np.arange(b)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.d.precision == "bf16"):
            if not self.explain:
                return predict(self.d.model, inputs, rows)[0], None
            with torch.no_grad():
                batch = inputs.batch(rows)
                logits, attention = self.d.model(*(torch.from_numpy(a) for a in batch), return_attention=True)
        return (torch.softmax(logits.float(), -1).numpy(),
                {k: v.float().numpy() for k, v in attention.items()})

    def _verdict(self, item: _Item, probs: np.ndarray, explanation: dict | None) -> Verdict:
        anomalous = float(1.0 - probs[0])
        label = int(anomalous >= self.threshold)
        cls = self.d.classes[1 + int(np.argmax(probs[1:]))] if label else self.d.classes[0]
        line = item.line
        return Verdict(line.file, line.line, label, cls, round(anomalous, 6), item.template_id, item.matched,
                       None, explanation)

    def _explain(self, item: _Item, window: list[tuple[int, int]], attention: dict, j: int,
                 top_lines: int = 3, top_words: int = 5) -> dict:
        """The neighbouring lines the message's words attended to most, and the words the window did.

        Weights are the last block's impressed attention, averaged over heads and over the attending
        positions; the line itself (a window row when the window includes it) is not listed.
        """
        if "semantic" not in attention:
            return {"note": "this run has no impressed attention (an ablation); nothing to explain by"}
        words = self._messages.tokens[item.uid]
        to_rows = attention["semantic"][j, :max(len(words), 1)].mean(axis=0)  # (Lw,) one weight per window row
        lines = []
        for c, weight in sorted(enumerate(to_rows), key=lambda t: -t[1]):
            uid, number = window[c]
            if uid >= 0 and number != item.line.line and len(lines) < top_lines:
                lines.append({"line": number, "offset": number - item.line.line, "weight": round(float(weight), 4),
                              "message": self._messages.texts[uid][:200]})
        real = [c for c, (uid, _) in enumerate(window) if uid >= 0]
        to_words = attention["sequence"][j, real, :len(words)].mean(axis=0) if real and words else np.zeros(0)
        best: dict[str, float] = {}
        for word, weight in zip(words, to_words):  # a repeated word counts once, at its strongest
            best[word] = max(best.get(word, 0.0), float(weight))
        ranked = sorted(best.items(), key=lambda t: -t[1])[:top_words]
        return {"lines": lines, "words": [{"word": w, "weight": round(x, 4)} for w, x in ranked]}
