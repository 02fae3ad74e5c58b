"""Classification metrics: the paper's macro averages plus the anomaly side's own figures.

Macro averages hide how well the rare anomalies are found when normal lines dominate, so every
result also reports precision / recall / F1 with all non-normal classes collapsed into one
positive "anomaly" class.
"""

from __future__ import annotations

import logging
import statistics
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

logger = logging.getLogger(__name__)

# The scalar keys of `classification_metrics`, for code that validates a saved metrics.json.
METRIC_KEYS = (
    "accuracy",
    "macro_precision",
    "macro_recall",
    "macro_f1",
    "anomaly_precision",
    "anomaly_recall",
    "anomaly_f1",
    "n",
    "n_anomalies",
    "measurable",
)


def _check_labels(y_true: ArrayLike, y_pred: ArrayLike, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """Class ids as 1-D int arrays of one length, each in range(n_classes)."""
    t = np.asarray(y_true).ravel()
    p = np.asarray(y_pred).ravel()
    if t.shape != p.shape:
        raise ValueError(f"lengths differ: {t.size} true vs {p.size} predicted labels")
    if t.size == 0:
        raise ValueError("no labels to score: y_true and y_pred are empty")
    for name, arr in (("y_true", t), ("y_pred", p)):
        if arr.dtype.kind not in "biu":
            raise ValueError(f"{name} must hold integer class ids; got dtype {arr.dtype}")
        bad = arr[(arr < 0) | (arr >= n_classes)]
        if bad.size:
            raise ValueError(f"{name} holds class {bad[0].item()}; valid classes are 0..{n_classes - 1}")
    return t.astype(np.int64), p.astype(np.int64)


def classification_metrics(
    y_true: ArrayLike, y_pred: ArrayLike, class_names: list[str], normal_class: int = 0
) -> dict[str, Any]:
    """Accuracy, macro and anomaly-class precision / recall / F1, and per-class figures.

    The macro averages run over the classes that occur in truth or in a prediction, as in
    `per_group_macro_f1`: a subset such as the test lines of unseen templates often lacks a class,
    and scoring that class 0 would put an error-free subset below 1 (at 0.5 if two of four occur).
    `per_class` still lists every class, with support 0 where it is absent. `measurable` is false when the
    truth holds normal lines only or anomalous lines only: the macro average is then 1.0 by construction for a
    detector that says the one class, and the figure measures nothing.
    """
    n_classes = len(class_names)
    if not 0 <= normal_class < n_classes:
        raise ValueError(f"normal_class {normal_class} is not one of 0..{n_classes - 1} ({class_names})")
    t, p = _check_labels(y_true, y_pred, n_classes)
    labels = list(range(n_classes))
    prec, rec, f1, support = precision_recall_fscore_support(t, p, labels=labels, zero_division=0)
    occurs = (support > 0) | (np.bincount(p, minlength=n_classes) > 0)
    t_anom, p_anom = t != normal_class, p != normal_class
    a_prec, a_rec, a_f1, _ = precision_recall_fscore_support(
        t_anom, p_anom, average="binary", pos_label=True, zero_division=0
    )
    result: dict[str, Any] = {
        "accuracy": float(accuracy_score(t, p)),
        "macro_precision": float(np.mean(prec[occurs])),
        "macro_recall": float(np.mean(rec[occurs])),
        "macro_f1": float(np.mean(f1[occurs])),
        "anomaly_precision": float(a_prec),
        "anomaly_recall": float(a_rec),
        "anomaly_f1": float(a_f1),
        "n": int(t.size),
        "n_anomalies": int(t_anom.sum()),
        "measurable": bool(t_anom.any() and not t_anom.all()),
        "per_class": {
            name: {"precision": float(prec[i]), "recall": float(rec[i]), "f1": float(f1[i]),
                   "support": int(support[i])}
            for i, name in enumerate(class_names)
        },
    }
    logger.debug("scored %d lines (%d anomalies): macro F1 %.4f", result["n"], result["n_anomalies"],
                 result["macro_f1"])
    return result


def per_group_macro_f1(y_true: ArrayLike, y_pred: ArrayLike, groups: ArrayLike, n_classes: int) -> float:
    """Macro-F1 within each group (a log file), averaged over groups, as the paper reports it.

    Within a group the macro average runs over the classes that occur there (in truth or in a
    prediction): a file without anomalies, predicted without anomalies, scores 1, not 1 / n_classes.
    """
    t, p = _check_labels(y_true, y_pred, n_classes)
    g = np.asarray(groups).ravel()
    if g.shape != t.shape:
        raise ValueError(f"lengths differ: {g.size} groups vs {t.size} labels")
    scores = [
        f1_score(t[g == key], p[g == key], average="macro", zero_division=0)
        for key in np.unique(g)
    ]
    logger.debug("per-group macro F1 over %d groups", len(scores))
    return float(np.mean(scores))


def validation_score(truth: ArrayLike, probs: np.ndarray, class_names: list[str]) -> tuple[float, float]:
    """How a training loop ranks an epoch: (macro-F1, -cross-entropy) on the validation lines, so that ties in
    macro-F1 (common once validation is perfect) go to the lower loss."""
    t = np.asarray(truth).ravel().astype(np.int64)
    loss = float(-np.log(np.clip(probs[np.arange(len(t)), t], 1e-12, None)).mean())
    return classification_metrics(t, probs.argmax(1), class_names)["macro_f1"], -loss


def mean_sd(values: list[float], signed: bool = False) -> str:
    """A figure over seeds as every results page prints it: mean ± sample standard deviation, or the one value
    and "(1 seed)"; `signed` for a difference."""
    form = "+.4f" if signed else ".4f"
    if len(values) == 1:
        return f"{values[0]:{form}} (1 seed)"
    return f"{statistics.mean(values):{form}} ± {statistics.stdev(values):.4f}"


def paired(base: dict[int, float], ours: dict[int, float]) -> tuple[list[int], list[str]]:
    """A variant beside its base on the seeds both ran (seed -> figure): those seeds, and the cells the results
    pages print for them (the seeds, the base, the variant, the higher mean of the two in bold, and the signed
    per-seed difference); none shared, no cells."""
    seeds = sorted(set(base) & set(ours))
    if not seeds:
        return [], []
    before, after = [base[s] for s in seeds], [ours[s] for s in seeds]

    def cell(values: list[float], other: list[float]) -> str:  # a tie as printed (4 decimals) bolds both
        higher = round(statistics.mean(values), 4) >= round(statistics.mean(other), 4)
        return f"**{mean_sd(values)}**" if higher else mean_sd(values)

    return seeds, [", ".join(map(str, seeds)), cell(before, after), cell(after, before),
                   mean_sd([a - b for a, b in zip(after, before)], signed=True)]


def seconds_cell(*groups: list[dict]) -> str:
    """Mean training seconds of each group of rows (benchmark rows, metrics.json files) over its seeds, " / "
    between: CPU time of every thread, which a paused or shared machine does not move, or, when a row was written
    before CPU time was recorded, the wall clock for every group, marked."""
    cpu = all("train_cpu_seconds" in r for rows in groups for r in rows)
    means = [statistics.mean(r["train_cpu_seconds" if cpu else "train_seconds"] for r in rows) for rows in groups]
    return " / ".join(f"{m:,.0f}" if m >= 10 else f"{m:.2g}" for m in means) + ("" if cpu else " (wall clock)")
