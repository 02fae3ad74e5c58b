"""The paper's studies by name: torch-free, so `colog study --help` lists them without loading a network."""

from enum import StrEnum


class Study(StrEnum):
    """One of the paper's studies, each CoLog trained under variants of one config."""

    ablation = "ablation"
    window = "window"
    train_ratio = "train-ratio"
    imbalance = "imbalance"
    robustness = "robustness"
    efficiency = "efficiency"
    keyword_mask = "keyword-mask"
