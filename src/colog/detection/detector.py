"""A trained run loaded for detection: how new files are parsed, templated and scored.

`Detector.session()` opens the streaming core (`session.py`) that `colog detect`, `colog watch` and
`colog serve` all run; `Detector.detect(lines)` is that stream for the Python API.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from colog.detection.config import DetectConfig, Precision
from colog.detection.familiarity import MIN_LINES, NEW_TEMPLATE_SHARE, OOV_SHARE
from colog.detection.lines import LogLine, classify
from colog.detection.scoring import Scorer, Window
from colog.detection.session import Session
from colog.detection.verdict import Interned, Template, Verdict
from colog.errors import FormatError, choose
from colog.features import MessageStore, sbert_encoder
from colog.labeling.datasets import resolve
from colog.model.int8 import quantize
from colog.parsing.fields import LineFormat
from colog.parsing.parser import ParseConfig, choose_format, match_share, resolve_format
from colog.parsing.readers import file_type
from colog.parsing.templates import template_key
from colog.rundir import SavedRun, load_run

logger = logging.getLogger(__name__)

TEMPLATE_CACHE = 100_000  # distinct messages whose template is remembered
OWN_SHARE = 0.9  # a new file is read in the run's own format when it fits this share of its first lines
FALLBACK_TYPE = "syslog"  # the file type an unknown one is read as


class Detector:
    """A trained run, loaded for detection; what a Session asks of it is `open_file`, `intern`, `score` and
    `flush`, with the run's `window`, `include_current` and `classes`."""

    def __init__(self, run: SavedRun, store: MessageStore | None = None, precision: Precision | str = "fp32"):
        self.precision = choose(Precision, precision, "precision")
        self.rundir = run.path
        self.config = run.config
        self.metrics = run.metrics
        self.classes = run.classes
        self.window = run.config.window_spec
        self.include_current = run.config.includes_current
        self.store = store or MessageStore(sbert_encoder())
        self.miner = run.miner()  # the training templates, matched and never changed
        self._templates: dict[str, Template] = {}  # message -> its template, remembered
        model = quantize(run.model) if self.precision == Precision.int8 else run.model
        self.scorer = Scorer(model, run.vocab, self.store, self.precision)
        self._known = set(run.vocab.source_types) if self.config.source_token else None
        spec = resolve(run.config.dataset, run.config.format, run.config.rule)[0]  # "auto", a name, a header string
        # the run's format (under auto, the one most training files had): tried first on a new file, and what a
        # stream no format fits is read with
        self._own = resolve_format(spec if spec != "auto" else run.templates.get("format") or "syslog")

    @classmethod
    def load(cls, rundir: str | Path, store: MessageStore | None = None,
             precision: Precision | str = "fp32") -> "Detector":
        """Load a run directory made by `colog train`; any missing or foreign file is a one-line error."""
        return cls(load_run(rundir), store, precision)

    def open_file(self, name: str, sample: list[str], strict: bool) -> tuple[LineFormat, str]:
        """The format of a new file and its source token: the run's own format when it fits the file's first
        lines, else whichever known format does (journald JSON from a run trained on syslog files: the message
        is what the model reads).

        Not strict (a stream): a sample no format fits is read with the run's format, and the lines that
        do not fit are scored whole, as training scored its unmatched lines.
        """
        source = self._source(name)
        if sample and match_share(self._own, sample) >= OWN_SHARE:
            return self._own, source
        try:
            if not sample:
                raise FormatError(f"{name}: no lines to choose a format from")
            return choose_format(sample, ParseConfig(), name), source
        except FormatError:
            if strict:
                raise
            return self._own, source

    def _source(self, name: str) -> str:
        """The source token a file is read with: its type; a type the model has no token for is read as `syslog`,
        the catch-all file syslog daemons write, when the model knows that one (a token it never saw means
        nothing to it)."""
        if not self.config.source_token:
            return ""
        kind, known = file_type(name), self.known_types() or set()
        return kind if kind in known or FALLBACK_TYPE not in known else FALLBACK_TYPE

    def intern(self, source: str, message: str) -> Interned:
        """A message from a file of type `source`: its id, its template and the share of its words the run's
        vocabulary lacks. The training templates stay as trained; a message none fits is a new template of its
        own (its masked text)."""
        template = self._templates.get(message)
        if template is None:
            if len(self._templates) >= TEMPLATE_CACHE:
                self._templates.clear()
            text, new = self.miner.describe(message)
            template = self._templates[message] = Template(template_key(text), text, new)
        messages = self.scorer.messages
        uid = messages.id(source, message)
        return Interned(uid, template, messages.oov[uid])

    def score(self, windows: list[Window], explain_above: float | None) -> list[tuple[np.ndarray, dict | None]]:
        """(class probabilities, explanation or None) per window; those reaching `explain_above` explained."""
        return self.scorer.score(windows, explain_above)

    def known_types(self) -> set[str] | None:
        """The file types the model has a source token for (None: it reads no source token)."""
        return self._known

    def knowledge(self) -> dict:
        """What the model knows, for a person judging whether it fits their logs."""
        return {"file_types": sorted(self.known_types() or []), "vocabulary": len(self.scorer.messages.vocab),
                "templates": self.miner.n_templates, "thresholds": {"oov_share": OOV_SHARE,
                                                                   "new_template_share": NEW_TEMPLATE_SHARE,
                                                                   "min_lines": MIN_LINES}}

    def flush(self) -> None:
        """Save the vectors of messages embedded since the last flush to the cache."""
        self.store.flush()

    def session(self, config: DetectConfig | None = None) -> Session:
        """A stream of lines through this detector; one per stream or request."""
        return Session(self, config or DetectConfig())

    def detect(self, lines: Iterable[LogLine | str], config: DetectConfig | None = None, *, file: str = "-",
               chunk: int = 1024) -> Iterator[Verdict]:
        """Verdicts for `lines` in input order. Plain strings are one stream named `file`: for OS logs
        name it as the log is named (auth.log, kern.log), since the file type is the source token."""
        session = self.session(config)
        batch: list[LogLine] = []
        for i, item in enumerate(lines, start=1):
            batch.append(item if isinstance(item, LogLine) else text_line(item, i, file))
            if len(batch) >= chunk:
                yield from session.feed(batch)
                batch = []
        yield from session.feed(batch)
        yield from session.close()


def text_line(text: str, number: int, file: str = "-") -> LogLine:
    """A LogLine from text that arrived without a file (the Python API, HTTP)."""
    return LogLine(file, number, *classify(text.rstrip("\r\n").encode("utf-8", "replace")))
