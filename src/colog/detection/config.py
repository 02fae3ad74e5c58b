"""What detection is asked for: the flags of `colog detect`, `watch` and `serve`, in one place."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import MAXYEAR, MINYEAR
from enum import StrEnum

from colog.detection.lines import MAX_LINE_BYTES
from colog.errors import CologError, require_integers


class Precision(StrEnum):
    """The network's arithmetic in detection; the fast two give probabilities within ~1e-2 of fp32's."""

    fp32 = "fp32"  # the scores `colog evaluate` gives
    bf16 = "bf16"  # autocast: pays only on CPUs with fast bf16 matrix products
    int8 = "int8"  # the matrix products quantized: faster on most CPUs


@dataclass(frozen=True)
class DetectConfig:
    """How a stream of lines is judged."""

    explain: bool = False  # a flagged line's verdict says which words and window lines pushed it, and how far
    threshold: float = 0.5  # P(anomalous) at which a line is flagged
    strict: bool = False  # a file no format fits is an error (batch), not scored whole line by line (streams)
    max_line_bytes: int = MAX_LINE_BYTES  # longer lines get class "unparsed"
    year: int | None = None  # the year of each file's first line where headers carry none; else near its mtime

    def __post_init__(self) -> None:
        if not 0.0 < self.threshold <= 1.0:
            raise CologError(f"threshold {self.threshold} is outside (0, 1]")
        require_integers(self, {"max_line_bytes": 1}, "detection ")
        if self.year is not None and not MINYEAR <= self.year <= MAXYEAR:
            raise CologError(f"year {self.year} is outside {MINYEAR}-{MAXYEAR}")
