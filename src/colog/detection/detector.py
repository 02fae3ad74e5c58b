"""Verdicts for new log lines from a trained run: the one streaming path under detect, watch and serve.

Lines go in, in order; each leaves as a Verdict once its window is complete: at once for a
`background` window, after W more lines of its file for a `context` window (or when its file or
the input ends). Parsing continues the run's Drain templates; unseen messages are embedded in
micro-batches into the MessageStore; identical model inputs are scored once across the stream.
Features are built exactly as in training (`features.inputs`), so a line scores the same here as
in `colog evaluate`.
"""

from __future__ import annotations

import logging
from collections import OrderedDict, deque
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np
import torch
from safetensors.torch import load_file

from colog.artifacts import read_json
from colog.datasets import resolve
from colog.detection.lines import LogLine
from colog.errors import CologError, FormatError
from colog.experiment.config import ExperimentConfig
from colog.features.inputs import ModelInputs
from colog.features.store import MessageStore, SbertEncoder
from colog.features.tokens import TokenTable, Vocabulary, tokenize
from colog.model import CoLog, CoLogConfig
from colog.parsing.fields import LineFormat
from colog.parsing.parser import ParseConfig, choose_format, resolve_format, split_uptime
from colog.parsing.readers import file_type
from colog.parsing.templates import TemplateMiner
from colog.training.predict import predict

logger = logging.getLogger(__name__)

RUN_FILES = ("config.json", "vocab.json", "model.json", "model.safetensors", "templates.json", "metrics.json")
SAMPLE_LINES = 200  # a new file's format is chosen from (at most) this many of its first lines
CACHE_SIZE = 100_000  # distinct model inputs whose probabilities are remembered
PRECISIONS = ("fp32", "bf16")


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


class Detector:
    """A trained run, loaded for detection: model, vocabulary, templates and the MessageStore."""

    def __init__(self, rundir: Path, model: CoLog, config: ExperimentConfig, vocab: Vocabulary,
                 miner: TemplateMiner, store: MessageStore, format_spec: str, fallback_format: str | None,
                 classes: list[str], metrics: dict, precision: str = "fp32"):
        if precision not in PRECISIONS:
            raise CologError(f"unknown precision {precision!r}; valid: {', '.join(PRECISIONS)}")
        self.precision = precision  # bf16: ~1.8x faster forward passes, probabilities within ~1e-2
        self.rundir = rundir
        self.model = model.eval()
        self.config = config
        self.vocab = vocab
        self.miner = miner
        self.store = store
        self.format_spec = format_spec  # "auto", a format name or a header string
        self.fallback_format = fallback_format  # the format most training files had
        self.classes = classes
        self.metrics = metrics
        self.window = config.window_spec
        self.messages = _Messages(vocab, store, config.model.max_len)
        self._cache: OrderedDict[bytes, np.ndarray] = OrderedDict()

    @classmethod
    def load(cls, rundir: str | Path, store: MessageStore | None = None, precision: str = "fp32") -> "Detector":
        """Load a run directory made by `colog train`; any missing or foreign file is a one-line error."""
        rundir = Path(rundir)
        if not rundir.is_dir():
            raise CologError(f"{rundir}: no such run directory")
        missing = [f for f in RUN_FILES if not (rundir / f).is_file()]
        if missing == ["templates.json"]:
            raise CologError(f"{rundir}: run made before detection existed (no templates.json); "
                             f"`colog evaluate {rundir}` adds it")
        if missing:
            raise CologError(f"{rundir}: not a complete colog run directory (missing: {', '.join(missing)})")
        config = ExperimentConfig.from_dict(read_json(rundir / "config.json", "run config"))
        vocab = Vocabulary.load(rundir / "vocab.json")
        model_config = CoLogConfig.from_dict(read_json(rundir / "model.json", "model config"))
        try:
            weights = load_file(str(rundir / "model.safetensors"))
            model = CoLog(model_config, weights.get("embed.weight"))
            model.load_state_dict(weights)
        except Exception as exc:  # safetensors raises its own error types for truncated files
            raise CologError(f"{rundir}: model.safetensors does not load into model.json's network ({exc})") from exc
        if model_config.semantic and len(vocab) != model.embed.num_embeddings:
            raise CologError(f"{rundir}: vocab.json has {len(vocab)} words, the model {model.embed.num_embeddings}")
        templates = read_json(rundir / "templates.json", "template state")
        miner = TemplateMiner.from_state(templates.get("drain") if isinstance(templates, dict) else None)
        metrics = read_json(rundir / "metrics.json", "metrics")
        classes = metrics.get("classes") or (["normal", "anomaly"] if config.task == "point" else None)
        if not classes or len(classes) != model_config.n_classes:
            raise CologError(f"{rundir}: metrics.json names classes {classes}, the model has {model_config.n_classes}")
        spec = resolve(config.dataset, config.format, config.rule)[0]
        return cls(rundir, model, config, vocab, miner, store or MessageStore(SbertEncoder()), spec,
                   templates.get("format"), list(classes), metrics, precision)

    def format_for(self, name: str, sample: list[str], strict: bool) -> LineFormat:
        """The format of a new file, chosen from its first lines as training chose it.

        Not strict (a stream): a sample no format fits falls back to the training format, and the
        lines that do not fit are scored whole, as training scored its unmatched lines.
        """
        hint = resolve_format(self.fallback_format) if self.fallback_format else None
        try:
            if not sample:
                raise FormatError(f"{name}: no lines to choose a format from")
            return choose_format(sample, ParseConfig(format=self.format_spec), name, hint)
        except FormatError:
            if strict:
                raise
            return hint or resolve_format(self.format_spec)

    def session(self, explain: bool = False, threshold: float = 0.5, strict: bool = False) -> "Session":
        if not 0.0 < threshold <= 1.0:
            raise CologError(f"threshold {threshold} is outside (0, 1]")
        return Session(self, explain, threshold, strict)

    def detect(self, lines: Iterable[LogLine | str], explain: bool = False, threshold: float = 0.5,
               chunk: int = 1024, strict: bool = False, file: str = "-") -> Iterator[Verdict]:
        """Verdicts for `lines` in input order. Plain strings are one stream named `file`: for OS logs
        name it as the log is named (auth.log, kern.log), since the file type is the source token."""
        session = self.session(explain, threshold, strict)
        batch: list[LogLine] = []
        for i, item in enumerate(lines, start=1):
            batch.append(item if isinstance(item, LogLine) else text_line(item, i, file))
            if len(batch) >= chunk:
                yield from session.feed(batch)
                batch = []
        yield from session.feed(batch)
        yield from session.close()

    @property
    def distinct_inputs(self) -> int:
        """Distinct model inputs whose scores are remembered (at most CACHE_SIZE)."""
        return len(self._cache)

    def scores(self, keys: list[bytes]) -> list[np.ndarray | None]:
        """Remembered probabilities of distinct inputs (None where not seen yet)."""
        out = []
        for key in keys:
            probs = self._cache.get(key)
            if probs is not None:
                self._cache.move_to_end(key)
            out.append(probs)
        return out

    def remember(self, key: bytes, probs: np.ndarray) -> None:
        self._cache[key] = probs
        if len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)


def text_line(text: str, number: int, file: str = "-") -> LogLine:
    """A LogLine from text that arrived without a file (the Python API, HTTP, stdin)."""
    from colog.detection.lines import classify

    return LogLine(file, number, *classify(text.rstrip("\r\n").encode("utf-8", "replace")))


class _Messages:
    """Every (source, message) a detector has seen, with its token ids and MessageStore row.

    Ids are the detector's, shared by all its sessions, so remembered scores stay valid across them.
    """

    def __init__(self, vocab: Vocabulary, store: MessageStore, max_len: int):
        self.vocab, self.store, self.max_len = vocab, store, max_len
        self._ids: dict[tuple[str, str], int] = {}
        self.texts: list[str] = []
        self.tokens: list[list[str]] = []
        self.token_ids: list[np.ndarray] = []
        self.rows: list[int] = []  # MessageStore row per id, -1 until embedded

    def id(self, source: str, message: str) -> int:
        """The id of a message from a file of type `source` ("" without source tokens)."""
        uid = self._ids.get((source, message))
        if uid is None:
            uid = self._ids[(source, message)] = len(self.texts)
            tokens = tokenize(message, self.max_len - (1 if source else 0))  # as LineMessages.tokens
            tokens = [f"<{source}>", *tokens] if source else tokens
            self.texts.append(message)
            self.tokens.append(tokens)
            self.token_ids.append(np.asarray(self.vocab.encode(tokens), dtype=np.int32))
            self.rows.append(-1)
        return uid

    def embed(self, uids: list[int]) -> None:
        """Make sure these messages have vectors; new ones are embedded together (a micro-batch)."""
        new = [u for u in uids if self.rows[u] < 0]
        if new:
            rows = self.store.ids([self.texts[u] for u in new], save=False)
            for u, row in zip(new, rows):
                self.rows[u] = int(row)


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

    def __init__(self, fmt: LineFormat, size: int):
        self.fmt = fmt
        self.recent: deque[tuple[int, int]] = deque(maxlen=size)
        self.waiting: deque[_Item] = deque()


class Session:
    """One stream through a Detector. Not thread-safe: one session per stream or request."""

    def __init__(self, detector: Detector, explain: bool, threshold: float, strict: bool):
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

    def resume(self, name: str, recent: list[list]) -> None:
        """Continue file `name` after lines an earlier run saw ([[line, message]], oldest first)."""
        self._seeds[name] = recent

    def recent(self, name: str, upto: int) -> list[list]:
        """[[line, message]] of the last lines of `name` numbered up to `upto` (what `resume` takes)."""
        state = self._files.get(name)
        return [[n, self._messages.texts[u]] for u, n in state.recent if n <= upto] if state else []

    def _open(self, sample: list[str], name: str) -> _File:
        state = self._files[name] = _File(self.d.format_for(name, sample, self.strict), self.d.window.size)
        source = file_type(name) if self.source_token else ""
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

    @property
    def pending(self) -> int:
        """Lines taken but not yet returned as verdicts."""
        return len(self._queue)

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
        uid = self._messages.id(file_type(line.file) if self.source_token else "", message)
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
        windows = [self._window(item) for item in items]
        keys = [np.array([item.uid, *(u for u, _ in w)], dtype=np.int64).tobytes() for item, w in zip(items, windows)]
        known = [None] * len(items) if self.explain else self.d.scores(keys)
        todo = [i for i, probs in enumerate(known) if probs is None]
        for lo in range(0, len(todo), 256):
            part = todo[lo:lo + 256]
            probs, attention = self._run([items[i] for i in part], [windows[i] for i in part])
            for j, i in enumerate(part):
                known[i] = probs[j]
                if attention is not None:
                    items[i].verdict = self._verdict(items[i], probs[j], self._explain(items[i], windows[i],
                                                                                   attention, j))
                else:
                    self.d.remember(keys[i], probs[j])
        for item, probs in zip(items, known):
            if item.verdict is None:
                item.verdict = self._verdict(item, probs, None)

    def _run(self, items: list[_Item], windows: list[list[tuple[int, int]]]):
        """Probabilities (B, C), and with `explain` the impressed-attention weights, for a batch."""
        involved = sorted({item.uid for item in items} | {u for w in windows for u, _ in w if u >= 0})
        messages = self._messages
        messages.embed(involved)
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
