"""The benchmark's results file and the tables drawn from it: torch-free, so the results pages and the archive
read a results.json without loading a network."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np

from colog.comparison.names import METHODS as ORDER  # the tables' order
from colog.errors import InputError


def merge_results(path: Path, new: list[dict]) -> list[dict]:
    """Earlier results in `path`, minus those this run replaces, then this run's."""
    key = lambda r: (method_label(r), r["dataset"], r["protocol"], r.get("task"), r["seed"])  # noqa: E731
    replaced = {key(r) for r in new}
    return [_rescored(r) for r in earlier_results(path) if key(r) not in replaced] + new


def earlier_results(path: Path) -> list[dict]:
    """The results already in `path` (none if it does not exist); a file that is not one is an error, not empty."""
    if not path.exists():
        return []
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: cannot read earlier benchmark results ({exc}); move it or choose another "
                         "--out") from exc
    if not isinstance(rows, list) or not all(isinstance(r, dict) and {"method", "dataset", "protocol", "seed"} <= set(r)
                                             for r in rows):
        raise InputError(f"{path}: not a colog benchmark results file; move it or choose another --out")
    return rows


def _rescored(r: dict) -> dict:
    """An earlier row's unseen macro-F1 on today's definition, so a column never mixes the two.

    Before commit a668ed0 a class absent from a subset's truth and predictions counted as F1 0, so an
    error-free one-class subset scored 0.5 on the point task; it scores 1.0 now. On two classes 0.5 means
    exactly that case (any wrong line puts the present class below 1 and the other class in the average).
    """
    n, anomalous = r.get("n_test_unseen"), r.get("n_test_unseen_anomalies")
    one_class = n is not None and anomalous in (0, n)
    if r.get("task", "point") == "point" and one_class and r.get("unseen_macro_f1") == 0.5:
        return {**r, "unseen_macro_f1": 1.0}
    return r


def method_label(r: dict) -> str:
    """The method as the tables name it: CoLog with options beyond the paper's is a row of its own."""
    return f"{r['method']} ({r['options']})" if r.get("options") else r["method"]


def _order(name: str) -> tuple[int, str]:
    """Rows in the paper's method order; CoLog with options right after CoLog."""
    base = name.split(" ")[0]
    return ORDER.index(base) if base in ORDER else len(ORDER), name


def _column(r: dict) -> str:
    task = "" if r.get("task", "point") == "point" else f", {r['task']}"
    return f"{r['dataset']} ({r['protocol']}{task})"


def summary(results: list[dict], metric: str,
            label: Callable[[dict], str] = method_label) -> dict[str, dict[str, tuple[float, float, int]]]:
    """{column: {method `label`: (mean, sample standard deviation, seeds)}} over seeds (SD 0 for one seed)."""
    groups: dict[str, dict[str, list[float]]] = {}
    for r in results:
        if r.get(metric) is not None and r.get("measurable", True):  # older results, no unseen test line, or a
            # test split of one class, whose macro-F1 is 1.0 by construction
            groups.setdefault(_column(r), {}).setdefault(label(r), []).append(r[metric])
    return {col: {m: (float(np.mean(v)), float(np.std(v, ddof=1)) if len(v) > 1 else 0.0, len(v)) for m, v in sorted(
        methods.items(), key=lambda kv: _order(kv[0]))}
        for col, methods in sorted(groups.items())}


def seconds_table(results: list[dict]) -> str:
    """Training and inference cost per line and method: CPU seconds from the rows that record them (a pause or
    another job on the machine moves the wall clock, not these), else, for rows written before they were, the
    wall clock."""
    timed = [r for r in results if "train_cpu_seconds" in r]
    if timed:
        rows, train, infer = timed, "train_cpu_seconds", "infer_cpu_seconds"
        what = (f"CPU seconds per line, every thread (mean over the {len(timed)} of {len(results)} rows that "
                "record them)")
    else:
        rows, train, infer = results, "train_seconds", "infer_seconds"
        what = "seconds per line, wall clock (mean over datasets and seeds; same machine)"
    seconds: dict[str, list[tuple[float, float]]] = {}
    for r in rows:
        n_train, n_test = max(r.get("n_train", 1), 1), max(r["n_test"], 1)
        seconds.setdefault(method_label(r), []).append((r[train] / n_train, r[infer] / n_test))
    lines = [f"### {what}", "", "| method | train s/line | inference s/line |", "|---|---|---|"]
    for m in sorted(seconds, key=_order):
        tr, inf = np.mean([s[0] for s in seconds[m]]), np.mean([s[1] for s in seconds[m]])
        lines.append(f"| {m} | {tr:.2e} | {inf:.2e} |")
    return "\n".join(lines)


def _unseen_counts(results: list[dict], column: str) -> str:
    """Per seed, the unseen test lines (anomalous) of a column; empty when no row has them."""
    seen = {r["seed"]: (r["n_test_unseen"], r["n_test_unseen_anomalies"]) for r in results
            if _column(r) == column and r.get("unseen_macro_f1") is not None}
    return f"{column} " + ", ".join(f"{n:,} ({a:,})" for _, (n, a) in sorted(seen.items())) if seen else ""


def missed_and_false_alarms(row: dict) -> tuple[int, int]:
    """A row's missed anomalies and false alarms on its test split, recovered from its accuracy and anomaly F1
    (wrong = misses + false alarms; anomaly F1 = 2 tp / (2 tp + wrong))."""
    wrong = round((1 - row["accuracy"]) * row["n_test"])
    f1 = row["anomaly_f1"]
    caught = row["n_test_anomalies"] if f1 >= 1 else round(f1 * wrong / (2 * (1 - f1)))
    missed = row["n_test_anomalies"] - caught
    return missed, wrong - missed


def flags(options: str) -> frozenset[str]:
    """An options string as its flags, each with its value (`--unk-dropout 0.1`)."""
    out: list[str] = []
    for word in options.split():
        if word.startswith("--") or not out:
            out.append(word)
        else:
            out[-1] += " " + word
    return frozenset(out)


def base_of(options: str, run: set[str]) -> str | None:
    """What a CoLog variant is set beside: of the options `run` on its dataset, the one that holds the most of its
    flags and no other (the paper's network, "", holds none); None for the paper's network itself."""
    below = [o for o in run if flags(o) < flags(options)]
    return max(below, key=lambda o: len(flags(o))) if below else None


def refits(r: dict) -> bool:
    """A row of a method fitted again on training and validation (`--refit`)."""
    return "--refit" in (r.get("options") or "")


def _refit_label(r: dict) -> str:
    """A --refit row's method as its own table names it: the other options stay."""
    return method_label({**r, "options": " ".join(o for o in (r.get("options") or "").split() if o != "--refit")})


def _cell(table: dict[str, tuple[float, float, int]], method: str) -> str:
    """A method's mean ± SD in one column of `summary`, in bold where it is the column's best."""
    mean, sd, n = table[method]
    text = f"{mean:.4f} ± {sd:.4f}" if n > 1 else f"{mean:.4f} (1 seed)"
    return f"**{text}**" if mean == max(v[0] for v in table.values()) else text


def _refit_table(rows: list[dict]) -> str:
    """The --refit rows, set apart in one table: they trained on more lines than every row above, and their unseen
    test lines are those neither training nor validation shows."""
    f1, unseen = summary(rows, "macro_f1", _refit_label), summary(rows, "unseen_macro_f1", _refit_label)
    columns = list(f1)
    lines = ["### fitted again on training and validation (`--refit`): test macro-F1, and in brackets on the test "
             "lines neither shows (mean ± sample SD over seeds)", "",
             "| method | " + " | ".join(columns) + " | train CPU s/line |", "|---|" + "---|" * (len(columns) + 1)]
    for m in sorted({m for c in columns for m in f1[c]}, key=_order):
        cells = [_cell(f1[c], m) + (f" ({unseen[c][m][0]:.4f})" if m in unseen.get(c, {}) else "")
                 if m in f1[c] else "–" for c in columns]
        cpu = [r["train_cpu_seconds"] / max(r["n_train"], 1) for r in rows
               if _refit_label(r) == m and "train_cpu_seconds" in r]
        lines.append(f"| {m} | " + " | ".join(cells) + (f" | {np.mean(cpu):.2e} |" if cpu else " | – |"))
    counts = "; ".join(filter(None, (_unseen_counts(rows, c) for c in columns)))
    return "\n".join(lines + ["", "Each network trained twice, first as in the tables above so that its validation "
                              "chose the epochs, then afresh on training and validation for that many; the other "
                              "methods were fitted on both; the keyword rule learns nothing and is not refit. "
                              f"Unseen test lines (anomalous) per seed: {counts}."])


METRICS = {"macro_f1": "test macro-F1", "anomaly_f1": "test anomaly F1",
           "unseen_macro_f1": "macro-F1 on the test lines whose training-fitted template (service logs) or token "
                              "sequence (OS logs) never occurs in training"}


def markdown_table(results: list[dict], seconds: bool = True, metrics: tuple[str, ...] = tuple(METRICS)) -> str:
    """Methods x datasets, mean ± sample SD of each of `metrics` (best in bold; by default macro-F1, anomaly F1 and
    unseen lines) and (unless not `seconds`) seconds; the --refit rows in a table of their own."""
    parts, refit_rows, plain = [], [r for r in results if refits(r)], [r for r in results if not refits(r)]
    for metric in metrics:
        title, table = METRICS[metric], summary(plain, metric)
        columns = list(table)
        if not columns:
            continue
        methods = sorted({m for c in columns for m in table[c]}, key=_order)
        lines = [f"### {title} (mean ± sample SD over seeds)", "",
                 "| method | " + " | ".join(columns) + " |", "|---|" + "---|" * len(columns)]
        for m in methods:
            lines.append(f"| {m} | " + " | ".join(_cell(table[c], m) if m in table[c] else "–" for c in columns)
                         + " |")
        if metric == "unseen_macro_f1":
            counts = "; ".join(filter(None, (_unseen_counts(plain, c) for c in columns)))
            lines += ["", f"Unseen test lines (anomalous) per seed: {counts}. Macro averages run over the classes "
                          "that occur in a subset's truth or predictions: a one-class subset with no line wrong "
                          "scores 1.0."]
        parts.append("\n".join(lines))
    if refit_rows:
        parts.append(_refit_table(refit_rows))
    if seconds:
        parts.append(seconds_table(plain))
    seeds: dict[str, set] = {}
    for r in results:
        seeds.setdefault(_column(r), set()).add(r["seed"])
    listed = "; ".join(f"{c}: {sorted(v)}" for c, v in sorted(seeds.items()))
    return (f"# Benchmark results\n\nSeeds per column: {listed}. Every method of a column saw the same test "
            "lines (`test_ids_sha1` in results.json); ± is the sample standard deviation over seeds.\n\n"
            + "\n\n".join(parts) + "\n")
