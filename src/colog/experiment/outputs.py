"""The human side of a run: plots as in the paper and a self-contained HTML report."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from colog.artifacts import atomic_path
from colog.evaluation.plots import confusion_matrices, pca_scatter, roc_pr_curves, training_curves
from colog.evaluation.report import write_report
from colog.experiment.prepare import Prepared


def notes_for(metrics: dict) -> list[str]:
    """Warnings a reader must see next to the figures."""
    notes = [f"Protocol: {metrics['protocol']} split (60/20/20). Labels: {metrics['label_source']}."]
    source = metrics["label_source"]
    if source.startswith("keywords"):
        notes.append("Labels come from keywords in the message that the model reads: a high score partly measures "
                     "how well the model learns the labelling rule.")
    elif source.startswith("level"):
        notes.append("Labels are the line's level. The model reads the message, not the level field, but the "
                     "messages of one template mostly share a level: the task is close to recognising templates.")
    if metrics["protocol"] == "paper":
        notes.append("The paper protocol splits lines at random: copies of the same message land in train and "
                     "test. See test_unseen and the chronological protocol for generalisation.")
    key = {"tokens": "what the model reads of its message (its tokens) never occurs in training",
           "template": "its template, mined on the training lines, never occurs in training"}
    notes.append(f"test_unseen: the test lines whose {key.get(metrics['unseen_key'], metrics['unseen_key'])}.")
    if not metrics["test"].get("measurable", True):
        notes.append("The test split holds one class only: its macro-F1 is 1.0 by construction and measures nothing.")
    return notes


ERROR_COLUMNS = ("file", "line", "label", "predicted", "confidence", "anomaly_score", "unseen", "message")
ERRORS_IN_REPORT = 50


@dataclass
class Scored:
    """What evaluation scored: the plots read the test split, the error lists both held-out splits."""

    test: np.ndarray  # (T, C) class probabilities of the test lines
    vectors: np.ndarray  # (T, latent) their fused vectors
    unseen: np.ndarray  # positions within the test split of the lines unseen in training
    valid: np.ndarray  # (V, C) class probabilities of the validation lines
    valid_unseen: np.ndarray  # positions within the validation split of the lines unseen in training


def wrong_lines(data: Prepared, which: int, probs: np.ndarray, unseen_at: np.ndarray) -> list[dict]:
    """Every line of split `which` the model got wrong, the most confident mistakes first: that is where label
    noise and lines the rule labels inconsistently show up. `unseen_at`: positions within the split, as
    `data.unseen()` gives them."""
    held_out = data.rows(which)
    truth, predicted = data.labels[held_out], probs.argmax(1)
    wrong = np.nonzero(predicted != truth)[0]
    wrong = wrong[np.argsort(-probs[wrong, predicted[wrong]], kind="stable")]
    unseen = np.zeros(len(held_out), dtype=bool)
    unseen[unseen_at] = True
    rows = data.table.select(["file", "line", "message"]).take(held_out[wrong]).to_pylist()
    return [{"file": r["file"], "line": r["line"], "label": data.class_names[truth[i]],
             "predicted": data.class_names[predicted[i]], "confidence": round(float(probs[i, predicted[i]]), 6),
             "anomaly_score": round(float(1.0 - probs[i, 0]), 6), "unseen": bool(unseen[i]), "message": r["message"]}
            for i, r in zip(wrong, rows)]


def write_errors(path: Path, errors: list[dict]) -> None:
    """An error list, atomically: one row per wrong line."""
    with atomic_path(path) as tmp, open(tmp, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, ERROR_COLUMNS)
        writer.writeheader()
        writer.writerows({k: str(v).lower() if isinstance(v, bool) else v for k, v in e.items()} for e in errors)


def write_outputs(rundir: Path, data: Prepared, metrics: dict, scored: Scored, config: dict,
                  history: list[dict]) -> None:
    """Plots of the test split; errors_valid.csv, the validation split's errors, which design work reads, and
    errors.csv, the test split's, read once a design is frozen; the report, which lists the validation errors."""
    plots = rundir / "plots"
    plots.mkdir(exist_ok=True)
    probs, vectors = scored.test, scored.vectors
    test = data.rows(2)
    truth = data.labels[test]
    paths = {"confusion": plots / "confusion.png", "roc_pr": plots / "roc_pr.png", "pca": plots / "pca.png",
             "training": plots / "training.png"}
    confusion_matrices(truth, probs.argmax(1), data.class_names, paths["confusion"])
    roc_pr_curves((truth != 0).astype(int), 1.0 - probs[:, 0], paths["roc_pr"])
    pca_scatter(vectors, truth, data.class_names, paths["pca"])
    training_curves(history, paths["training"], metrics["best_epoch"])
    write_errors(rundir / "errors.csv", wrong_lines(data, 2, probs, scored.unseen))
    errors = wrong_lines(data, 1, scored.valid, scored.valid_unseen)
    write_errors(rundir / "errors_valid.csv", errors)
    title = f"colog run: {metrics.get('dataset') or 'logs'}, {metrics['task']} task, {metrics['protocol']} protocol"
    write_report(rundir / "report.html", title=title, metrics=metrics, config=config, plots=paths,
                 notes=notes_for(metrics), errors=errors[:ERRORS_IN_REPORT], n_errors=len(errors))
