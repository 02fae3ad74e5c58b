"""What a detection run found, for a person: flagged lines by template, host and hour, repeats folded.

`colog detect --summary FILE.md|FILE.json`. A template flagged a thousand times is one row with its count,
first and last line and one example, not a thousand lines. A line no training template fits is a template of its
own to detection (its masked text: nothing is learned from new logs), so on a new machine's logs the rows would
split by hostname and date; here Drain groups those new texts among themselves, for this report alone.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from colog.artifacts import atomic_path, markdown_cell
from colog.detection.verdict import Verdict
from colog.errors import OutputError
from colog.parsing.fields import DrainSettings
from colog.parsing.templates import TemplateMiner, template_key

TOP = 20
# the texts are masked already (the run's format did it): Drain's usual threshold and depth group what is left
NEW_GROUPS = DrainSettings(0.5, 4, ())


@dataclass
class _Template:
    text: str
    new: bool
    count: int = 0
    first: str = ""  # file:line
    last: str = ""
    example: str = ""
    highest: float = 0.0


@dataclass
class Summary:
    """Counts as verdicts arrive (`add`), and the report they make (`to_dict`, `to_markdown`)."""

    lines: int = 0
    flagged: int = 0
    unparsed: int = 0
    files: Counter = field(default_factory=Counter)  # file -> its lines
    flagged_in: Counter = field(default_factory=Counter)  # file -> its flagged lines
    templates: dict[tuple[str, int], _Template] = field(default_factory=dict)  # ("known"|"new", id)
    hosts: Counter = field(default_factory=Counter)
    hours: Counter = field(default_factory=Counter)
    signals: dict = field(default_factory=dict)  # per file: how far it is from the training logs (familiarity)
    new: TemplateMiner = field(default_factory=lambda: TemplateMiner(NEW_GROUPS))  # groups the new templates

    def add(self, verdicts: list[Verdict]) -> None:
        for v in verdicts:
            self.lines += 1
            self.files[v.file] += 1
            self.unparsed += v.cls == "unparsed"
            if not v.label:
                continue
            self.flagged += 1
            self.flagged_in[v.file] += 1
            key = ("new", self.new.add(v.template)) if v.new_template and v.template else ("known", v.template_id)
            t = self.templates.get(key)
            if t is None:
                t = self.templates[key] = _Template(v.template or "", bool(v.new_template),
                                                    first=f"{v.file}:{v.line}", example=v.message or "")
            t.count += 1
            t.last = f"{v.file}:{v.line}"
            t.highest = max(t.highest, v.probability or 0.0)
            self.hosts[v.host or "(none)"] += 1
            self.hours[v.timestamp.strftime("%Y-%m-%d %H:00") if v.timestamp else "(no timestamp)"] += 1

    def _text(self, key: tuple[str, int], t: _Template) -> tuple[int, str]:
        """A row's template id and text: a group of new templates has its generalised text, and that text's id."""
        kind, number = key
        if kind == "known":
            return number, t.text
        text = self.new.template(number)
        return template_key(text), text

    def to_dict(self) -> dict:
        ranked = [(*self._text(key, t), t) for key, t in
                  sorted(self.templates.items(), key=lambda kv: -kv[1].count)[:TOP]]
        return {
            "lines": self.lines, "flagged": self.flagged, "unparsed": self.unparsed, "files": len(self.files),
            "templates_flagged": len(self.templates),
            "top_templates": [{"template_id": tid, "template": text, "new_template": t.new, "count": t.count,
                               "first": t.first, "last": t.last, "example": t.example,
                               "highest_probability": round(t.highest, 6)} for tid, text, t in ranked],
            "top_files": [{"file": f, "flagged": n, "lines": self.files[f]}
                          for f, n in self.flagged_in.most_common(TOP)],
            "top_hosts": [{"host": h, "count": n} for h, n in self.hosts.most_common(TOP)],
            "top_hours": [{"hour": h, "count": n} for h, n in self.hours.most_common(TOP)],
            "files_unlike_training": self.signals,
        }

    def to_markdown(self) -> str:
        d = self.to_dict()
        share = d["flagged"] / max(d["lines"], 1)
        out = [f"# colog detect: {d['flagged']:,} of {d['lines']:,} lines flagged ({share:.2%})", "",
               f"{d['files']} files; {d['templates_flagged']:,} templates flagged; {d['unparsed']:,} lines unparsed. "
               f"Each template is one row: repeats are folded into its count; templates training never saw (new) are "
               "grouped among themselves by Drain.", "",
               f"## Flagged templates (top {TOP})", "",
               "| count | template | new | highest P | first | last | example |", "|---|---|---|---|---|---|---|"]
        for t in d["top_templates"]:
            out.append(f"| {t['count']:,} | {markdown_cell(t['template'])} | {'yes' if t['new_template'] else 'no'} "
                       f"| {t['highest_probability']:.3f} | {t['first']} | {t['last']} | "
                       f"{markdown_cell(t['example'])} |")
        out += ["", f"## Files (top {TOP})", "", "| flagged | of lines | file |", "|---|---|---|"]
        out += [f"| {f['flagged']:,} | {f['lines']:,} ({f['flagged'] / f['lines']:.0%}) | {markdown_cell(f['file'])} |"
                for f in d["top_files"]]
        out += ["", f"## Hosts (top {TOP})", "", "| count | host |", "|---|---|"]
        out += [f"| {h['count']:,} | {markdown_cell(h['host'])} |" for h in d["top_hosts"]]
        out += ["", f"## Hours (top {TOP})", "", "| count | hour |", "|---|---|"]
        out += [f"| {h['count']:,} | {h['hour']} |" for h in d["top_hours"]]
        out += ["", "## How far each file is from the training logs", "",
                "| file | lines | unknown words | new templates | file type known |", "|---|---|---|---|---|"]
        out += [f"| {markdown_cell(f)} | {s['lines']:,} | {s['oov_share']:.0%} | {s['new_template_share']:.0%} | "
                f"{ {True: 'yes', False: '**no**', None: '-'}[s['file_type_known']] } |"
                for f, s in d["files_unlike_training"].items()]
        return "\n".join(out) + "\n"

    def write(self, path: Path) -> None:
        """Markdown or JSON, by the file's extension; atomically."""
        suffix = path.suffix.lower()
        if suffix not in (".md", ".json"):
            raise OutputError(f"{path}: unknown summary type {suffix or '(no extension)'!r}; use .md or .json")
        text = json.dumps(self.to_dict(), indent=2) + "\n" if suffix == ".json" else self.to_markdown()
        with atomic_path(path) as tmp:
            tmp.write_text(text, encoding="utf-8")
