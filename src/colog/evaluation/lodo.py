"""The leave-one-dataset-out table: one row per held-out dataset, read from `colog evaluate RUN --on` outputs,
and the ceiling that keyword labels put on it.

scripts/build_model.sh --lodo SEED writes DIR/on-NAME-sSEED/metrics.json (protocol cross; the fold's training run
is DIR/without-NAME-sSEED), and with training options added to the recipe or changed DIR/with/OPTIONS/on-NAME-sSEED;
the model card and docs/results.md print these same tables from them.
"""

from __future__ import annotations

import csv
import json
import re
import statistics
from collections import Counter
from pathlib import Path

import numpy as np

from colog.artifacts import markdown_cell
from colog.evaluation.corpus import SYSLOG_FAMILY
from colog.evaluation.metrics import classification_metrics, mean_sd, paired, seconds_cell
from colog.features.tokens import sequence_key, tokenize


LARGEST_ERROR = "largest-error.json"  # a fold's `largest_error`, kept where its errors.csv is not
HEADER = ["| held out | trained on | seeds | CoLog macro-F1 | anomaly precision / recall | keyword rule | unseen lines "
          "(tokens) | CoLog on them |", "|---|---|---|---|---|---|---|---|"]


def lodo_runs(lodo: Path, held_out: tuple[str, ...] = tuple(SYSLOG_FAMILY),
              scored: str = "on") -> dict[str, list[tuple[int, dict]]]:
    """held-out dataset -> [(seed, its metrics.json)], seeds in order: the fold's model scored on the held-out
    dataset (`scored` "on"), on the validation system ("valid"), or its training run ("without")."""
    runs = {}
    for name in held_out:
        found = [(int(p.parent.name.rsplit("-s", 1)[1]), json.loads(p.read_text(encoding="utf-8")))
                 for p in lodo.glob(f"{scored}-{name}-s*/metrics.json")]
        runs[name] = sorted(found, key=lambda seeded: seeded[0])
    return runs


def lodo_table(runs: dict[str, list[tuple[int, dict]]], ceiling: dict[str, dict] | None = None,
               trained: dict[str, list[tuple[int, dict]]] | None = None) -> list[str]:
    """The markdown table, with the folds' training seconds when their training runs (`lodo_runs(..., "without")`)
    are given and `shown_terms_ceiling`'s figure per row when given; a dataset with no run yet keeps its row,
    empty."""
    out = list(HEADER)
    extra = ([" training seconds |"] if trained is not None else []) + ([" ceiling of the labels |"] if ceiling else [])
    out = [out[0] + "".join(extra), out[1] + "---|" * len(extra)]
    for name, seeded in runs.items():
        seeds, metrics = [s for s, _ in seeded], [m for _, m in seeded]
        fits = [m for s, m in (trained or {}).get(name, []) if s in seeds]
        cells = ([f" {seconds_cell(fits) if seeded and len(fits) == len(seeds) else '–'} |"]
                 if trained is not None else []) + ([f" {ceiling[name]['macro_f1']:.4f} |"] if ceiling else [])
        if not seeded:
            out.append(f"| {name} | – | – | – | – | – | – | – |" + "".join(cells))
            continue
        t = [m["test"] for m in metrics]
        out.append(f"| {name} | {', '.join(n for n in runs if n != name)} | {', '.join(map(str, seeds))} | "
                   f"**{mean_sd([x['macro_f1'] for x in t])}** | "
                   f"{statistics.mean(x['anomaly_precision'] for x in t):.2f} / "
                   f"{statistics.mean(x['anomaly_recall'] for x in t):.2f} | 1.0000 (the labels' own rule) | "
                   f"{metrics[0]['test_unseen']['n']:,} of {t[0]['n']:,} | "
                   f"{mean_sd([m['test_unseen']['macro_f1'] for m in metrics])} |" + "".join(cells))
    return out


def option_changes(recipe: str, variant: str) -> str:
    """How a variant's training options (metrics.json `options`) differ from the recipe's, in words: an option
    added, one taken out (a default value is not written into `options`), or one given another value."""
    def flags(options: str) -> dict[str, str]:
        return {flag: value.strip() for flag, value in re.findall(r"(--[\w-]+)((?:\s+(?!--)\S+)*)", options)}

    def shown(flag: str, value: str) -> str:
        return f"`{flag} {value}`" if value else f"`{flag}`"

    ours, theirs = flags(recipe), flags(variant)
    changes = [f"with {shown(f, v)}" for f, v in theirs.items() if f not in ours]
    changes += [f"without {shown(f, v)}" for f, v in ours.items() if f not in theirs]
    changes += [f"{shown(f, theirs[f])} for {shown(f, v)}" for f, v in ours.items() if f in theirs and theirs[f] != v]
    return ", ".join(changes) or "the same options"


def option_rows(lodo: Path) -> list[str]:
    """The recipe beside each variant of it (each LODO/with/* directory: options added, taken out or changed), on
    the seeds both have: whether an option carries to another machine's logs, on the held-out dataset and on the
    validation system that chooses options. Nothing where none was run."""
    def f1(runs: dict[str, list[tuple[int, dict]]], name: str) -> dict[int, float]:
        return {s: m["test"]["macro_f1"] for s, m in runs.get(name, [])}

    plain, plain_valid = lodo_runs(lodo), lodo_runs(lodo, scored="valid")
    out = []
    for variant in sorted(p for p in (lodo / "with").glob("*") if p.is_dir()):
        held, valid = lodo_runs(variant), lodo_runs(variant, scored="valid")
        for name, seeded in held.items():
            seeds, cells = paired(f1(plain, name), f1(held, name))
            if not seeds:
                continue
            base, ours = f1(plain_valid, name), f1(valid, name)
            v_seeds = [s for s in seeds if s in base and s in ours]
            validation = (f"{mean_sd([base[s] for s in v_seeds])} → {mean_sd([ours[s] for s in v_seeds])}"
                          if v_seeds else "–")
            if v_seeds and v_seeds != seeds:
                validation += f" (seeds {', '.join(map(str, v_seeds))})"
            change = option_changes(dict(plain[name])[seeds[0]]["options"], dict(seeded)[seeds[0]]["options"])
            out.append(f"| {name} | {change} | " + " | ".join(cells) + f" | {validation} |")
    if not out:
        return []
    return ["| held out | the recipe changed | seeds | the recipe | changed | difference, per seed | validation "
            "system (Linux 2k): the recipe → changed |", "|---|---|---|---|---|---|---|", *out]


def syslog_family_fired(data: Path) -> dict[str, list[frozenset[str]]]:
    """Per dataset of the family under `data` (shared/data): the terms the bundled model's label rule fires on
    each line, parsed as the bundled model's recipe parses them."""
    from colog.labeling import parse_rule
    from colog.parsing import ParseConfig, parse_paths

    rule = parse_rule("keywords-substring:@colog-reference")
    return {name: rule.fired(parse_paths([data / folder / "logs"], ParseConfig(format="syslog"), progress=False).table)
            for name, folder in SYSLOG_FAMILY.items()}


def shown_terms_ceiling(fired: dict[str, list[frozenset[str]]], top: int = 4) -> dict[str, dict]:
    """Per held-out dataset, what keyword labels let any learner reach: `fired` holds, per dataset, the terms the
    rule fires on each line. A learner that knows exactly the terms the other datasets' labels show, and makes
    no false alarm, still misses a held-out line whose every term never fires there: its macro-F1 is the ceiling."""
    out = {}
    for held, lines in fired.items():
        shown = frozenset().union(*(f for name, other in fired.items() if name != held for f in other))
        labels = np.array([bool(f) for f in lines], dtype=np.int8)
        caught = np.array([bool(f & shown) for f in lines], dtype=np.int8)
        unshown = Counter(t for f in lines if f and not f & shown for t in f)
        m = classification_metrics(labels, caught, ["normal", "anomaly"])
        n_anomalies, n_unshown = int(labels.sum()), int((labels > caught).sum())
        out[held] = {"n": len(lines), "n_anomalies": n_anomalies, "n_unshown": n_unshown,
                     "macro_f1": m["macro_f1"], "top_unshown": unshown.most_common(top),
                     "room": room(len(lines) - n_anomalies, n_anomalies - n_unshown, n_unshown)}
    return out


def room(normal: int, caught: int, missed: int, target: float = 0.95) -> dict[str, int] | None:
    """How many more wrong lines the ceiling learner (`caught` anomalies found, `missed` not, no false alarm
    among `normal` lines) can make and still score `target` macro-F1: false alarms alone, or misses of the
    lines it catches alone; None where the ceiling itself is below `target`."""
    def macro_f1(tp: int, fp: int, fn: int) -> float:
        tn = normal - fp
        return (2 * tp / max(2 * tp + fp + fn, 1) + 2 * tn / max(2 * tn + fp + fn, 1)) / 2

    def most(score) -> int:  # the largest k >= 0 with score(k) >= target; score falls as k grows
        lo, hi = 0, max(normal, caught)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            lo, hi = (mid, hi) if score(mid) >= target else (lo, mid - 1)
        return lo

    if macro_f1(caught, 0, missed) < target:
        return None
    return {"false_alarms": most(lambda k: macro_f1(caught, min(k, normal), missed)),
            "misses": most(lambda k: macro_f1(max(caught - k, 0), 0, missed + min(k, caught)))}


def largest_error(errors_csv: Path) -> dict:
    """The one message (keyed by the tokens the model reads) behind the most wrong lines of a run's errors.csv:
    on a log where one message repeats thousands of times, one verdict moves the whole figure."""
    groups: Counter = Counter()
    example: dict[tuple[int, str], str] = {}
    with errors_csv.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            key = (sequence_key(tokenize(row["message"])), row["label"])
            groups[key] += 1
            example.setdefault(key, row["message"])
    if not groups:
        return {"errors": 0}
    (key, lines), total = groups.most_common(1)[0], sum(groups.values())
    return {"errors": total, "lines": lines, "message": example[key],
            "kind": "false alarm" if key[1] == "normal" else "missed"}


def fold_error(fold: Path) -> dict | None:
    """`largest_error` of a fold's output directory: kept in LARGEST_ERROR where the fold was archived without its
    errors.csv (scripts/archive_results.py), else read from errors.csv; None when it has neither."""
    if (fold / LARGEST_ERROR).is_file():
        return json.loads((fold / LARGEST_ERROR).read_text(encoding="utf-8"))
    return largest_error(fold / "errors.csv") if (fold / "errors.csv").is_file() else None


def error_rows(runs: dict[str, list[tuple[int, dict]]], lodo: Path) -> list[str]:
    """Per fold and seed: its errors and the message behind the most of them (`fold_error`), and a sentence on the
    largest such group; nothing where no fold has its errors."""
    worst: tuple[float, str, int, int] | None = None  # (share of the held-out lines, fold, seed, lines)
    out = ["| held out | seed | macro-F1 | wrong lines | the message behind the most of them | its lines |",
           "|---|---|---|---|---|---|"]
    for name, seeded in runs.items():
        for seed, metrics in seeded:
            e = fold_error(lodo / f"on-{name}-s{seed}")
            if e is None:
                continue
            if e["errors"]:
                share = e["lines"] / metrics["test"]["n"]
                top = (f"{markdown_cell(e['message'], 70, code=True)} ({e['kind']}) | {e['lines']:,} ({share:.1%} of "
                       "the held-out lines)")
                worst = max(worst or (share, name, seed, e["lines"]), (share, name, seed, e["lines"]))
            else:
                top = "– | –"
            out.append(f"| {name} | {seed} | {metrics['test']['macro_f1']:.4f} | {e['errors']:,} | {top} |")
    if worst is None:
        return []
    share, name, seed, lines = worst
    return out + ["", f"The largest: on {name}, seed {seed}, one message's verdict makes {lines:,} lines wrong "
                  f"({share:.1%} of its lines). A log where one message repeats thousands of times moves with that one "
                  "verdict, which is where a wide spread across seeds comes from."]
