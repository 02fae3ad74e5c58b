"""A trained run loaded for detection: model, vocabulary, templates, MessageStore, remembered scores.

`Detector.session()` opens the streaming core (`session.py`) that `colog detect`, `colog watch` and
`colog serve` all run; `Detector.detect(lines)` is that stream for the Python API.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np
from safetensors.torch import load_file

from colog.artifacts import read_json
from colog.datasets import resolve
from colog.detection.lines import LogLine, classify
from colog.detection.session import Session, Verdict
from colog.errors import CologError, FormatError
from colog.experiment.config import ExperimentConfig
from colog.features.inputs import message_tokens
from colog.features.store import MessageStore, SbertEncoder
from colog.features.tokens import Vocabulary
from colog.model import CoLog, CoLogConfig
from colog.model.int8 import quantize
from colog.parsing.fields import LineFormat
from colog.parsing.parser import ParseConfig, choose_format, resolve_format
from colog.parsing.templates import TemplateMiner

logger = logging.getLogger(__name__)

RUN_FILES = ("config.json", "vocab.json", "model.json", "model.safetensors", "templates.json", "metrics.json")
CACHE_SIZE = 100_000  # distinct model inputs whose probabilities are remembered
PRECISIONS = ("fp32", "bf16", "int8")


class Detector:
    """A trained run, loaded for detection: model, vocabulary, templates and the MessageStore."""

    def __init__(self, rundir: Path, model: CoLog, config: ExperimentConfig, vocab: Vocabulary,
                 miner: TemplateMiner, store: MessageStore, format_spec: str, fallback_format: str | None,
                 classes: list[str], metrics: dict, precision: str = "fp32"):
        if precision not in PRECISIONS:
            raise CologError(f"unknown precision {precision!r}; valid: {', '.join(PRECISIONS)}")
        # bf16 autocast or int8 matrix products: probabilities within ~1e-2 of fp32's (docs/performance.md)
        self.precision = precision
        self.rundir = rundir
        self.model = quantize(model) if precision == "int8" else model.eval()
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
        self._cache: OrderedDict[tuple[int, ...], np.ndarray] = OrderedDict()

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

    def session(self, explain: bool = False, threshold: float = 0.5, strict: bool = False) -> Session:
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

    def scores(self, keys: list[tuple[int, ...]]) -> list[np.ndarray | None]:
        """Remembered probabilities of distinct inputs (None where not seen yet)."""
        out = []
        for key in keys:
            probs = self._cache.get(key)
            if probs is not None:
                self._cache.move_to_end(key)
            out.append(probs)
        return out

    def remember(self, key: tuple[int, ...], probs: np.ndarray) -> None:
        self._cache[key] = probs
        if len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)


def text_line(text: str, number: int, file: str = "-") -> LogLine:
    """A LogLine from text that arrived without a file (the Python API, HTTP)."""
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
            tokens = message_tokens(source, message, self.max_len)
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
