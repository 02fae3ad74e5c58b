"""Train a run into a run directory, and evaluate a saved one; both end in the same metrics.json schema.

A run directory holds config.json, split.parquet (file, line, split of every line), vocab.json,
word2vec.safetensors, model.safetensors + model.json, templates.json (the Drain state detection continues
from), history.json, metrics.json, plots/ and report.html.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Callable

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import torch
from safetensors.torch import load_file

from colog.artifacts import read_json, staged_dir, write_json, write_parquet, write_safetensors
from colog.errors import CologError
from colog.evaluation.metrics import classification_metrics, per_group_macro_f1
from colog.experiment.config import ExperimentConfig
from colog.experiment.prepare import Prepared, balanced_train_rows, build_inputs, fit_features, load_data
from colog.experiment.outputs import write_outputs
from colog.features.inputs import ModelInputs
from colog.features.split import SPLITS
from colog.features.tokens import Vocabulary, train_word2vec
from colog.labeling import group_ids
from colog.model import CoLog, CoLogConfig
from colog.training import Trainer, predict
from colog.training.loop import History

logger = logging.getLogger(__name__)

RUN_FILES = ("config.json", "split.parquet", "vocab.json", "word2vec.safetensors", "model.safetensors", "model.json",
             "metrics.json")


def train_run(config: ExperimentConfig, out: Path, overwrite: bool = False, progress: bool = True) -> dict:
    """Train and evaluate; the run directory appears only once everything in it is written."""
    with staged_dir(out, overwrite) as tmp:
        data = load_data(config, progress)
        vocab, corpus = fit_features(data, config)
        word_vectors = train_word2vec(corpus, vocab, config.model.word_dim, config.split.seed)
        inputs = build_inputs(data, config, vocab, progress)
        train_rows = balanced_train_rows(data, inputs, config)
        model, history = fit_model(data, inputs, word_vectors, train_rows, config, progress)
        model_config = model.config
        metrics, scored = _evaluate(model, data, inputs, config)
        seconds = max(history.train_seconds, 1e-9)
        metrics.update(n_train_balanced=len(train_rows), train_seconds=history.train_seconds,
                       # training lines covered per second (each pass covers every balanced training line)
                       train_lines_per_second=history.passes * len(train_rows) / seconds,
                       train_distinct_inputs_per_second=history.lines_seen / seconds,
                       best_epoch=history.best_epoch, epochs=len(history.epochs))
        _save(tmp, config, data, vocab, word_vectors, model, model_config, metrics, history.epochs)
        write_outputs(tmp, data, metrics, scored, config.to_dict(), history.epochs)
    return metrics


def fit_model(data: Prepared, inputs: ModelInputs, word_vectors: np.ndarray, train_rows: np.ndarray,
              config: ExperimentConfig, progress: bool = True,
              callbacks: list[Callable[[dict], None]] | None = None) -> tuple[CoLog, History]:
    """A CoLog network trained on `train_rows`, epochs ranked on the validation split; `callbacks`
    get each epoch's record (Ray Tune reports from one)."""
    model_config = CoLogConfig.from_dict(config.model.to_dict() | {"n_classes": len(data.class_names)})
    torch.manual_seed(config.train.seed)
    model = CoLog(model_config, torch.from_numpy(word_vectors))
    valid = data.rows(1)

    def score(m: torch.nn.Module) -> tuple[float, float]:
        probs, _ = predict(m, inputs, valid)
        truth = data.labels[valid]
        loss = float(-np.log(np.clip(probs[np.arange(len(valid)), truth], 1e-12, None)).mean())
        return classification_metrics(truth, probs.argmax(1), data.class_names)["macro_f1"], -loss

    history = Trainer(config.train, callbacks, progress).fit(model, inputs, data.labels, train_rows, score)
    return model, history


def load_model_inputs(rundir: Path, progress: bool = True) -> tuple[CoLog, Prepared, ModelInputs, ExperimentConfig]:
    """A saved run's model and its data rebuilt from the recorded logs, checked against the recorded split."""
    missing = [f for f in RUN_FILES if not (rundir / f).is_file()]
    if not rundir.is_dir() or missing:
        raise CologError(f"{rundir}: not a complete colog run directory (missing: {', '.join(missing) or 'all'})")
    config = ExperimentConfig.from_dict(read_json(rundir / "config.json", "run config"))
    data = load_data(config, progress)
    recorded = pq.read_table(rundir / "split.parquet")
    if recorded["split"].to_pylist() != [SPLITS[s] for s in data.split] or \
            recorded["line"].to_pylist() != data.table["line"].to_pylist():
        raise CologError(f"{rundir}: the logs no longer give the recorded split (did the files change?)")
    vocab = Vocabulary.load(rundir / "vocab.json")
    model_config = CoLogConfig.from_dict(read_json(rundir / "model.json", "model config"))
    try:
        word_vectors = load_file(str(rundir / "word2vec.safetensors"))["vectors"]
        model = CoLog(model_config, word_vectors)
        model.load_state_dict(load_file(str(rundir / "model.safetensors")))
    except (RuntimeError, KeyError, OSError) as exc:
        raise CologError(f"{rundir}: model weights do not fit model.json ({exc})") from exc
    return model, data, build_inputs(data, config, vocab, progress), config


def evaluate_run(rundir: Path, progress: bool = True) -> dict:
    """Measure a saved run again on its recorded test split; rewrites metrics.json, plots and report."""
    model, data, inputs, config = load_model_inputs(rundir, progress)
    measured, scored = _evaluate(model, data, inputs, config)
    metrics = read_json(rundir / "metrics.json", "metrics") | measured
    write_json(metrics, rundir / "metrics.json")
    if not (rundir / "templates.json").is_file():  # runs made before detection existed
        write_templates(rundir, data)
    history = read_json(rundir / "history.json", "history") if (rundir / "history.json").is_file() else []
    write_outputs(rundir, data, metrics, scored, config.to_dict(), history)
    return metrics


def _evaluate(model: CoLog, data: Prepared, inputs: ModelInputs, config: ExperimentConfig
              ) -> tuple[dict, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """The metrics of the test split, and its (probabilities, fused vectors, positions of unseen lines) for the
    plots and errors.csv."""
    test = data.rows(2)
    start = time.perf_counter()
    probs, vectors = predict(model, inputs, test, with_vectors=True)
    infer_seconds = time.perf_counter() - start
    predicted = probs.argmax(1)
    unseen, unseen_key = data.unseen()
    groups = group_ids(data.table["file"].to_numpy(zero_copy_only=False))[test]
    label_source = data.summary["label_source"]
    out = {
        "dataset": config.dataset, "task": config.task, "protocol": config.split.protocol,
        "label_source": label_source, "seed": config.train.seed, "window": config.window,
        "balance": config.balance, "options": config.options, "classes": data.class_names,
        "n_train": int((data.split == 0).sum()), "n_valid": int((data.split == 1).sum()), "n_test": len(test),
        "infer_seconds": infer_seconds, "infer_lines_per_second": len(test) / max(infer_seconds, 1e-9),
        "labels_readable_by_model": label_source.startswith("keywords"),  # the rule's words are model input
        "test": classification_metrics(data.labels[test], predicted, data.class_names),
        "test_per_file_macro_f1": per_group_macro_f1(data.labels[test], predicted, groups, len(data.class_names)),
        "unseen_key": unseen_key,
        "test_unseen": (classification_metrics(data.labels[test][unseen], predicted[unseen], data.class_names)
                        if len(unseen) else None),
    }
    return out, (probs, vectors, unseen)


def _save(rundir: Path, config: ExperimentConfig, data: Prepared, vocab: Vocabulary, word_vectors: np.ndarray,
          model: CoLog, model_config: CoLogConfig, metrics: dict, history: list[dict]) -> None:
    write_json(config.to_dict(), rundir / "config.json")
    write_parquet(pa.table({"file": data.table["file"], "line": data.table["line"],
                            "split": pa.array([SPLITS[s] for s in data.split])}), rundir / "split.parquet")
    vocab.save(rundir / "vocab.json")
    write_safetensors({"vectors": torch.from_numpy(word_vectors)}, rundir / "word2vec.safetensors")
    # model.safetensors holds every weight, the frozen embedding too: it loads on its own.
    write_safetensors(model.state_dict(), rundir / "model.safetensors", {"format_version": "1"})
    write_json(model_config.to_dict(), rundir / "model.json")
    write_json(metrics, rundir / "metrics.json")
    write_json(history, rundir / "history.json")
    write_templates(rundir, data)


def write_templates(rundir: Path, data: Prepared) -> None:
    """The Drain state and the formats the logs were parsed with: what `colog detect` parses new lines by."""
    write_json({"formats": data.summary.get("formats", {}), "format": data.summary.get("format"),
                "drain": data.miner.to_state()}, rundir / "templates.json")
