"""Input lines for detection: every raw line becomes one LogLine, the bad ones flagged, never dropped.

Detection promises one verdict per input line, so blank, binary and oversized lines are kept with
the reason they cannot be scored. Reading is bounded: a 10 MB line or a newline-free binary blob
costs at most `max_bytes` of memory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator, NamedTuple

from colog.parsing.readers import binary_reason, clean_line, open_log

MAX_LINE_BYTES = 1 << 20  # longer lines are not log lines; they get a verdict of class "unparsed"


class LogLine(NamedTuple):
    """One input line: where it came from, its text, and why it cannot be scored (or None)."""

    file: str
    line: int  # 1-based line number in its file or stream
    text: str
    problem: str | None = None  # "blank", "binary", "too long"
    end: int = 0  # byte offset just after the line (where a resumed reader continues)


def classify(raw: bytes, max_bytes: int = MAX_LINE_BYTES) -> tuple[str, str | None]:
    """The text of a raw line (without its newline) and its problem, if any."""
    if len(raw) > max_bytes:
        return "", "too long"
    if not raw.isascii() or b"\x00" in raw:
        if binary_reason(raw[:8192]) is not None:
            return "", "binary"
    text = clean_line(raw)
    return (text, None) if text.strip() else ("", "blank")


class LineSplitter:
    """Bytes as they arrive -> LogLines; a line longer than `max_bytes` is dropped as it streams past.

    Keeps the partial last line between calls, so a file can be read in blocks or tailed.
    """

    def __init__(self, name: str, max_bytes: int = MAX_LINE_BYTES, line: int = 0, offset: int = 0):
        self.name = name
        self.max_bytes = max_bytes
        self.line = line  # number of the last line produced
        self.offset = offset  # byte offset just after it
        self._buf = bytearray()
        self._size = 0  # bytes of the current, unfinished line
        self._too_long = False

    def feed(self, data: bytes) -> list[LogLine]:
        out: list[LogLine] = []
        start = 0
        while True:
            nl = data.find(b"\n", start)
            end = len(data) if nl < 0 else nl + 1
            self._size += end - start
            if not self._too_long:
                self._buf += data[start:end]
                if len(self._buf) > self.max_bytes + 1:
                    self._too_long = True
                    self._buf = bytearray()
            if nl < 0:
                return out
            out.append(self._emit())
            start = end

    def finish(self) -> list[LogLine]:
        """End of the file: a last line without a newline is a line too."""
        return [self._emit()] if self._size else []

    @property
    def partial(self) -> int:
        """Bytes of an unfinished line read so far."""
        return self._size

    def _emit(self) -> LogLine:
        self.line += 1
        self.offset += self._size
        if self._too_long:
            text, problem = "", "too long"
        else:
            text, problem = classify(bytes(self._buf).rstrip(b"\r\n"), self.max_bytes)
        self._buf, self._size, self._too_long = bytearray(), 0, False
        return LogLine(self.name, self.line, text, problem, self.offset)


def file_lines(path: Path, name: str, max_bytes: int = MAX_LINE_BYTES, block: int = 1 << 20) -> Iterator[LogLine]:
    """Every line of a file (decompressed; `-`: standard input), numbered as the parser numbers them (1-based,
    blank lines counted)."""
    splitter = LineSplitter(name, max_bytes)
    with open_log(path) as fh:
        while data := fh.read(block):
            yield from splitter.feed(data)
    yield from splitter.finish()
