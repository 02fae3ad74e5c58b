"""Bytes to text lines: file discovery, decompression, binary sniffing, lenient decoding.

Logs are read as bytes and decoded with replacement, so a stray Latin-1 byte, a NUL run left by a
crash or a megabyte-long line never stops a parse. gzip, bzip2 and xz files (rotations such as
auth.log.2.gz) are read through their decompressor, told by their first bytes, not their name; `-`
is standard input, compressed or not.
"""

from __future__ import annotations

import bz2
import gzip
import logging
import lzma
import os
import re
import sys
import time
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterable, Iterator

from colog.errors import InputError

logger = logging.getLogger(__name__)

SNIFF_BYTES = 8192
STDIN = Path("-")
# Compressed logs colog reads through their decompressor, by their magic number.
_DECOMPRESS = {b"\x1f\x8b": lambda f: gzip.GzipFile(fileobj=f), b"BZh": bz2.BZ2File, b"\xfd7zXZ": lzma.LZMAFile}
# Magic numbers of files that are certainly not logs (other compressors, images, executables, archives).
_MAGIC = {
    b"\x28\xb5\x2f\xfd": "zstd-compressed",
    b"PK\x03\x04": "a zip archive",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"%PDF": "a PDF document",
    b"\x7fELF": "an ELF executable",
    b"PAR1": "a Parquet file",
    b"LPKSHHRH": "a systemd journal: `journalctl -o json | colog detect - --name syslog` reads it",  # its signature
}
_TEXT_BYTES = bytes(range(32, 127)) + b"\t\n\r\f\b\x1b"
# C0 controls other than tab: NULs are dropped, the rest become spaces.
_CONTROL = re.compile(r"[\x01-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True)
class LogFile:
    """One input file and the name it goes by in outputs."""

    path: Path  # `-`: standard input
    name: str  # relative to the directory the user named, or the path as given
    explicit: bool = True  # named by the user, not found inside a directory

    @property
    def size(self) -> int:
        """Bytes on disk (compressed, for a compressed file); 0 for standard input."""
        return 0 if self.path == STDIN else self.path.stat().st_size

    @property
    def modified(self) -> float:
        """Modification time; now, for standard input."""
        return time.time() if self.path == STDIN else self.path.stat().st_mtime


@contextmanager
def open_log(path: Path) -> Iterator[BinaryIO]:
    """The log's bytes, decompressed when its first bytes say gzip, bzip2 or xz; `-` is standard input."""
    try:
        raw = sys.stdin.buffer if path == STDIN else path.open("rb")
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from exc
    try:
        head = raw.peek(6)[:6] if path == STDIN else raw.read(6)
        if path != STDIN:
            raw.seek(0)
        opener = next((o for magic, o in _DECOMPRESS.items() if head.startswith(magic)), None)
        yield raw if opener is None else opener(raw)
    except (OSError, EOFError, lzma.LZMAError, zlib.error) as exc:
        raise InputError(f"{path}: cannot read ({getattr(exc, 'strerror', None) or exc})") from exc
    finally:
        if path != STDIN:
            raw.close()

def binary_reason(head: bytes) -> str | None:
    """Why `head` (the first bytes of a file) is not text, or None when it looks like a log."""
    for magic, what in _MAGIC.items():
        if head.startswith(magic):
            return f"binary file ({what})"
    if not head:
        return None
    # UTF-8 multi-byte text is fine; count bytes that are neither printable ASCII nor UTF-8.
    text = head.decode("utf-8", errors="replace")
    bad = text.count("\ufffd") + sum(1 for b in head if b < 32 and b not in _TEXT_BYTES)
    if bad / len(head) > 0.30:
        return f"binary file ({bad / len(head):.0%} of the first {len(head)} bytes are not text)"
    return None


def discover(paths: Iterable[str | os.PathLike], stdin_name: str = "-") -> list[LogFile]:
    """Expand files and directories (recursively, sorted, hidden entries skipped) into log files.

    A file named explicitly must be a readable, non-empty text file (compressed or not); inside a
    directory, empty and binary files are skipped with a log message, and a directory left with no
    logs is an error. `-` is standard input, named `stdin_name` in outputs (its type, auth.log's
    "auth", picks keyword lists and the source token).
    """
    found: list[LogFile] = []
    for raw in paths:
        path = Path(raw)
        if path == STDIN:
            found.append(LogFile(STDIN, stdin_name))
            continue
        if not path.exists():
            raise InputError(f"{path}: no such file or directory")
        if path.is_dir():
            inside = [f for f in _walk(path) if _usable(f, explicit=False)]
            if not inside:
                raise InputError(f"{path}: directory holds no readable, non-empty text log files")
            found.extend(LogFile(f, str(f.relative_to(path)), explicit=False) for f in inside)
        else:
            _usable(path, explicit=True)
            found.append(LogFile(path, path.name))
    _disambiguate(found)
    return found


def _walk(root: Path) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if not name.startswith("."):
                yield Path(dirpath) / name


def _usable(path: Path, explicit: bool) -> bool:
    """True when `path` is a non-empty text file; raise for a named file, log and skip otherwise."""
    try:
        with open_log(path) as fh:
            head = fh.read(SNIFF_BYTES)
    except InputError as exc:
        problem = str(exc).removeprefix(f"{path}: ")
    else:
        problem = "empty file" if not head.strip() else binary_reason(head)
    if problem is None:
        return True
    if explicit:
        raise InputError(f"{path}: {problem}")
    logger.warning("skipping %s: %s", path, problem)
    return False


def _disambiguate(files: list[LogFile]) -> None:
    """Two inputs with the same display name get their full paths instead."""
    seen: dict[str, int] = {}
    for f in files:
        seen[f.name] = seen.get(f.name, 0) + 1
    for i, f in enumerate(files):
        if seen[f.name] > 1:
            files[i] = LogFile(f.path, str(f.path), f.explicit)


# Other systems' names for the same files: Red Hat-family and OpenBSD daemons write the authentication log as
# `secure` and `authlog`, some rsyslog configurations as `authpriv`; to keyword lists and models they are `auth`.
TYPE_ALIASES = {"secure": "auth", "authpriv": "auth", "authlog": "auth"}


_DATEEXT = re.compile(r"-\d{8}(\d{2})?$")  # logrotate's dateext (Red Hat's default): messages-20261205


def file_type(name: str) -> str:
    """A log file's type, as rotation names it: auth.log.1 -> auth, syslog.0 -> syslog, dmesg -> dmesg,
    messages-20261205 -> messages, secure-20261205 -> auth."""
    kind = _DATEEXT.sub("", Path(name).name.split(".")[0].split("_")[0].lower())
    return TYPE_ALIASES.get(kind, kind)


def clean_line(raw: bytes) -> str:
    """Decode one raw line: UTF-8 with replacement, line ending stripped, control bytes neutralised."""
    text = raw.rstrip(b"\r\n").decode("utf-8", errors="replace")
    if "\x00" in text:
        text = text.replace("\x00", "")
    return _CONTROL.sub(" ", text)


def read_lines(path: Path) -> Iterator[tuple[int, str]]:
    """Yield (1-based line number, text) for every non-blank line of `path`."""
    with open_log(path) as fh:
        for number, raw in enumerate(fh, start=1):
            text = clean_line(raw)
            if text.strip():
                yield number, text
