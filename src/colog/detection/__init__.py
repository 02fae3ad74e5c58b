"""Detection on new logs: one streaming path under `colog detect`, `colog watch` and `colog serve`."""

from colog.detection.detector import Detector, Session, Verdict
from colog.detection.lines import LogLine

__all__ = ["Detector", "LogLine", "Session", "Verdict"]
