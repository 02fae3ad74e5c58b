"""Outputs: a file either appears whole or not at all, and its type follows its extension.

`-` is standard output; a path that exists and is not a regular file (/dev/null, a pipe) is written
to directly, since it cannot be replaced.
"""

from __future__ import annotations

import glob
import json
import os
import stat
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Iterator

import pyarrow as pa
import pyarrow.parquet as pq

from colog.errors import OutputError

STDOUT = Path("-")
TEMPORARY = ".tmp"  # the suffix of atomic_path's temporary files
KINDS = {".parquet": "parquet", ".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl"}


def markdown_cell(text: str | None, limit: int = 160, code: bool = False) -> str:
    """Text for one cell of a Markdown table: one line, cut at `limit` characters with " …", pipes escaped (GitHub
    tables need it inside code spans too); `code` sets it in backticks, its own backticks turned to quotes."""
    text = (text or "").replace("\n", " ")
    if code:
        text = text.replace("`", "'")
    text = (text[:limit] + " …" if len(text) > limit else text).replace("|", "\\|")
    return f"`{text}`" if code else text


@contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside `path`; rename it onto `path` only if the block succeeds."""
    target = Path(path)
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise OutputError(f"{target}: output directory {parent} does not exist")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=TEMPORARY, dir=parent)
    except OSError as exc:
        raise OutputError(f"{target}: cannot write ({exc.strerror})") from exc
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, 0o666 & ~_umask())  # mkstemp makes 0600; outputs get the usual permissions
        os.replace(tmp_path, target)
    except OSError as exc:
        raise OutputError(f"{target}: cannot write ({exc.strerror})") from exc
    finally:
        tmp_path.unlink(missing_ok=True)


def remove_leftovers(path: str | os.PathLike) -> None:
    """Remove the temporaries atomic_path left beside `path` when a SIGKILL cut a write short (its cleanup never
    ran); only a path written again and again (a checkpoint) needs this."""
    target = Path(path)
    parent = target.parent if str(target.parent) else Path(".")
    if parent.is_dir():
        for leftover in parent.glob(f".{glob.escape(target.name)}.*{TEMPORARY}"):
            leftover.unlink(missing_ok=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def is_stream(path: Path | None) -> bool:
    """Standard output (`-` or no path), or an existing path that is not a regular file (/dev/null, a pipe)."""
    if path is None or path == STDOUT:
        return True
    try:
        return not stat.S_ISREG(path.stat().st_mode) and not path.is_dir()
    except OSError:
        return False


def output_kind(path: Path | None, kinds: tuple[str, ...] = ("jsonl", "csv", "parquet")) -> str:
    """The output type `path` asks for by its extension; a stream without one gets JSON lines."""
    if path is not None and path.is_dir():
        raise OutputError(f"{path}: is a directory, expected a file path")
    suffix = path.suffix.lower() if path is not None else ""
    kind = KINDS.get(suffix)
    if kind is None and is_stream(path):
        kind = "jsonl"
    if kind not in kinds:
        valid = ", ".join(sorted(e for e, k in KINDS.items() if k in kinds))
        raise OutputError(f"{path}: unknown output type {suffix or '(no extension)'!r}; use {valid}, "
                          "or - for standard output")
    if kind == "parquet" and is_stream(path):
        raise OutputError(f"{path}: Parquet cannot be streamed; name a .parquet file")
    return kind


@contextmanager
def open_output(path: Path | None, binary: bool = False) -> Iterator[IO]:
    """A stream to write an output to: standard output, a device or pipe as it is, or a file atomically."""
    mode = "wb" if binary else "w"
    text = {} if binary else {"encoding": "utf-8", "newline": ""}
    if path is None or path == STDOUT:
        stream = sys.stdout.buffer if binary else sys.stdout
        yield stream
        stream.flush()
        return
    if is_stream(path):
        try:
            with path.open(mode, **text) as fh:
                yield fh
        except OSError as exc:
            raise OutputError(f"{path}: cannot write ({exc.strerror})") from exc
        return
    check_writable(path)
    with atomic_path(path) as tmp, tmp.open(mode, **text) as fh:
        yield fh


def write_table(table: pa.Table, path: Path | None) -> None:
    """Write `table` as its path's extension says (Parquet, CSV, JSON lines); standard output gets JSON lines."""
    kind = output_kind(path)
    with open_output(path, binary=kind != "jsonl") as fh:
        if kind == "parquet":
            pq.write_table(table, fh)
        elif kind == "csv":
            import pyarrow.csv as pcsv

            pcsv.write_csv(table, fh)  # booleans as true/false, timestamps as ISO 8601
        else:
            for batch in table.to_batches(max_chunksize=10_000):
                fh.write("".join(json.dumps(row, default=str) + "\n" for row in batch.to_pylist()))


def check_writable(path: str | os.PathLike) -> None:
    """Fail before long work starts, not after, when `path` cannot be written."""
    target = Path(path)
    if is_stream(target):
        return
    parent = target.parent if str(target.parent) else Path(".")
    if target.is_dir():
        raise OutputError(f"{target}: is a directory, expected a file path")
    if not parent.is_dir():
        raise OutputError(f"{target}: output directory {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise OutputError(f"{target}: directory {parent} is not writable")


def write_parquet(table: pa.Table, path: str | os.PathLike) -> None:
    """Write `table` as Parquet, atomically."""
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp)


def write_json(obj: Any, path: str | os.PathLike) -> None:
    """Write `obj` as indented JSON, atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(obj, indent=2, default=str) + "\n", encoding="utf-8")


def read_json(path: str | os.PathLike, what: str) -> Any:
    """Load a JSON file of a run directory, naming it when it is missing or broken."""
    from colog.errors import CologError

    target = Path(path)
    if not target.is_file():
        raise CologError(f"{target}: missing {what}")
    try:
        return json.loads(target.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CologError(f"{target}: unreadable {what} ({exc})") from exc


@contextmanager
def staged_dir(path: str | os.PathLike, overwrite: bool = False) -> Iterator[Path]:
    """Build a directory under a temporary name and move it to `path` only when the block succeeds."""
    import shutil

    target = Path(path)
    occupied = any(target.iterdir()) if target.is_dir() else target.exists()
    if occupied and not overwrite:
        raise OutputError(f"{target}: already exists; pass --overwrite or choose another --out")
    parent = target.parent if str(target.parent) else Path(".")
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=parent))
    try:
        yield tmp
        os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes 0700
        if target.exists():
            shutil.rmtree(target) if target.is_dir() else target.unlink()
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def write_safetensors(tensors: dict, path: str | os.PathLike, metadata: dict[str, str] | None = None) -> None:
    """Write torch tensors as safetensors (no pickle), atomically."""
    from safetensors.torch import save_file

    with atomic_path(path) as tmp:
        save_file({k: v.contiguous() for k, v in tensors.items()}, str(tmp), metadata=metadata)
