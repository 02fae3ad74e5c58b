"""Train / valid / test splits, always named: `paper` (random stratified per line) and `chronological`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path

import numpy as np
import pyarrow as pa

from colog.errors import CologError, choose, require_integers
from colog.parsing.readers import file_type



class Protocol(StrEnum):
    """How lines are assigned to train, valid and test."""

    paper = "paper"  # random, stratified per class (the paper's)
    chronological = "chronological"  # the earliest lines train, the latest test

SPLITS = ("train", "valid", "test")
COMPRESSED = ("gz", "bz2", "xz")  # extensions of compressed rotations (auth.log.2.gz)


@dataclass(frozen=True)
class SplitConfig:
    """Shares of train / valid / test (the paper: 60/20/20) and the protocol that assigns lines."""

    protocol: Protocol = Protocol.paper
    train: float = 0.6
    valid: float = 0.2
    seed: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "protocol", choose(Protocol, self.protocol, "protocol"))
        require_integers(self, {"seed": 0}, "split ")


def split_lines(table: pa.Table, labels: np.ndarray, config: SplitConfig) -> np.ndarray:
    """One of 0 (train), 1 (valid), 2 (test) per row."""
    if not 0 < config.train < 1 or not 0 < config.valid < 1 or config.train + config.valid >= 1:
        raise CologError(f"split shares train={config.train}, valid={config.valid} must be in (0, 1) and leave a test share")
    n = table.num_rows
    if n < 10:
        raise CologError(f"{n} lines are too few to split into train, valid and test")
    if config.protocol == Protocol.paper:
        out = _stratified(labels, config)
    else:
        out = _chronological(table, config)
    for s, name in enumerate(SPLITS):
        if not (out == s).any():
            raise CologError(f"the {name} split is empty ({n} lines, protocol {config.protocol})")
    return out


def _stratified(labels: np.ndarray, config: SplitConfig) -> np.ndarray:
    """Per class, shuffle with the seed and cut at the shares: every class lands in every split it can."""
    rng = np.random.default_rng(config.seed)
    out = np.empty(len(labels), dtype=np.int8)
    for cls in np.unique(labels):
        rows = rng.permutation(np.nonzero(labels == cls)[0])
        a = int(round(len(rows) * config.train))
        b = a + int(round(len(rows) * config.valid))
        out[rows[:a]], out[rows[a:b]], out[rows[b:]] = 0, 1, 2
    return out


def _chronological(table: pa.Table, config: SplitConfig) -> np.ndarray:
    """Within each file group (rotations of one log: syslog.2, syslog.1, syslog), the earliest 60 % train, then
    valid, then test.

    A line without a timestamp (a stack trace's continuation) takes its predecessor's in the same file (the
    first dated line's, before any); lines of an undated log (dmesg) keep their file's rotation order, the
    oldest rotation first, and their line order.
    """
    files = table["file"].to_pylist()
    lines = table["line"].to_pylist()
    stamps = _filled(files, table["timestamp"].to_pylist())
    age = {f: rotation_age(f) for f in set(files)}
    groups: dict[str, list[int]] = {}
    for i, f in enumerate(files):
        groups.setdefault(file_type(f), []).append(i)
    out = np.empty(len(files), dtype=np.int8)
    for rows in groups.values():
        rows.sort(key=lambda i: (stamps[i] or datetime.min, -age[files[i]], files[i], lines[i]))
        a = int(round(len(rows) * config.train))
        b = a + int(round(len(rows) * config.valid))
        arr = np.array(rows)
        out[arr[:a]], out[arr[a:b]], out[arr[b:]] = 0, 1, 2
    return out


def _filled(files: list[str], stamps: list) -> list:
    """Each line's timestamp, or its file's last one before it (its first one, before any); None for an
    undated file. Rows of one file are consecutive, as the parser writes them."""
    out = list(stamps)
    start = 0
    for end in range(1, len(files) + 1):
        if end == len(files) or files[end] != files[start]:
            last = next((s for s in stamps[start:end] if s is not None), None)
            for i in range(start, end):
                if out[i] is None:
                    out[i] = last
                else:
                    last = out[i]
            start = end
    return out


def rotation_age(name: str) -> int:
    """How many rotations ago a log was written, from its name: syslog -> -1, syslog.0 -> 0, auth.log.2.gz -> 2."""
    parts = [p for p in Path(name).name.split(".") if p.lower() not in COMPRESSED]
    return int(parts[-1]) if len(parts) > 1 and parts[-1].isdigit() else -1


def unseen_mask(keys: np.ndarray, split: np.ndarray, which: int = 2, seen: np.ndarray | None = None) -> np.ndarray:
    """Lines of split `which` (test by default) whose key never occurs in the training split (or in `seen`, the
    training keys of another run)."""
    seen = np.unique(keys[split == 0]) if seen is None else seen
    return (split == which) & ~np.isin(keys, seen)
