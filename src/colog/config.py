"""One typed config for a run, composed of each stage's own; saved as config.json in the run directory.

It sits below everything that trains, evaluates or detects, so each of them reads a run's config
without importing the others; it imports no torch.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, fields
from enum import StrEnum
from pathlib import Path

from colog.errors import CologError, choose
from colog.features.balance import Balance
from colog.features.split import Protocol, SplitConfig
from colog.labeling import WindowSpec
from colog.model.config import CoLogConfig
from colog.training.config import TrainConfig

FORMAT_VERSION = 2
# Fields added since, written only when set: a config without them reads as before, and fingerprints of the runs
# (checkpoints to resume from) stay those earlier versions of colog wrote
LATER = ("refit",)
SIZES = ("layers", "heads", "hidden", "ffn", "dropout")  # CoLogConfig fields `colog train` sets by flags of these names


class Task(StrEnum):
    """What a line's class says."""

    point = "point"  # 2 classes: the line is anomalous or not
    collective = "collective"  # the paper's 4: normal, point, collective (its window), both


@dataclass
class ExperimentConfig:
    """What to train on and how; every field lands in config.json."""

    paths: list[str]
    dataset: str | None = None
    format: str | None = None
    rule: str | None = None
    year: int | None = None
    task: Task = Task.point
    window: str = "context:1"  # the paper's default: context, W = 1
    include_current: bool | None = None  # None: point task includes the line, collective excludes it
    balance: Balance = Balance.tomek
    source_token: bool = True  # the file type as a leading word token (keyword labels depend on it)
    # Windows (their labels and their vectors) take no neighbour from another split; always so under the
    # chronological protocol, an option under the paper's, whose windows span splits, to measure that leak.
    isolate_splits: bool = False
    # Paper protocol: a window takes no neighbour of a later split (training < validation < test), so no text or
    # label of a validation or test line reaches training while the test lines keep the paper's windows and
    # labels: the leak alone, where --isolate-splits also changes the test lines' windows.
    hide_later_splits: bool = False
    corrections: str | None = None  # a CSV of file,line,label or message,label over the rule's labels
    # Once validation has chosen the epochs, fit everything again on training and validation lines together for
    # that many epochs: under the time-ordered split the validation period is the one nearest the test period.
    refit: bool = False
    init: str | None = None  # a run directory or bundled model to fine-tune from (its vocabulary and weights)
    split: SplitConfig = field(default_factory=SplitConfig)
    model: CoLogConfig = field(default_factory=CoLogConfig)
    train: TrainConfig = field(default_factory=TrainConfig)

    def __post_init__(self) -> None:
        self.task = choose(Task, self.task, "task")
        self.balance = choose(Balance, self.balance, "balancing method")
        if self.model.bit_heads and self.task != "collective":
            raise CologError(f"bit_heads (--bit-heads) needs the collective task (the line's bit and the window's "
                             f"bit); this run's task is {self.task.value!r}")
        if self.hide_later_splits and (self.isolate_splits or self.split.protocol == Protocol.chronological):
            raise CologError("--hide-later-splits is for the paper protocol's windows, which span splits; with "
                             "--isolate-splits or the chronological protocol no window crosses a split at all")
        if self.refit and self.init is not None:
            raise CologError("--refit trains a network afresh; it does not fine-tune one (--init)")
        spec = self.window_spec  # validates the window text
        rows = spec.size * (2 if spec.kind == "context" else 1) + 1
        if rows > self.model.max_len:
            raise CologError(f"window {self.window!r} spans {rows} lines; the model takes at most "
                             f"{self.model.max_len} (CoLogConfig.max_len)")

    @property
    def window_spec(self) -> WindowSpec:
        return WindowSpec.parse(self.window)

    @property
    def isolates_splits(self) -> bool:
        return self.isolate_splits or self.split.protocol == Protocol.chronological

    @property
    def includes_current(self) -> bool:
        return self.task == Task.point if self.include_current is None else self.include_current

    @property
    def trained_on(self) -> list[str]:
        """What the logs are called: the dataset's name, else each path's (a `logs` folder by its parent's)."""
        if self.dataset:
            return [self.dataset]
        return [Path(p).parent.name if Path(p).name == "logs" else Path(p).name for p in self.paths]

    @property
    def options(self) -> str:
        """The options of ours (not the paper's) that change CoLog's input or head here, and any size that is not
        the paper's, as `colog train` flags: results name them, so a figure with them is never read as the paper's
        model's."""
        flags = []
        if self.include_current is not None and self.include_current != (self.task == Task.point):
            flags.append("--current-line" if self.include_current else "--no-current-line")
        if self.isolate_splits and self.split.protocol != Protocol.chronological:
            flags.append("--isolate-splits")
        if self.hide_later_splits:
            flags.append("--hide-later-splits")
        if self.init is not None:
            flags.append(f"--init {self.init}")
        if self.refit:
            flags.append("--refit")
        if self.model.window_positions:
            flags.append("--window-positions")
        if self.model.bit_heads:
            flags.append("--bit-heads")
        if self.model.unk_dropout:
            flags.append(f"--unk-dropout {self.model.unk_dropout:g}")
        if self.model.window_dropout:
            flags.append(f"--window-dropout {self.model.window_dropout:g}")
        paper = CoLogConfig()
        flags += [f"--{size} {getattr(self.model, size)}" for size in SIZES
                  if getattr(self.model, size) != getattr(paper, size)]
        return " ".join(flags)

    def to_dict(self) -> dict:
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("split", "model", "train")
               and not (f.name in LATER and getattr(self, f.name) == f.default)}
        out.update(split=asdict(self.split), model=self.model.to_dict(), train=self.train.to_dict(),
                   format_version=FORMAT_VERSION)
        return out

    def digest(self, *extra: str) -> "hashlib._Hash":
        """A running SHA-1 of this config and `extra`: what a fit's checkpoint or a benchmark seed's progress is
        of, so that another config's is never resumed from."""
        return hashlib.sha1(json.dumps([self.to_dict(), *extra], sort_keys=True, default=str).encode("utf-8"))

    @classmethod
    def from_dict(cls, data: dict) -> "ExperimentConfig":
        data = dict(data)
        version = data.pop("format_version", None)
        if version not in (1, FORMAT_VERSION):
            raise CologError(f"run directory format version {version!r}; this colog reads versions 1 and "
                             f"{FORMAT_VERSION}")
        try:
            train = dict(data.pop("train"))
            if version == 1:  # version 1 recorded torch's thread count, a process setting the CLI now makes
                train.pop("threads", None)
            train["betas"] = tuple(train["betas"])
            return cls(split=SplitConfig(**data.pop("split")), model=CoLogConfig.from_dict(data.pop("model")),
                       train=TrainConfig(**train), **data)
        except (KeyError, TypeError, ValueError) as exc:
            raise CologError(f"config.json does not match this colog version ({exc})") from exc
