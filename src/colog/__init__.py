"""colog: log anomaly detection as multimodal sentiment analysis with collaborative transformers (CoLog)."""

from colog.errors import CologError
from colog.lazy import exports

__version__ = "0.1.0"

# Every name but the error loads on first use: a script that reads one results file or one config pays for
# what it uses, not for pyarrow, numpy and torch (`colog.Detector` loads torch).
_LAZY = {
    "CLASSES": "labeling", "WindowSpec": "labeling", "label_table": "labeling", "parse_rule": "labeling",
    "DATASETS": "labeling.datasets", "Dataset": "labeling.datasets", "get_dataset": "labeling.datasets",
    "load_labeled": "labeling.datasets", "LOG_SCHEMA": "parsing", "ParseConfig": "parsing",
    "ParseResult": "parsing", "parse_paths": "parsing", "Detector": "detection.detector",
    "DetectConfig": "detection.config"}
__all__ = sorted(["CologError", *_LAZY])
__getattr__ = exports(__name__, _LAZY)
