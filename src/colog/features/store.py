"""The sequence modality's vectors: every unique message embedded once, cached on disk.

Vectors are keyed by the encoder's name and a hash of the message, kept in append-only safetensors
shards under the cache directory, so a second run on the same logs embeds nothing. Lines and windows
refer to messages by integer id into `MessageStore.vectors`; vectors are never copied per line.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from pathlib import Path
from typing import Protocol

import numpy as np
from safetensors.numpy import load_file, save_file

from colog.artifacts import atomic_path
from colog.errors import CologError
from colog.progress import progress_bar

logger = logging.getLogger(__name__)

FORMAT_VERSION = "1"


class Encoder(Protocol):
    """Turns texts into fixed-size vectors."""

    name: str
    dim: int

    def encode(self, texts: list[str]) -> np.ndarray:
        """(len(texts), dim) float32."""
        ...


def default_cache() -> Path:
    """`$COLOG_CACHE`, else ~/.cache/colog."""
    return Path(os.environ.get("COLOG_CACHE", Path.home() / ".cache" / "colog"))


def message_key(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


class MessageStore:
    """Message -> id -> vector, for one encoder; grows as new messages arrive."""

    def __init__(self, encoder: Encoder, cache_dir: Path | None = None, chunk: int = 4096):
        self.encoder = encoder
        self.chunk = chunk
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", encoder.name)
        self.root = (cache_dir or default_cache()) / "messages" / safe
        self._keys: dict[bytes, int] = {}
        self._buffer = np.zeros((0, encoder.dim), dtype=np.float32)  # grows by doubling: appends are O(new)
        self._rows = 0
        self._unsaved: list[tuple[np.ndarray, np.ndarray]] = []  # (keys, vectors) not yet in a shard
        self.embedded = 0  # messages embedded by this instance (0 on a warm cache)
        self._load()

    def _load(self) -> None:
        if not self.root.is_dir():
            return
        for shard in sorted(self.root.glob("shard-*.safetensors")):
            try:
                data = load_file(str(shard))
                keys, vectors = data["keys"], data["vectors"]
            except Exception as exc:  # a truncated or foreign file: say which, never guess
                raise CologError(f"{shard}: unreadable message-store shard ({exc}); delete it to rebuild") from exc
            if vectors.shape[1] != self.encoder.dim:
                raise CologError(f"{shard}: vectors of size {vectors.shape[1]}, expected {self.encoder.dim}")
            self._append(keys, vectors)
        logger.info("message store %s: %d vectors", self.root, len(self._keys))

    def _append(self, keys: np.ndarray, vectors: np.ndarray) -> None:
        start = self._rows  # row ids, not key count: a shard may repeat a key another process wrote
        for i, key in enumerate(keys):
            self._keys.setdefault(bytes(key), start + i)
        end = start + len(vectors)
        if end > len(self._buffer):
            grown = np.zeros((max(end, 2 * len(self._buffer), 1024), self.encoder.dim), dtype=np.float32)
            grown[:start] = self._buffer[:start]
            self._buffer = grown
        self._buffer[start:end] = vectors
        self._rows = end

    @property
    def vectors(self) -> np.ndarray:
        """(rows, dim) float32, indexed by the ids `ids` returns (a view: read it after `ids`)."""
        return self._buffer[:self._rows]

    def __len__(self) -> int:
        return len(self._keys)

    def ids(self, messages: list[str], progress: bool = False, save: bool = True) -> np.ndarray:
        """The id of every message (one per input, duplicates share it), embedding the unseen ones.

        With `save=False` new vectors wait in memory until `flush` (a stream embeds a few at a time;
        one shard per few messages would litter the cache).
        """
        keys = [message_key(m) for m in messages]
        missing: dict[bytes, str] = {}
        for key, text in zip(keys, messages):
            if key not in self._keys and key not in missing:
                missing[key] = text
        if missing:
            self._embed(list(missing.keys()), list(missing.values()), progress)
        if save:
            self.flush()
        return np.fromiter((self._keys[k] for k in keys), dtype=np.int64, count=len(keys))

    def _embed(self, keys: list[bytes], texts: list[str], progress: bool) -> None:
        logger.info("embedding %d new messages with %s", len(texts), self.encoder.name)
        with progress_bar(total=len(texts), desc="embed", unit="msg", enabled=progress) as bar:
            for lo in range(0, len(texts), self.chunk):
                part_keys = np.frombuffer(b"".join(keys[lo:lo + self.chunk]), dtype=np.uint8).reshape(-1, 16)
                vectors = self.encoder.encode(texts[lo:lo + self.chunk])
                self._append(part_keys, vectors)
                self._unsaved.append((part_keys, vectors))
                self.embedded += len(part_keys)
                bar.update(len(part_keys))
                if sum(len(k) for k, _ in self._unsaved) >= self.chunk:
                    self.flush()

    def flush(self) -> None:
        """Write the vectors embedded since the last flush as one shard."""
        if not self._unsaved:
            return
        keys = np.concatenate([k for k, _ in self._unsaved])
        vectors = np.concatenate([v for _, v in self._unsaved])
        self.root.mkdir(parents=True, exist_ok=True)
        shard = self.root / f"shard-{self._rows - len(keys):012d}-{os.getpid()}.safetensors"
        with atomic_path(shard) as tmp:
            save_file({"keys": keys.copy(), "vectors": vectors}, str(tmp),
                      metadata={"encoder": self.encoder.name, "format_version": FORMAT_VERSION})
        self._unsaved = []
