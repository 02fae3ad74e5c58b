"""Train a run into a run directory, and evaluate a saved one; both end in the same metrics.json schema.

What a run directory holds, and how it is loaded, is `colog.rundir`'s.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from colog.artifacts import staged_dir, write_json
from colog.config import ExperimentConfig
from colog.errors import CologError
from colog.evaluation.metrics import classification_metrics, per_group_macro_f1, validation_score
from colog.experiment.outputs import Scored, write_errors, write_outputs, wrong_lines
from colog.experiment.prepare import (Fitted, Prepared, build_inputs, fit_inputs, load_data, load_other,
                                     with_valid_in_training)
from colog.features import SPLITS, ModelInputs
from colog.labeling import group_ids
from colog.model import CoLog, CoLogConfig
from colog.rundir import SavedRun, load_run, save_run
from colog.training import Trainer, predict
from colog.training.checkpoint import Checkpoint
from colog.training.loop import History

logger = logging.getLogger(__name__)


def train_run(config: ExperimentConfig, out: Path, overwrite: bool = False, progress: bool = True) -> dict:
    """Train and evaluate; the run directory appears only once everything in it is written."""
    start = load_run(config.init) if config.init is not None else None
    if start is not None:  # fine-tuning: the network as it was, its sizes and switches too
        config = replace(config, model=replace(start.model.config, n_classes=config.model.n_classes))
    with staged_dir(out, overwrite) as tmp:
        data = load_data(config, progress)
        fitted = fit_inputs(data, config, progress,
                            (start.vocab, start.model.embed.weight.detach().numpy()) if start else None)
        # killed, the same command goes on after the last finished epoch
        checkpoint = Checkpoint(out.parent / f".{out.name}.resume.safetensors", fingerprint(config, data))
        start_cpu = time.process_time()
        model, history = fit_model(data, fitted.inputs, fitted.word_vectors, fitted.train_rows, data.rows(1), config,
                                   progress, init=start.model if start else None, checkpoint=checkpoint)
        chosen = history
        if config.refit:  # from here on, the run is the refitted network's, on its split
            before = _evaluate(model, data, fitted.inputs, config)[0]["test"]  # what the refit changed
            data, fitted, model, history = refit(data, config, chosen, progress, checkpoint)
        metrics, scored = _evaluate(model, data, fitted.inputs, config)
        if config.refit:
            metrics["refit"] = {"epochs": len(history.epochs), "valid_macro_f1": chosen.best_score[0],
                                "test_before": before}
        seconds = max(history.train_seconds, 1e-9)
        metrics.update(n_train_balanced=len(fitted.train_rows),
                       train_seconds=history.train_seconds + (chosen.train_seconds if config.refit else 0),
                       # CPU time of every thread, as benchmark rows record it (a resumed fit: the earlier one's too)
                       train_cpu_seconds=time.process_time() - start_cpu + history.earlier_cpu_seconds,
                       # training lines covered per second (each pass covers every balanced training line)
                       train_lines_per_second=history.passes * len(fitted.train_rows) / seconds,
                       train_distinct_inputs_per_second=history.lines_seen / seconds,
                       best_epoch=history.best_epoch, epochs=len(history.epochs))
        keys, key = data.keys(config.model.max_len)
        save_run(tmp, config, model, fitted.vocab, fitted.word_vectors, data.split_table(), data.templates(),
                 (key, keys[data.split == 0]), metrics, history.epochs)
        write_outputs(tmp, data, metrics, scored, config.to_dict(), history.epochs)
    for finished in (checkpoint, checkpoint.companion("refit")):
        finished.clear()
    return metrics


def fingerprint(config: ExperimentConfig, data: Prepared, *extra: str) -> str:
    """What a fit is of: its config and the lines, labels and split it reads (a checkpoint of another is not
    resumed from)."""
    digest = config.digest(*extra)
    for column in ("file", "line"):
        digest.update(repr(data.table[column].to_pylist()).encode("utf-8", "surrogatepass"))
    digest.update(np.ascontiguousarray(data.labels).tobytes() + np.ascontiguousarray(data.split).tobytes())
    return digest.hexdigest()


def fit_model(data: Prepared, inputs: ModelInputs, word_vectors: np.ndarray, train_rows: np.ndarray,
              valid: np.ndarray | None, config: ExperimentConfig, progress: bool = True,
              callbacks: list[Callable[[dict], None]] | None = None, init: CoLog | None = None,
              checkpoint: Checkpoint | None = None, schedule: list[float] | None = None) -> tuple[CoLog, History]:
    """A CoLog network trained on `train_rows` (from `init`'s weights when given), epochs ranked on the `valid`
    rows, or without them (a refit) at `schedule`'s learning rates; `callbacks` get each epoch's record (Ray Tune
    reports from one); with a `checkpoint` an interrupted fit resumes."""
    model_config = CoLogConfig.from_dict(config.model.to_dict() | {"n_classes": len(data.class_names)})
    torch.manual_seed(config.train.seed)
    model = CoLog(model_config, torch.from_numpy(word_vectors))
    if init is not None:
        if init.config.n_classes != model_config.n_classes:
            raise CologError(f"--init's model has {init.config.n_classes} classes; this task has "
                             f"{model_config.n_classes}")
        model.load_state_dict(init.state_dict())

    def score(m: torch.nn.Module) -> tuple[float, float]:
        return validation_score(data.labels[valid], predict(m, inputs, valid)[0], data.class_names)

    train = config.train if valid is not None else config.train.following(schedule)
    history = Trainer(train, callbacks, progress, checkpoint).fit(model, inputs, data.labels, train_rows,
                                                                  score if valid is not None else None, schedule)
    return model, history


def refit(data: Prepared, config: ExperimentConfig, chosen: History, progress: bool = True,
          checkpoint: Checkpoint | None = None) -> tuple[Prepared, Fitted, CoLog, History]:
    """`--refit`: the data with validation moved into training, everything learned fitted on it again, and a
    network trained afresh for the epochs validation chose (`chosen`'s best) at their learning rates. `checkpoint`:
    the first fit's; the refit keeps its own beside it. The history's earlier seconds count the first fit's too."""
    merged = with_valid_in_training(data, config)
    fitted = fit_inputs(merged, config, progress)
    schedule = chosen.chosen_schedule()
    logger.info("refit on %d training and validation lines for the %d epochs validation chose",
                len(merged.rows(0)), len(schedule))
    model, history = fit_model(merged, fitted.inputs, fitted.word_vectors, fitted.train_rows, None, config, progress,
                               checkpoint=checkpoint.companion("refit") if checkpoint else None, schedule=schedule)
    history.count_earlier(chosen)
    return merged, fitted, model, history


def load_model_inputs(rundir: Path, progress: bool = True) -> tuple[SavedRun, Prepared, ModelInputs]:
    """A saved run and its data rebuilt from the recorded logs, checked against the recorded split."""
    run = load_run(rundir)
    data = load_data(run.config, progress)
    if run.config.refit:  # its network trained on the validation lines too, and its split records them so
        data = with_valid_in_training(data, run.config)
    recorded = run.split()
    if recorded["split"].to_pylist() != [SPLITS[s] for s in data.split] or \
            recorded["line"].to_pylist() != data.table["line"].to_pylist():
        raise CologError(f"{rundir}: the logs no longer give the recorded split (did the files change?)")
    return run, data, build_inputs(data, run.config, run.vocab, progress)


def evaluate_run(rundir: Path, progress: bool = True) -> dict:
    """Measure a saved run again on its recorded test split; rewrites metrics.json, plots and report."""
    run, data, inputs = load_model_inputs(rundir, progress)
    measured, scored = _evaluate(run.model, data, inputs, run.config)
    metrics = run.metrics | measured
    write_json(metrics, rundir / "metrics.json")
    write_outputs(rundir, data, metrics, scored, run.config.to_dict(), run.history())
    return metrics


def evaluate_on(rundir: Path, paths: list, dataset: str | None = None, fmt: str | None = None,
                rule: str | None = None, year: int | None = None, out: Path | None = None,
                progress: bool = True) -> dict:
    """Score a trained run on logs it never saw (another machine's, or later ones), labelled by `dataset`'s rule
    or `rule`: every line is a test line, and those whose key the run's training lines never show are
    test_unseen. Writes out/metrics.json (protocol "cross") and out/errors.csv; `out` defaults to
    RUNDIR/on-NAME."""
    run = load_run(rundir)
    seen = run.seen()
    config = replace(run.config, paths=[str(Path(p).resolve()) for p in paths], dataset=dataset, format=fmt,
                     rule=rule, year=year)
    data = load_other(config, run.miner(), progress)
    if data.class_names != run.classes:
        raise CologError(f"the run's classes {run.classes} differ from these logs' {data.class_names}")
    metrics, scored = _evaluate(run.model, data, build_inputs(data, run.config, run.vocab, progress), run.config, seen)
    metrics.update(protocol="cross", dataset=dataset, paths=config.paths, trained_on=", ".join(run.config.trained_on),
                   run=str(rundir), label_source=data.summary["label_source"],
                   labels_readable_by_model=data.summary["label_source"].startswith("keywords"))
    out = out or rundir / f"on-{dataset or Path(paths[0]).name}"
    out.mkdir(parents=True, exist_ok=True)
    write_json(metrics, out / "metrics.json")
    write_errors(out / "errors.csv", wrong_lines(data, 2, scored.test, scored.unseen))
    return metrics


def _evaluate(model: CoLog, data: Prepared, inputs: ModelInputs, config: ExperimentConfig,
              seen: tuple[str, np.ndarray] | None = None) -> tuple[dict, Scored]:
    """The metrics of the test split, and what was scored for the plots and the error lists; `seen`: the
    training keys of the run, when the data are other logs."""
    test = data.rows(2)
    start = time.perf_counter()
    probs, vectors = predict(model, inputs, test, with_vectors=True)
    infer_seconds = time.perf_counter() - start
    predicted = probs.argmax(1)
    unseen, unseen_key = data.unseen(config.model.max_len, seen=seen)
    groups = group_ids(data.table["file"].to_numpy(zero_copy_only=False))[test]
    label_source = data.summary["label_source"]
    out = {
        "dataset": config.dataset, "task": config.task, "protocol": config.split.protocol,
        "label_source": label_source, "seed": config.train.seed, "window": config.window,
        "balance": config.balance, "options": config.options, "classes": data.class_names,
        "n_train": int((data.split == 0).sum()), "n_valid": int((data.split == 1).sum()), "n_test": len(test),
        "infer_seconds": infer_seconds, "infer_lines_per_second": len(test) / max(infer_seconds, 1e-9),
        "labels_readable_by_model": label_source.startswith("keywords"),  # the rule's words are model input
        "windows_isolated": config.isolates_splits,  # False: windows (labels, vectors) reach into other splits
        "windows_hide_later_splits": config.hide_later_splits,  # no training window holds a validation/test line
        "test": classification_metrics(data.labels[test], predicted, data.class_names),
        "test_per_file_macro_f1": per_group_macro_f1(data.labels[test], predicted, groups, len(data.class_names)),
        "unseen_key": unseen_key,
        "test_unseen": ({**classification_metrics(data.labels[test][unseen], predicted[unseen], data.class_names),
                         "key": unseen_key} if len(unseen) else None),
    }
    if not out["test"]["measurable"]:
        logger.warning("the test split's %d lines hold %d anomalous ones: its macro-F1 measures nothing and no table "
                       "counts it (metrics.json: test.measurable false)", len(test), out["test"]["n_anomalies"])
    valid = data.rows(1)
    valid_probs = predict(model, inputs, valid)[0] if len(valid) else np.zeros((0, len(data.class_names)))
    return out, Scored(probs, vectors, unseen, valid_probs, data.unseen(config.model.max_len, 1, seen)[0])
