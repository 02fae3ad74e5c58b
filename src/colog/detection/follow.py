"""Following a growing log file by name: rotation, truncation, and resuming where the last run stopped.

The follower reads whatever bytes are there (a natural micro-batch), so a quiet log gets per-line
latency and a busy one gets batches. A rotated file (a new inode at the path) is read to its end
first; a truncated one (copytruncate) starts over at line 1. `WatchState` is the small JSON a
restart resumes from: file identity, byte offset and line number of the last line emitted and the
lines before it (for the next line's window). Templates need no state: they stay as trained.
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from colog.artifacts import atomic_path
from colog.detection.config import DetectConfig
from colog.detection.lines import MAX_LINE_BYTES, LineSplitter, LogLine
from colog.errors import CologError, InputError

STATE_VERSION = 1

logger = logging.getLogger(__name__)


@dataclass
class WatchState:
    """Where a watch stopped: enough to continue without emitting a line twice."""

    path: str
    device: int
    inode: int
    offset: int  # bytes of the file already emitted
    line: int  # number of the last line emitted
    recent: list[list] = field(default_factory=list)  # [[line, message]] of the last W lines, oldest first

    def save(self, path: Path) -> None:
        with atomic_path(path) as tmp:
            tmp.write_text(json.dumps({"version": STATE_VERSION, **asdict(self)}), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> "WatchState | None":
        if not path.is_file():
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.pop("version", None) != STATE_VERSION:
                raise ValueError("another version")
            data.pop("templates", None)  # learned templates, saved until templates stayed as trained
            return cls(**data)
        except (OSError, ValueError, TypeError) as exc:
            raise CologError(f"{path}: not a colog watch state ({exc}); delete it to start afresh") from exc


class Follower:
    """New lines of one path as they are written.

    `poll` returns (lines, ended): with `ended` True the file being read has ended (rotated or
    truncated) after `lines`, and the next poll reads the new file from its first line.
    """

    def __init__(self, path: Path, from_start: bool = False, state: WatchState | None = None,
                 max_bytes: int = MAX_LINE_BYTES):
        self.path = path
        self.name = path.name
        self.max_bytes = max_bytes
        self._fh = None
        self._id: tuple[int, int] | None = None
        self.resumed = False  # continuing the file a saved state describes
        if not self._open(from_start, state):  # like tail -F: a log not yet created is waited for, but not in silence
            if not path.parent.is_dir():
                raise InputError(f"{path}: directory {path.parent} does not exist, so the log cannot appear")
            logger.warning("%s does not exist yet; waiting for it to appear", path)

    @property
    def identity(self) -> tuple[int, int] | None:
        """(device, inode) of the file being read."""
        return self._id

    def _open(self, from_start: bool, state: WatchState | None) -> bool:
        try:
            fh = self.path.open("rb")
        except FileNotFoundError:
            return False  # not there (yet): poll again
        except OSError as exc:
            raise InputError(f"{self.path}: cannot read ({exc.strerror})") from exc
        st = os.fstat(fh.fileno())
        self._fh, self._id = fh, (st.st_dev, st.st_ino)
        if state is not None and (state.device, state.inode) == self._id and state.offset <= st.st_size:
            fh.seek(state.offset)  # the same file, not truncated below what we emitted: resume
            self.resumed = True
            self._splitter = LineSplitter(self.name, self.max_bytes, line=state.line, offset=state.offset)
        elif from_start or state is not None:  # a new file since the state was saved: all of it is new
            self._splitter = LineSplitter(self.name, self.max_bytes)
        else:  # start after the last complete line, numbering lines as the file does
            lines, offset = _complete_lines(fh)
            fh.seek(offset)
            self._splitter = LineSplitter(self.name, self.max_bytes, line=lines, offset=offset)
        return True

    def poll(self, block: int = 1 << 20) -> tuple[list[LogLine], bool]:
        if self._fh is None:
            return ([], False) if not self._open(True, None) else self.poll(block)
        lines = self._read(block)
        if lines:
            return lines, False
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return [], False  # rotated away, the new file not created yet: keep what we have
        size = os.fstat(self._fh.fileno()).st_size
        rotated = (st.st_dev, st.st_ino) != self._id
        if rotated or size < self._splitter.offset + self._splitter.partial:
            last = self._splitter.finish() if rotated else []  # a truncated file's partial line is gone
            self._fh.close()
            self._fh = None
            self._open(True, None)
            return last, True
        return [], False

    def _read(self, block: int) -> list[LogLine]:
        out: list[LogLine] = []
        while data := self._fh.read(block):
            out += self._splitter.feed(data)
            if len(out) >= 10_000:
                break
        return out

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()


def _complete_lines(fh, block: int = 1 << 20) -> tuple[int, int]:
    """(complete lines, offset after the last newline) from the current position to the end."""
    count, offset, position = 0, fh.tell(), fh.tell()
    while data := fh.read(block):
        n = data.count(b"\n")
        if n:
            count += n
            offset = position + data.rindex(b"\n") + 1
        position += len(data)
    return count, offset


def watch(detector, path: Path | None, emit, config: DetectConfig | None = None, *, name: str = "-",
          from_start: bool = False, state_path: Path | None = None, interval: float = 0.01, stop=lambda: False,
          save_every: float = 1.0, flush_after: float = 2.0, emitted_through: int = 0) -> int:
    """Follow `path` (None: stdin) until `stop()` or end of stdin; `emit(verdicts)` gets each batch.

    Returns the number of lines emitted. The state is saved at most every `save_every` seconds
    and on every exit path, so a restart neither skips nor repeats a line. After a hard kill the
    state may lag the output by up to `save_every` seconds: `emitted_through`, the last line of the
    resumed file the output already holds, keeps those lines from being emitted twice. A line
    waiting for its context gets its verdict after `flush_after` seconds without a new line.
    """
    config = config or DetectConfig()
    state = WatchState.load(state_path) if state_path else None
    if state is not None and path is not None and state.path != str(path.resolve()):
        raise CologError(f"{state_path}: holds the state of {state.path}, not {path}")
    session = detector.session(config)
    source = (Follower(path, from_start, state, config.max_line_bytes) if path is not None
              else _Stdin(name, config.max_line_bytes))
    fed: list[LogLine] = []  # lines given to the session and not emitted yet, in order
    done = {"n": 0, "line": state.line if state else 0, "offset": state.offset if state else 0}
    if state is not None and path is not None and source.resumed:
        session.resume(source.name, state.recent)

    # lines of the resumed file the output holds past the state (until that file ends)
    done["skip"] = emitted_through if source.resumed else 0

    def out(verdicts) -> None:
        if verdicts:
            new = [v for v in verdicts if v.file != source.name or v.line > done["skip"]]
            if new:
                emit(new)
            last = fed[len(verdicts) - 1]
            done.update(n=done["n"] + len(new), line=last.line, offset=last.end)
            del fed[:len(verdicts)]

    def save() -> None:
        if state_path is None or path is None or source.identity is None:
            return
        WatchState(str(path.resolve()), *source.identity, done["offset"], done["line"],
                   session.recent(source.name, done["line"])).save(state_path)

    saved = arrived = time.monotonic()
    try:
        try:
            while not stop():
                lines, ended = source.poll()
                fed += lines
                out(session.feed(lines))
                if lines:
                    arrived = time.monotonic()
                elif fed and time.monotonic() - arrived >= flush_after:  # a quiet log: its last lines wait no more
                    out(session.flush_waiting())
                if ended:
                    out(session.end_file(source.name))
                    done.update(line=0, offset=0, skip=0)
                    if path is None:
                        break
                if time.monotonic() - saved >= save_every:
                    save()
                    saved = time.monotonic()
                if not lines and not ended:
                    time.sleep(interval)
        except KeyboardInterrupt:  # Ctrl-C or SIGTERM: a clean stop, pending lines still get verdicts
            pass
        out(session.close())
    finally:
        save()
        source.close()
    return done["n"]


class _Stdin:
    """Standard input as a Follower: whatever bytes are there, and `ended` at end of input."""

    resumed = False  # a pipe has no position to resume

    def __init__(self, name: str, max_bytes: int = MAX_LINE_BYTES):
        self.name = name
        self.identity = None
        self._splitter = LineSplitter(name, max_bytes)
        self._fd = 0

    def poll(self, block: int = 1 << 20) -> tuple[list[LogLine], bool]:
        data = os.read(self._fd, block)  # blocks until something arrives; b"" at end of input
        if not data:
            return self._splitter.finish(), True
        return self._splitter.feed(data), False

    def close(self) -> None:
        pass
