"""The comparison's names, the methods and the paper's studies: torch-free, so `colog benchmark --help` and
`colog study --help` list them without loading a network."""

from enum import StrEnum

# Every method of `colog benchmark`, in the tables' order.
METHODS = ("lr", "svm", "dt", "knn", "iforest", "pca", "im", "lstm", "bilstm_attn", "cnn", "transformer",
           "pylogsentiment", "keyword_rule", "sbert_lr", "colog")


class Study(StrEnum):
    """One of the paper's studies, each CoLog trained under variants of one config."""

    ablation = "ablation"
    window = "window"
    train_ratio = "train-ratio"
    imbalance = "imbalance"
    robustness = "robustness"
    efficiency = "efficiency"
    keyword_mask = "keyword-mask"
