"""How far a file is from what a model was trained on: unknown words, new templates, an unknown file type.

A model's verdicts on logs unlike its training data are guesses; these signals say so per file, once, in one
line, so nobody acts on them unwarned. The thresholds are documented in docs/detection.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from colog.detection.verdict import Verdict
from colog.parsing.readers import file_type

OOV_SHARE = 0.3  # mean share of a line's words the vocabulary lacks
NEW_TEMPLATE_SHARE = 0.5  # share of lines no training template fits
MIN_LINES = 50  # a file's signals are judged once it has this many scored lines (or at its end)


@dataclass
class FileSignals:
    """One file's counts."""

    lines: int = 0
    oov: float = 0.0  # the sum of the lines' oov shares
    new_templates: int = 0
    warned: bool = False

    def to_dict(self, known_type: bool | None) -> dict:
        n = max(self.lines, 1)
        return {"lines": self.lines, "oov_share": round(self.oov / n, 4),
                "new_template_share": round(self.new_templates / n, 4), "file_type_known": known_type}


class Familiarity:
    """Per-file signals as verdicts arrive; `add` and `finish` return the warnings that fall due, each file's
    once. `known_types`: the file types the model has a source token for (None: it reads no source token)."""

    def __init__(self, known_types: set[str] | None):
        self.known_types = known_types
        self.files: dict[str, FileSignals] = {}

    def add(self, verdicts: list[Verdict]) -> list[str]:
        due = set()
        for v in verdicts:
            if v.probability is None:  # unparsed: nothing was read
                continue
            s = self.files.setdefault(v.file, FileSignals())
            s.lines += 1
            s.oov += v.oov or 0.0
            s.new_templates += bool(v.new_template)
            if s.lines >= MIN_LINES and not s.warned:
                due.add(v.file)
        return [w for f in sorted(due) if (w := self._warning(f))]

    def finish(self) -> list[str]:
        """The warnings of files that ended before MIN_LINES."""
        return [w for f in sorted(self.files) if not self.files[f].warned and (w := self._warning(f))]

    def known(self, name: str) -> bool | None:
        return None if self.known_types is None else file_type(name) in self.known_types

    def to_dict(self) -> dict:
        return {name: s.to_dict(self.known(name)) for name, s in sorted(self.files.items())}

    def _warning(self, name: str) -> str | None:
        s = self.files[name]
        s.warned = True
        d = s.to_dict(self.known(name))
        reasons = []
        if d["oov_share"] > OOV_SHARE:
            reasons.append(f"{d['oov_share']:.0%} of its words are unknown to the model")
        if d["new_template_share"] > NEW_TEMPLATE_SHARE:
            reasons.append(f"{d['new_template_share']:.0%} of its lines fit no training template")
        if d["file_type_known"] is False:
            reasons.append(f"its type ({file_type(name)!r}) is none the model was trained on")
        if not reasons:
            return None
        return f"{name}: unlike the model's training logs ({'; '.join(reasons)}): its verdicts are guesses"
