"""The streaming core of detection: lines in, in order; each leaves as a Verdict once its window is complete.

At once for a `background` window, after W more lines of its file for a `context` window (or when
its file or the input ends). The session keeps the order and the windows; scoring is the run's
(`Scoring`, which a `Detector` is).
"""

from __future__ import annotations

from collections import deque
from datetime import datetime
from pathlib import Path
from typing import Iterator, Protocol

import numpy as np

from colog.detection.config import DetectConfig
from colog.detection.lines import LogLine, file_lines
from colog.detection.scoring import MISSING, Window
from colog.detection.verdict import Interned, Verdict
from colog.labeling import WindowSpec
from colog.parsing.fields import NO_YEAR, Fields, LineFormat
from colog.parsing.parser import split_uptime
from colog.parsing.readers import STDIN
from colog.parsing.years import Rollover, near

SAMPLE_LINES = 200  # a new file's format is chosen from (at most) this many of its first lines
# lines of a file scored together: bigger chunks give SBERT and the model bigger, less padded batches (cold nssal
# detection, paired runs: 8,192 lines 10 % faster than 2,048, 32,768 another 6 %); peak RSS on 1,000,000 lines
# 474 MB against 412 MB (benchmarks/detect_memory.py)
FILE_CHUNK = 32768


class Scoring(Protocol):
    """What a session needs of a trained run."""

    window: WindowSpec
    include_current: bool  # the line's own message is a window row
    classes: list[str]

    def open_file(self, name: str, sample: list[str], strict: bool) -> tuple[LineFormat, str]:
        """The file's format, chosen from its first lines, and its source token ("" for none)."""

    def intern(self, source: str, message: str) -> Interned:
        """The message's id, template and share of words the run does not know."""

    def score(self, windows: list[Window], explain_above: float | None) -> list[tuple[np.ndarray, dict | None]]:
        """(class probabilities, explanation or None) per window; windows whose P(anomalous) reaches
        `explain_above` are explained."""

    def flush(self) -> None:
        """Save what scoring learned (new message vectors)."""


class _Item:
    """A line on its way to a verdict."""

    __slots__ = ("line", "uid", "interned", "fields", "message", "before", "after", "verdict")

    def __init__(self, line: LogLine, interned: Interned | None, fields: Fields | None, message: str, before: list):
        self.line, self.interned, self.fields, self.message = line, interned, fields, message
        self.uid = interned.uid if interned is not None else -1
        self.before = before  # [(uid, line number)] of the W previous lines of its file, oldest first
        self.after: list[tuple[int, int]] = []
        self.verdict: Verdict | None = None


class _File:
    """Per-file state: its format, its last W lines, and lines still waiting for their context."""

    def __init__(self, fmt: LineFormat, size: int, source: str, written: datetime, year: int | None):
        self.fmt = fmt
        self.source = source  # the file type when the run reads source tokens, else ""
        self.written = written  # when the file was last written: a header without a year is read near it ...
        self.years = Rollover(year) if year is not None else None  # ... unless its first line's year is given
        self.recent: deque[tuple[int, int, str]] = deque(maxlen=size)  # (uid, line number, message)
        self.waiting: deque[_Item] = deque()


class Session:
    """One stream through a trained run. Not thread-safe: one session per stream or request."""

    def __init__(self, scoring: Scoring, config: DetectConfig):
        self.scoring = scoring
        self.config = config
        self.window = scoring.window
        self._files: dict[str, _File] = {}
        self._queue: deque[_Item] = deque()  # every line not yet emitted, in arrival order
        self._ready: list[_Item] = []  # window complete, not scored yet
        self._seeds: dict[str, list] = {}  # file -> [[line, message]] seen before a resume
        self._written: dict[str, datetime] = {}  # file -> its modification time, for files read whole
        self.guessed_years: dict[str, int] = {}  # file -> the year its first yearless header got from `written`

    def feed(self, lines: list[LogLine]) -> list[Verdict]:
        """Take lines; return the verdicts that are complete, in input order."""
        for name in dict.fromkeys(l.file for l in lines if l.problem is None and l.file not in self._files):
            self._open([l.text for l in lines if l.file == name and l.problem is None][:SAMPLE_LINES], name)
        for line in lines:
            self._add(line)
        return self._flush()

    def feed_file(self, path: Path, name: str, chunk: int = FILE_CHUNK) -> Iterator[tuple[list[Verdict], int]]:
        """A whole file through the session: (verdicts, bytes read so far) per chunk, the file's end included."""
        if path != STDIN:
            self._written[name] = datetime.fromtimestamp(path.stat().st_mtime)
        batch: list[LogLine] = []
        done = 0
        for line in file_lines(path, name, self.config.max_line_bytes):
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
        return [[n, message] for _, n, message in state.recent if n <= upto] if state else []

    def _open(self, sample: list[str], name: str) -> _File:
        fmt, source = self.scoring.open_file(name, sample, self.config.strict)
        state = self._files[name] = _File(fmt, self.window.size, source, self._written.pop(name, datetime.now()),
                                          self.config.year)
        for number, message in self._seeds.pop(name, []):
            state.recent.append((self.scoring.intern(source, message).uid, int(number), message))
        return state

    def end_file(self, name: str) -> list[Verdict]:
        """The file ends (or was rotated): its waiting lines get their verdicts with what they have."""
        state = self._files.pop(name, None)
        if state is not None:
            self._ready.extend(state.waiting)
        return self._flush()

    def flush_waiting(self) -> list[Verdict]:
        """Lines still waiting for their context (a quiet log's last lines) get their verdicts now, with the
        rows that have not come masked; later lines do not change them."""
        for state in self._files.values():
            self._ready.extend(state.waiting)
            state.waiting.clear()
        return self._flush()

    def close(self, save_vectors: bool = True) -> list[Verdict]:
        """End of input: every remaining line gets its verdict; new vectors are saved to the cache. `recent`
        still answers, so a watch saves the lines the next run's first windows need."""
        out = self.flush_waiting()
        if save_vectors:
            self.scoring.flush()
        return out

    def _add(self, line: LogLine) -> None:
        if line.problem is not None:
            item = _Item(line, None, None, "", [])
            item.verdict = Verdict(line.file, line.line, 0, "unparsed", None, None, None, line.problem)
            self._queue.append(item)
            return
        state = self._files.get(line.file) or self._open([line.text], line.file)  # ended before: a new file
        fields = state.fmt.match(line.text)
        if fields is not None and fields.timestamp is not None and fields.timestamp.year == NO_YEAR:
            if state.years is not None:
                fields = fields._replace(timestamp=state.years(fields.timestamp))
            else:
                fields = fields._replace(timestamp=near(fields.timestamp, state.written))
                self.guessed_years.setdefault(line.file, fields.timestamp.year)
        message = split_uptime(fields.message if fields is not None else line.text.strip())[1]
        interned = self.scoring.intern(state.source, message)
        uid = interned.uid
        item = _Item(line, interned, fields, message, [(u, n) for u, n, _ in state.recent])
        for waiting in state.waiting:
            waiting.after.append((uid, line.line))
        while state.waiting and len(state.waiting[0].after) == self.window.size:
            self._ready.append(state.waiting.popleft())
        state.recent.append((uid, line.line, message))
        self._queue.append(item)
        (state.waiting if self.window.kind == "context" else self._ready).append(item)

    def _window(self, item: _Item) -> Window:
        """The item's model input in training's row order."""
        size = self.window.size
        rows = [MISSING] * (size - len(item.before)) + item.before
        if self.scoring.include_current:
            rows.append((item.uid, item.line.line))
        if self.window.kind == "context":
            rows += item.after + [MISSING] * (size - len(item.after))
        return Window(item.uid, item.line.line, rows)

    def _flush(self) -> list[Verdict]:
        if self._ready:
            scores = self.scoring.score([self._window(item) for item in self._ready],
                                        self.config.threshold if self.config.explain else None)
            for item, (probs, explanation) in zip(self._ready, scores):
                item.verdict = self._verdict(item, probs, explanation)
            self._ready = []
        out = []
        while self._queue and self._queue[0].verdict is not None:
            out.append(self._queue.popleft().verdict)
        return out

    def _verdict(self, item: _Item, probs: np.ndarray, explanation: dict | None) -> Verdict:
        anomalous = float(1.0 - probs[0])
        label = int(anomalous >= self.config.threshold)
        classes = self.scoring.classes
        cls = classes[1 + int(np.argmax(probs[1:]))] if label else classes[0]
        line, template, fields = item.line, item.interned.template, item.fields
        return Verdict(line.file, line.line, label, cls, round(anomalous, 6), template.id, matched=fields is not None,
                       explanation=explanation, template=template.text, new_template=template.new,
                       timestamp=fields and fields.timestamp, host=fields and fields.host,
                       component=fields and fields.component, message=item.message, oov=item.interned.oov)
