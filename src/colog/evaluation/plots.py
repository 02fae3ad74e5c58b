"""Evaluation figures as PNG files: confusion matrices, ROC / PR curves, PCA, training curves.

Each function takes arrays (never a model), writes its PNG atomically and closes its figure, so
long runs that plot many times neither leak figures nor leave half-written files behind.
"""

from __future__ import annotations

import logging
import os
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only: no display on servers and in tests

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402
from numpy.typing import ArrayLike  # noqa: E402
from sklearn.decomposition import PCA  # noqa: E402
from sklearn.metrics import (  # noqa: E402
    average_precision_score,
    confusion_matrix,
    precision_recall_curve,
    roc_auc_score,
    roc_curve,
)

from colog.artifacts import atomic_path  # noqa: E402

logger = logging.getLogger(__name__)

DPI = 110


def _save(fig: Figure, path: str | os.PathLike) -> None:
    """Write `fig` as PNG via a temporary file beside `path`, and close it whatever happens."""
    try:
        fig.tight_layout()
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format="png", dpi=DPI)  # the temp name ends in .tmp: name the format
    finally:
        plt.close(fig)
    logger.info("wrote %s", path)


def _message_panel(ax: Axes, title: str, text: str) -> None:
    """A panel that says why there is no curve, instead of an empty or crashing plot."""
    ax.set_title(title)
    ax.text(0.5, 0.5, text, ha="center", va="center", wrap=True, transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])


def _heatmap(ax: Axes, values: np.ndarray, class_names: list[str], title: str, fmt: str) -> None:
    """One annotated matrix, rows true class, columns predicted class."""
    peak = values.max() if values.size and values.max() > 0 else 1.0
    ax.imshow(values, cmap="Blues", vmin=0, vmax=peak)
    ticks = range(len(class_names))
    ax.set_xticks(ticks, class_names, rotation=30, ha="right")
    ax.set_yticks(ticks, class_names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    for (i, j), v in np.ndenumerate(values):
        ax.text(j, i, format(v, fmt), ha="center", va="center",
                color="white" if v > peak / 2 else "black")


def confusion_matrices(y_true: ArrayLike, y_pred: ArrayLike, class_names: list[str],
                       path: str | os.PathLike) -> None:
    """Raw counts beside row-normalised rates: counts show volume, rates show per-class recall."""
    labels = list(range(len(class_names)))
    counts = confusion_matrix(np.asarray(y_true).ravel(), np.asarray(y_pred).ravel(), labels=labels)
    rows = counts.sum(axis=1, keepdims=True)
    rates = np.divide(counts, rows, out=np.zeros(counts.shape), where=rows > 0)  # empty row: zeros
    side = 2.0 + 1.0 * len(class_names)
    fig, (left, right) = plt.subplots(1, 2, figsize=(2 * side, side))
    _heatmap(left, counts, class_names, "counts", "d")
    _heatmap(right, rates, class_names, "row-normalised (recall)", ".2f")
    _save(fig, path)


def roc_pr_curves(y_true_binary: ArrayLike, anomaly_score: ArrayLike, path: str | os.PathLike) -> None:
    """ROC and precision-recall curves with the anomaly class as positive."""
    y = np.asarray(y_true_binary).ravel().astype(bool)
    score = np.asarray(anomaly_score, dtype=float).ravel()
    if y.shape != score.shape:
        raise ValueError(f"lengths differ: {y.size} labels vs {score.size} scores")
    fig, (roc_ax, pr_ax) = plt.subplots(1, 2, figsize=(10, 4.5))
    if y.size == 0 or y.all() or not y.any():
        only = "no lines" if y.size == 0 else ("only anomalies" if y.all() else "only normal lines")
        text = f"test labels hold {only}:\nthe curve is undefined"
        _message_panel(roc_ax, "ROC", text)
        _message_panel(pr_ax, "precision-recall", text)
        logger.warning("ROC / PR curves undefined: %s", only)
    else:
        fpr, tpr, _ = roc_curve(y, score)
        roc_ax.plot(fpr, tpr, label=f"AUC = {roc_auc_score(y, score):.4f}")
        roc_ax.plot([0, 1], [0, 1], linestyle="--", color="grey", linewidth=0.8)
        roc_ax.set(xlabel="false positive rate", ylabel="true positive rate", title="ROC",
                   xlim=(0, 1), ylim=(0, 1.02))
        roc_ax.legend(loc="lower right")
        precision, recall, _ = precision_recall_curve(y, score)
        pr_ax.step(recall, precision, where="post",
                   label=f"AP = {average_precision_score(y, score):.4f}")
        pr_ax.axhline(y.mean(), linestyle="--", color="grey", linewidth=0.8,
                      label=f"prevalence = {y.mean():.4f}")
        pr_ax.set(xlabel="recall", ylabel="precision", title="precision-recall",
                  xlim=(0, 1), ylim=(0, 1.02))
        pr_ax.legend(loc="lower left")
    _save(fig, path)


def pca_scatter(vectors: ArrayLike, labels: ArrayLike, class_names: list[str], path: str | os.PathLike,
                max_points: int = 5000, seed: int = 0) -> None:
    """The model's fused vectors projected on their first two principal components, by class."""
    x = np.asarray(vectors, dtype=float)
    y = np.asarray(labels).ravel()
    if x.ndim != 2 or x.shape[0] != y.size:
        raise ValueError(f"vectors must be (N, D) with N = {y.size} labels; got shape {x.shape}")
    if y.size == 0:
        raise ValueError("no vectors to plot")
    if y.size > max_points:
        keep = np.sort(np.random.default_rng(seed).choice(y.size, size=max_points, replace=False))
        x, y = x[keep], y[keep]
    n_comp = min(2, *x.shape)
    pca = PCA(n_components=n_comp, random_state=seed)
    xy = np.zeros((x.shape[0], 2))  # (N, 2); a missing second component stays 0
    xy[:, :n_comp] = pca.fit_transform(x)
    fig, ax = plt.subplots(figsize=(6.5, 5.5))
    for c, name in enumerate(class_names):
        mask = y == c
        if mask.any():
            ax.scatter(xy[mask, 0], xy[mask, 1], s=6, alpha=0.6, color=f"C{c % 10}",
                       label=f"{name} ({int(mask.sum())})")
    explained = list(pca.explained_variance_ratio_) + [0.0] * (2 - n_comp)
    ax.set(xlabel=f"PC1 ({explained[0]:.1%})", ylabel=f"PC2 ({explained[1]:.1%})",
           title=f"PCA of learned vectors ({y.size} points)")
    ax.legend(markerscale=3, loc="best")
    _save(fig, path)


def training_curves(history: list[dict[str, Any]], path: str | os.PathLike, best_epoch: int) -> None:
    """Train loss and validation macro-F1 per epoch; `best_epoch` (the one the trainer kept, which ranks ties in
    macro-F1 by validation loss) marked."""
    if not history:
        raise ValueError("no epochs in the training history")
    epochs = [h["epoch"] for h in history]
    loss = [h["train_loss"] for h in history]
    f1 = np.array([np.nan if h.get("valid_macro_f1") is None else h["valid_macro_f1"] for h in history],
                  dtype=float)
    fig, (loss_ax, f1_ax) = plt.subplots(1, 2, figsize=(10, 4))
    loss_ax.plot(epochs, loss, marker="o")
    loss_ax.set(xlabel="epoch", ylabel="train loss", title="training loss")
    f1_ax.plot(epochs, f1, marker="o", color="C1")
    if best_epoch in epochs:
        best = epochs.index(best_epoch)
        f1_ax.axvline(best_epoch, linestyle="--", color="grey", linewidth=0.8,
                      label=f"kept: epoch {best_epoch} ({f1[best]:.4f})")
        f1_ax.legend(loc="lower right")
    f1_ax.set(xlabel="epoch", ylabel="macro F1", title="validation macro F1")
    for ax in (loss_ax, f1_ax):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    _save(fig, path)


def method_bars(table: dict[str, dict[str, tuple[float, float]]], path: str | os.PathLike,
                metric: str = "macro-F1") -> None:
    """Grouped bars: {column (dataset, protocol): {method: (mean, sample SD, seeds)}}, one group per method."""
    columns = list(table)
    methods = list(dict.fromkeys(m for col in table.values() for m in col))
    fig, ax = plt.subplots(figsize=(max(6.0, 0.7 * len(methods) * max(len(columns), 1)), 4.2))
    width = 0.8 / max(len(columns), 1)
    x = np.arange(len(methods))
    for i, col in enumerate(columns):
        means = [table[col].get(m, (np.nan, 0.0))[0] for m in methods]
        sds = [table[col].get(m, (np.nan, 0.0))[1] for m in methods]
        ax.bar(x + (i - (len(columns) - 1) / 2) * width, means, width, yerr=sds, capsize=2, label=col)
    ax.set_xticks(x, methods, rotation=35, ha="right")
    ax.set_ylabel(f"test {metric}")
    ax.set_ylim(0, 1.02)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8, loc="lower left")
    fig.tight_layout()
    _save(fig, path)


def study_figure(result: dict[str, Any], path: str | os.PathLike) -> None:
    """A study's figure: macro-F1 against the varied parameter (lines), per variant (bars), or seconds."""
    rows, name = result["rows"], result["study"]
    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    if name == "window":
        for kind in ("background", "context"):
            pts = [(r["size"], r["macro_f1"]) for r in rows if r["kind"] == kind]
            ax.plot(*zip(*pts), marker="o", label=kind)
        ax.set_xlabel("window size W")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend()
    elif name in ("train-ratio", "robustness") and any("train_share" in r or "mutated_share" in r for r in rows):
        key = "train_share" if name == "train-ratio" else "mutated_share"
        pts = [(r[key], r["macro_f1"]) for r in rows if key in r]
        ax.plot(*zip(*pts), marker="o")
        ax.set_xlabel("training share" if key == "train_share" else "share of test lines mutated")
        for r in rows:
            if "cross_dataset" in r:
                ax.axhline(r["macro_f1"], ls="--", color="grey", label=r["variant"])
                ax.legend(fontsize=8)
    elif name == "efficiency":
        names = [r["variant"] for r in rows]
        y = np.arange(len(names))
        ax.barh(y - 0.2, [r["train_seconds_per_line"] for r in rows], 0.4, label="train")
        ax.barh(y + 0.2, [r["infer_seconds_per_line"] for r in rows], 0.4, label="inference")
        ax.set_yticks(y, names)
        ax.set_xscale("log")
        ax.set_xlabel("seconds per line")
        ax.legend()
        fig.tight_layout()
        _save(fig, path)
        return
    else:
        values = [r["macro_f1"] for r in rows]
        bars = ax.bar(range(len(rows)), values)
        ax.bar_label(bars, fmt="%.4f", fontsize=8)
        ax.set_xticks(range(len(rows)), [r["variant"] for r in rows], rotation=25, ha="right")
        # variants often differ by a few lines near 1.0: start the axis just below the lowest bar
        lo, hi = min(values), max(values)
        bottom = max(0.0, np.floor((lo - max(hi - lo, 0.002)) / 0.005) * 0.005)
        ax.set_ylim(bottom, hi + (hi - bottom) * 0.08)
    ax.set_ylabel("test macro-F1")
    ax.set_title(f"{name}: {result['dataset']} ({result['protocol']})")
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    _save(fig, path)


def search_curves(curves: list[tuple[str, list[float], list[float]]], path: str | os.PathLike) -> None:
    """Validation macro-F1 per epoch of each trial of a search: [(label, epochs, values)]."""
    fig, ax = plt.subplots(figsize=(7, 4))
    for label, epochs, values in curves:
        ax.plot(epochs, values, marker=".", label=label)
    ax.set_xlabel("epoch")
    ax.set_ylabel("validation macro-F1")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(alpha=0.3)
    if curves:
        ax.legend(fontsize=7)
    fig.tight_layout()
    _save(fig, path)
