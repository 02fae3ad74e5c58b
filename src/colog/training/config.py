"""The training schedule: a torch-free dataclass, so commands read its defaults without loading torch."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

from colog.errors import CologError, require_integers


@dataclass
class TrainConfig:
    """The paper's schedule (section 5.2.2) unless noted."""

    epochs: int = 20
    batch_size: int = 32
    lr: float = 5e-5
    betas: tuple[float, float] = (0.9, 0.98)  # as the reference code
    warmup_steps: int = 200  # linear warm-up; the paper warms up for 5 of its 20 epochs
    lr_decay: float = 0.5
    max_decays: int = 3  # reload the best weights and halve the LR this many times, then stop
    plateau: int = 2  # epochs without improvement before a decay
    patience: int = 5  # epochs without improvement before stopping
    dedup: bool = True  # train on each distinct (input, label) once per pass
    # Dedup shrinks an epoch (honey7: 55 steps against the paper's 164), and 20 such epochs left one seed in three
    # under-trained; an epoch repeats whole passes over the training items until it has this many steps.
    min_epoch_steps: int = 200
    seed: int = 0

    def __post_init__(self) -> None:
        # checked here, before any data is read: a zero would train nothing and report an untrained model as a run
        require_integers(self, {"epochs": 1, "batch_size": 1, "warmup_steps": 0, "max_decays": 0, "plateau": 1,
                                "patience": 1, "min_epoch_steps": 0, "seed": 0}, "training ")
        if not self.lr > 0:
            raise CologError(f"training lr={self.lr!r}; expected a learning rate > 0")
        if not 0 < self.lr_decay <= 1:
            raise CologError(f"training lr_decay={self.lr_decay!r}; expected a factor in (0, 1]")
        if len(self.betas) != 2 or not all(0 <= b < 1 for b in self.betas):
            raise CologError(f"training betas={self.betas!r}; expected two numbers in [0, 1)")

    def following(self, schedule: list[float] | None) -> TrainConfig:
        """A refit's schedule: nothing is left to validate on, so it trains one epoch per learning rate of
        `schedule` (the epochs the first fit's validation chose). Without one the config stays, and the fit
        refuses to run."""
        return self if schedule is None else replace(self, epochs=len(schedule))

    def to_dict(self) -> dict:
        return asdict(self)
