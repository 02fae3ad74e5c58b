"""colog: log anomaly detection as multimodal sentiment analysis with collaborative transformers (CoLog)."""

from colog.datasets import DATASETS, Dataset, get_dataset, load_labeled
from colog.errors import CologError
from colog.labeling import CLASSES, WindowSpec, label_table, parse_rule
from colog.parsing import LOG_SCHEMA, ParseConfig, ParseResult, parse_paths

__version__ = "0.1.0"

__all__ = ["CLASSES", "DATASETS", "LOG_SCHEMA", "CologError", "Dataset", "ParseConfig", "ParseResult", "WindowSpec",
           "get_dataset", "label_table", "load_labeled", "parse_paths", "parse_rule"]
