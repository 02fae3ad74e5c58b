"""colog: log anomaly detection as multimodal sentiment analysis with collaborative transformers (CoLog)."""

from colog.errors import CologError
from colog.labeling import CLASSES, WindowSpec, label_table, parse_rule
from colog.labeling.datasets import DATASETS, Dataset, get_dataset, load_labeled
from colog.lazy import exports
from colog.parsing import LOG_SCHEMA, ParseConfig, ParseResult, parse_paths

__version__ = "0.1.0"

__all__ = ["CLASSES", "DATASETS", "LOG_SCHEMA", "CologError", "Dataset", "DetectConfig", "Detector", "ParseConfig",
           "ParseResult", "WindowSpec", "get_dataset", "label_table", "load_labeled", "parse_paths", "parse_rule"]

# `colog.Detector` loads torch on first use, not at `import colog`.
__getattr__ = exports(__name__, {"Detector": "detection.detector", "DetectConfig": "detection.config"})
