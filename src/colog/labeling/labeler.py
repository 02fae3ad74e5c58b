"""Attach labels to a LogTable: the point label of a rule and, on request, window and 4-class labels."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from colog.labeling.collective import CLASSES, WindowSpec, four_class, group_ids, window_labels
from colog.labeling.rules import Corrected, LabelRule


def label_table(table: pa.Table, rule: LabelRule, window: WindowSpec | None = None) -> pa.Table:
    """`table` plus `label` (0/1) and `label_source`; with `window`, also `window_label` and `class`; with
    corrections, `corrected` (the lines they name)."""
    if isinstance(rule, Corrected):
        labels, named = rule.apply_named(table)
        table = _put(table, "corrected", pa.array(named, pa.bool_()))
    else:
        labels = rule.apply(table)
    table = _put(table, "label", pa.array(labels, pa.int8()))
    table = _put(table, "label_source", pa.array([rule.source] * table.num_rows, pa.string()))
    if window is not None:
        win = window_labels(labels, group_ids(table["file"].to_numpy(zero_copy_only=False)), window)
        table = _put(table, "window_label", pa.array(win, pa.int8()))
        classes = np.array(CLASSES, dtype=object)[four_class(labels, win)]
        table = _put(table, "class", pa.array(classes.tolist(), pa.string()))
    return table


def label_counts(table: pa.Table) -> dict:
    """Counts for summaries: normal / anomaly, and the 4 classes when present."""
    labels = table["label"].to_numpy()
    out = {"normal": int((labels == 0).sum()), "anomaly": int((labels == 1).sum())}
    if "class" in table.column_names:
        values = table["class"].to_pylist()
        out["classes"] = {c: values.count(c) for c in CLASSES}
    return out


def _put(table: pa.Table, name: str, column: pa.Array) -> pa.Table:
    if name in table.column_names:
        return table.set_column(table.column_names.index(name), name, column)
    return table.append_column(name, column)
