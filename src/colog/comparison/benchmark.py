"""`colog benchmark`: every method on the same split, features and seeds; results.json, results.md, a bar plot.

The data are parsed and labelled once; each seed draws its split (the chronological split is the
same for every seed, the networks' initialisation is not) and builds the features once, and every
method is fitted on that seed's training rows and scored on its test rows. Results of other
datasets already in the output directory are kept, so one directory collects a whole table.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from colog.artifacts import atomic_path, write_json
from colog.comparison.baselines import REFITS, Features, make, refit
from colog.comparison.resume import SeedProgress
from colog.comparison.tables import earlier_results, markdown_table, merge_results, summary
from colog.config import ExperimentConfig
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
    method_bars(summary(merged, "macro_f1"), out / "results.png")
