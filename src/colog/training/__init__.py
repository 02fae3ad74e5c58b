"""Training: the loop, its callbacks, and batched inference over index arrays."""

from colog.lazy import exports
from colog.training.config import TrainConfig

__all__ = ["TrainConfig", "Trainer", "predict"]

__getattr__ = exports(__name__, {"Trainer": "loop", "predict": "inference"})
