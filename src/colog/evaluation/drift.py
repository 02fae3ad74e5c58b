"""What the later lines of a split hold that its training lines do not: the data behind a weak time-ordered
figure, read without any model.

Three views, per evaluated split (valid, test): the period and anomaly share of each split; the lines whose
novelty key training never shows, grouped by a template mined on those lines alone (for reading only, never a
model input), and how many of their anomalies hold no word training ties to anomalies (from its words alone a
learner of the training lines has nothing that flags them), with the macro-F1 of the split were every other
line right (such a learner's figure, missing only those); and the words training ties to one label that the
unseen lines carry with the other label, which is where such a learner is led astray. Design reads the
validation columns; test's explain a figure already measured.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pyarrow as pa

from colog.artifacts import markdown_cell
from colog.evaluation.metrics import classification_metrics
from colog.features.split import SPLITS, unseen_mask
from colog.features.tokens import tokenize
from colog.parsing.fields import DrainSettings
from colog.parsing.templates import fit_templates

# a word is tied to one label when at least this many training lines hold it and this share of them, or fewer
# than 1 - it, are anomalous
TIED_LINES = 20
TIED_SHARE = 0.95


def split_drift(table: pa.Table, labels: np.ndarray, split: np.ndarray, keys: np.ndarray, key: str,
                settings: DrainSettings, max_len: int = 60, top: int = 8, detail: bool = True) -> dict:
    """The three views as JSON-ready data. `keys`: each line's novelty key (`Prepared.keys`), named `key`;
    `labels`: 1 anomalous, 0 normal. Without `detail`, the unseen lines are only counted (no groups, no words)."""
    messages = table["message"].to_pylist()
    stamps = table["timestamp"].to_pylist() if "timestamp" in table.column_names else [None] * len(messages)
    tokens = [set(tokenize(m, max_len)) for m in messages]
    tied = _tied_words(tokens, labels, split == 0)
    flagging = {w for w, (n, anomalous) in tied.items() if anomalous * 2 > n}  # the words tied to anomalies
    out = {"key": key, "splits": [], "unseen": {}}
    for s, name in enumerate(SPLITS):
        rows = split == s
        dated = [t for t, r in zip(stamps, rows) if r and t is not None]
        out["splits"].append({"split": name, "n": int(rows.sum()), "anomalies": int(labels[rows].sum()),
                              "first": str(min(dated)) if dated else None, "last": str(max(dated)) if dated else None})
        if s == 0:
            continue
        rows = np.flatnonzero(unseen_mask(keys, split, s))
        bare = _without_evidence(tokens, labels, rows, flagging)
        out["unseen"][name] = {"n": len(rows), "anomalies": int(labels[rows].sum()),
                               "anomalies_without_evidence": len(bare),
                               "evidence_bound": _bound(labels, split == s, bare)}
        if detail:
            out["unseen"][name] |= {"groups": _groups(messages, labels, rows, settings, top),
                                    "misleading_words": _misleading(tokens, labels, rows, tied, flagging, top)}
    return out


def _tied_words(tokens: list[set[str]], labels: np.ndarray, train: np.ndarray) -> dict[str, tuple[int, int]]:
    """word -> (training lines holding it, how many anomalous), for the words tied to one label."""
    lines, anomalous = Counter(), Counter()
    for row in np.flatnonzero(train):
        lines.update(tokens[row])
        if labels[row]:
            anomalous.update(tokens[row])
    return {w: (n, anomalous[w]) for w, n in lines.items()
            if n >= TIED_LINES and not 1 - TIED_SHARE < anomalous[w] / n < TIED_SHARE}


def _without_evidence(tokens: list[set[str]], labels: np.ndarray, rows: np.ndarray, flagging: set[str]
                      ) -> list[int]:
    """The anomalous `rows` that hold none of the `flagging` words (those training ties to anomalies)."""
    return [row for row in rows if labels[row] and not tokens[row] & flagging]


def _bound(labels: np.ndarray, in_split: np.ndarray, missed: list[int]) -> float | None:
    """The split's macro-F1 were every line right but the `missed` anomalies; none for a split of one class."""
    if not in_split.any():
        return None
    predicted = labels.copy()
    predicted[missed] = 0
    m = classification_metrics(labels[in_split], predicted[in_split], ["normal", "anomalous"])
    return m["macro_f1"] if m["measurable"] else None


def _groups(messages: list[str], labels: np.ndarray, rows: np.ndarray, settings: DrainSettings, top: int
            ) -> list[dict]:
    """The largest groups of `rows` by a template mined on them alone: template, lines, anomalous."""
    picked = [messages[r] for r in rows]
    _, ids, texts = fit_templates(picked, np.ones(len(picked), dtype=bool), settings)
    lines, anomalous, text = Counter(), Counter(), {}
    for i, (tid, row) in enumerate(zip(ids.tolist(), rows)):
        lines[tid] += 1
        anomalous[tid] += int(labels[row])
        text.setdefault(tid, texts[i])
    return [{"template": text[t], "n": n, "anomalies": anomalous[t]} for t, n in lines.most_common(top)]


def _misleading(tokens: list[set[str]], labels: np.ndarray, rows: np.ndarray, tied: dict[str, tuple[int, int]],
                flagging: set[str], top: int) -> list[dict]:
    """The tied words that the most `rows` carry with the other label than training ties them to (`flagging`:
    those tied to anomalies)."""
    against = Counter()
    for row in rows:
        for w in tokens[row]:
            if w in tied and bool(labels[row]) != (w in flagging):
                against[w] += 1
    ranked = sorted(against.items(), key=lambda kv: (-kv[1], kv[0]))[:top]  # ties by word: the same every run
    return [{"word": w, "train_lines": tied[w][0], "train_anomalous": tied[w][1], "lines_against": n}
            for w, n in ranked]


def drift_markdown(name: str, drift: dict, splits: tuple[str, ...] = ("valid", "test"), top: int = 8,
                   heading: str = "###") -> list[str]:
    """A dataset's drift as a page section: its splits, then per split of `splits` the unseen lines' `top`
    largest groups and the words that mislead; the name under a `heading` of the page's level."""
    named = [f"Protocol {drift['protocol']}"] if "protocol" in drift else []
    named += [f"labels `{drift['label_source']}`"] if "label_source" in drift else []
    out = [f"{heading} {name}", "", *([", ".join(named) + ".", ""] if named else []),
           "| split | lines | anomalous | from | to |", "|---|---|---|---|---|"]
    out += [f"| {s['split']} | {s['n']:,} | {s['anomalies']:,} | {s['first'] or '–'} | {s['last'] or '–'} |"
            for s in drift["splits"]]
    for split in splits:
        u = drift["unseen"][split]
        without = u.get("anomalies_without_evidence")  # absent from drift files written before it was counted
        bare = (f" ({without:,} of those hold no word training ties to anomalies: from the words alone, a learner "
                f"of the training lines has nothing that flags them)" if without is not None else "")
        bound = (f" Were every other {split} line right, missing only those would score macro-F1 "
                 f"{u['evidence_bound']:.4f}." if u.get("evidence_bound") is not None else "")
        refit = drift.get("refit", {}).get(split)
        if refit:
            bound += (f" With the validation lines in training too (`--refit`): {refit['n']:,} such lines, "
                      f"{refit['anomalies']:,} anomalous, {refit['anomalies_without_evidence']:,} of those without "
                      f"such a word" + (f"; missing only those would score {refit['evidence_bound']:.4f}"
                                         if refit.get("evidence_bound") is not None else "") + ".")
        out += ["", f"{split}: {u['n']:,} lines whose key ({drift['key']}) training never shows, "
                f"{u['anomalies']:,} of them anomalous{bare}.{bound} Their largest groups:", "",
                "| lines | anomalous | template (mined on these lines, for reading) |", "|---|---|---|"]
        out += [f"| {g['n']:,} | {g['anomalies']:,} | {markdown_cell(g['template'], 100, code=True)} |"
                for g in u["groups"][:top]]
        if u["misleading_words"]:
            out += ["", "Words training ties to one label that these lines carry with the other:", "",
                    "| word | training lines: anomalous / holding it | lines here with the other label |",
                    "|---|---|---|"]
            out += [f"| `{w['word']}` | {w['train_anomalous']:,} / {w['train_lines']:,} | {w['lines_against']:,} |"
                    for w in u["misleading_words"][:top]]
    return out
