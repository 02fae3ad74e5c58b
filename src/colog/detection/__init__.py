"""Detection on new logs: one streaming path under `colog detect`, `colog watch` and `colog serve`."""

from colog.detection.detector import Detector
from colog.detection.lines import LogLine
from colog.detection.session import Session, Verdict

__all__ = ["Detector", "LogLine", "Session", "Verdict"]
