"""`colog benchmark`: every method on the same split, features and seeds; results.json, results.md, a bar plot.

The data are parsed and labelled once; each seed draws its split (the chronological split is the
same for every seed, the networks' initialisation is not) and builds the features once, and every
method is fitted on that seed's training rows and scored on its test rows. Results of other
datasets already in the output directory are kept, so one directory collects a whole table.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np

from colog.artifacts import atomic_path, write_json
from colog.comparison.baselines import ORDER, REFITS, Features, make, refit
from colog.comparison.resume import SeedProgress
from colog.config import ExperimentConfig
from colog.errors import InputError
from colog.evaluation.metrics import classification_metrics
from colog.evaluation.plots import method_bars
from colog.experiment.prepare import load_data, with_valid_in_training
from colog.features import split_lines
from colog.progress import progress_bar

logger = logging.getLogger(__name__)

RESULT_KEYS = ("method", "dataset", "protocol", "seed", "macro_f1", "anomaly_f1", "macro_precision", "macro_recall",
               "accuracy", "train_seconds", "infer_seconds", "n_test")


def test_ids_digest(data, rows: np.ndarray) -> str:
    """A fingerprint of the test lines (file, line): equal digests mean the same test set."""
    files, lines = data.table["file"].to_pylist(), data.table["line"].to_pylist()
    text = "\n".join(f"{files[r]}\t{lines[r]}" for r in rows)
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()


def run_benchmark(config: ExperimentConfig, methods: list[str], seeds: list[int], out: Path,
                  progress: bool = True) -> list[dict]:
    """Fit and score `methods` for each seed; merge into out/results.json and redraw the table and plot."""
    earlier_results(out / "results.json")  # refuse a file we cannot merge into before hours of fitting, not after
    data = load_data(config, progress)
    out.mkdir(parents=True, exist_ok=True)  # after the logs are read: bad input leaves no empty folder behind
    results = []
    with progress_bar(total=len(seeds) * len(methods), desc="benchmark", unit="fit", enabled=progress) as bar:
        for seed in seeds:
            cfg = replace(config, split=replace(config.split, seed=seed), train=replace(config.train, seed=seed))
            seeded = replace(data, split=split_lines(data.table, data.labels, cfg.split))
            features = Features.build(seeded, cfg, progress)
            train, valid, test = seeded.rows(0), seeded.rows(1), seeded.rows(2)
            digest = test_ids_digest(seeded, test)
            unseen, unseen_key = seeded.unseen(cfg.model.max_len)
            progress_of = SeedProgress.of(out, cfg, digest)
            finished = progress_of.finished()
            merged = None  # --refit: the features with validation moved into training, built once a method needs them
            for name in methods:
                bar.set_postfix_str(f"seed {seed} {name}")
                if name in finished:  # fitted before this seed was interrupted
                    results.append(finished[name])
                    bar.update(1)
                    continue
                refitting = cfg.refit and name in REFITS
                if refitting and merged is None:
                    merged = Features.build(with_valid_in_training(seeded, cfg), cfg, progress)
                start, start_cpu = time.perf_counter(), time.process_time()
                if refitting:
                    method = refit(name, seed, features, merged, progress_of.checkpoint(name))
                else:
                    method = make(name, seed)
                    if hasattr(method, "checkpoint"):
                        method.checkpoint = progress_of.checkpoint(name)
                    method.fit(features, train, valid)
                fitted, fitted_cpu = time.perf_counter(), time.process_time()
                used = merged if refitting else features
                predicted = method.predict(used, test)
                scored, scored_cpu = time.perf_counter(), time.process_time()
                # a fit resumed from its checkpoint: the time an earlier process spent on it counts too
                history = getattr(method, "history_", None)
                earlier, earlier_cpu = (history.earlier_seconds, history.earlier_cpu_seconds) if history else (0, 0)
                m = classification_metrics(seeded.labels[test], predicted, seeded.class_names)
                trained_on = used.data  # a refit trained on validation too: unseen by that
                unseen_m = unseen if trained_on is seeded else trained_on.unseen(cfg.model.max_len)[0]
                u = (classification_metrics(seeded.labels[test][unseen_m], predicted[unseen_m], seeded.class_names)
                     if len(unseen_m) else None)
                results.append({
                    "method": name, "dataset": config.dataset, "protocol": cfg.split.protocol, "seed": seed,
                    **{k: m[k] for k in ("macro_f1", "anomaly_f1", "macro_precision", "macro_recall", "accuracy")},
                    "train_seconds": fitted - start + earlier, "infer_seconds": scored - fitted, "n_test": len(test),
                    # CPU time of every thread: unlike the wall clock, a paused queue or another job adds none
                    "train_cpu_seconds": fitted_cpu - start_cpu + earlier_cpu,
                    "infer_cpu_seconds": scored_cpu - fitted_cpu,
                    "n_test_anomalies": m["n_anomalies"], "measurable": m["measurable"],
                    "n_train": len(trained_on.rows(0)), "task": cfg.task, "window": cfg.window,
                    "epochs": cfg.train.epochs, "min_epoch_steps": cfg.train.min_epoch_steps,  # the training budget
                    "label_source": seeded.summary["label_source"], "test_ids_sha1": digest,
                    "unseen_key": unseen_key, "n_test_unseen": len(unseen_m),
                    "n_test_unseen_anomalies": u["n_anomalies"] if u else 0,
                    "unseen_macro_f1": u["macro_f1"] if u else None,
                    "unseen_anomaly_f1": u["anomaly_f1"] if u else None,
                    "note": getattr(method, "note_", ""),
                    "options": cfg.options if name == "colog" else "--refit" if refitting else "",
                })
                progress_of.add(results[-1])
                logger.info("%s seed %d: macro-F1 %.4f", name, seed, m["macro_f1"])
                bar.update(1)
            _save(out, results)  # after every seed: an interrupted run keeps the seeds it finished
            progress_of.clear()
    return results


def _save(out: Path, results: list[dict]) -> None:
    """Merge `results` into out/results.json and redraw results.md and results.png."""
    merged = merge_results(out / "results.json", results)
    write_json(merged, out / "results.json")
    with atomic_path(out / "results.md") as tmp:
        tmp.write_text(markdown_table(merged), encoding="utf-8")
    method_bars(_summary(merged, "macro_f1"), out / "results.png")


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


def _summary(results: list[dict], metric: str,
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


def refits(r: dict) -> bool:
    """A row of a method fitted again on training and validation (`--refit`)."""
    return "--refit" in (r.get("options") or "")


def _refit_label(r: dict) -> str:
    """A --refit row's method as its own table names it: the other options stay."""
    return method_label({**r, "options": " ".join(o for o in (r.get("options") or "").split() if o != "--refit")})


def _cell(table: dict[str, tuple[float, float, int]], method: str) -> str:
    """A method's mean ± SD in one column of `_summary`, in bold where it is the column's best."""
    mean, sd, n = table[method]
    text = f"{mean:.4f} ± {sd:.4f}" if n > 1 else f"{mean:.4f} (1 seed)"
    return f"**{text}**" if mean == max(v[0] for v in table.values()) else text


def _refit_table(rows: list[dict]) -> str:
    """The --refit rows, set apart in one table: they trained on more lines than every row above, and their unseen
    test lines are those neither training nor validation shows."""
    f1, unseen = _summary(rows, "macro_f1", _refit_label), _summary(rows, "unseen_macro_f1", _refit_label)
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


def markdown_table(results: list[dict], seconds: bool = True) -> str:
    """Methods x datasets, mean ± sample SD of macro-F1 (best in bold), then anomaly F1, unseen lines and (unless
    not `seconds`) seconds; the --refit rows in a table of their own."""
    parts, refit_rows, plain = [], [r for r in results if refits(r)], [r for r in results if not refits(r)]
    for metric, title in (("macro_f1", "test macro-F1"), ("anomaly_f1", "test anomaly F1"),
                          ("unseen_macro_f1", "macro-F1 on the test lines whose training-fitted template (service "
                                              "logs) or token sequence (OS logs) never occurs in training")):
        table = _summary(plain, metric)
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
