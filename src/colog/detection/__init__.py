"""Detection on new logs: one streaming path under `colog detect`, `colog watch` and `colog serve`."""

from colog.detection.config import DetectConfig, Precision
from colog.detection.lines import LogLine
from colog.lazy import exports

__all__ = ["DetectConfig", "Detector", "LogLine", "Precision", "Session", "Verdict"]

__getattr__ = exports(__name__, {"Detector": "detector", "Session": "session", "Verdict": "verdict"})
