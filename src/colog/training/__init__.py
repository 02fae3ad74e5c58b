"""Training: the loop, its callbacks, and batched inference over index arrays."""

from colog.training.loop import TrainConfig, Trainer
from colog.training.predict import predict

__all__ = ["TrainConfig", "Trainer", "predict"]
