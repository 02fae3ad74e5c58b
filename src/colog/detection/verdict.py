"""A line's verdict and what it carries: the record `colog detect`, `watch` and `serve` write, torch-free."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple


class Template(NamedTuple):
    """A line's template: its text, the id that text always has, and whether training never saw it."""

    id: int
    text: str
    new: bool


class Interned(NamedTuple):
    """A message as the run knows it."""

    uid: int  # its id among the messages the run has seen
    template: Template
    oov: float  # the share of its words missing from the run's vocabulary


@dataclass
class Verdict:
    """The decision on one input line, with what a person needs to act on it without going back to the file.
    `probability` is P(anomalous) = 1 - P(normal)."""

    file: str
    line: int
    label: int  # 1 anomalous, 0 not
    cls: str  # a class of the run ("normal", "anomaly" / "point", "collective", "both") or "unparsed"
    probability: float | None
    template_id: int | None  # the same template text has the same id in every run and command
    matched: bool | None = None  # the line fitted the log format (else the whole line was the message)
    reason: str | None = None  # why an unparsed line could not be scored
    explanation: dict | None = None
    template: str | None = None  # the template's text
    new_template: bool | None = None  # no training template fits the line
    timestamp: datetime | None = None
    host: str | None = None
    component: str | None = None  # the syslog tag, a service, a container's stream
    message: str | None = None
    oov: float | None = None  # the share of the message's words missing from the run's vocabulary

    def to_dict(self) -> dict:
        out = {"file": self.file, "line": self.line, "label": self.label, "class": self.cls,
               "probability": self.probability,
               "timestamp": self.timestamp.isoformat() if self.timestamp is not None else None,
               "host": self.host, "component": self.component, "message": self.message,
               "template_id": self.template_id, "template": self.template, "new_template": self.new_template,
               "oov": self.oov, "matched": self.matched}
        if self.reason is not None:
            out["reason"] = self.reason
        if self.explanation is not None:
            out["explanation"] = self.explanation
        return out

    @classmethod
    def from_dict(cls, d: dict) -> "Verdict":
        """Inverse of `to_dict` (a JSON line written by `colog detect`)."""
        d = dict(d)
        stamp = d.pop("timestamp", None)
        return cls(cls=d.pop("class"), timestamp=datetime.fromisoformat(stamp) if stamp else None, **d)
