import numpy as np
import pytest

from colog.errors import CologError
from colog.labeling import CLASSES, WindowSpec, four_class, group_ids, label_table, parse_rule, window_labels


def test_window_spec_parsing():
    assert WindowSpec.parse("context:3") == WindowSpec("context", 3)
    assert WindowSpec.parse("background:1").offsets() == [-1]
    assert WindowSpec.parse("context:2").offsets() == [-2, -1, 1, 2]
    for bad in ("background", "context:0", "ahead:1", "background:x"):
        with pytest.raises(CologError, match="malformed"):
            WindowSpec.parse(bad)


def test_background_window_excludes_the_line_and_stops_at_file_boundaries():
    labels = np.array([1, 0, 0, 1, 0, 0])
    groups = group_ids(["a", "a", "a", "b", "b", "b"])
    assert window_labels(labels, groups, WindowSpec("background", 1)).tolist() == [0, 1, 0, 0, 1, 0]
    # Line 3 (file b's first) has no neighbour before it: file a's anomaly must not leak in.
    assert window_labels(labels, groups, WindowSpec("background", 2)).tolist() == [0, 1, 1, 0, 1, 1]


def test_context_window_looks_both_ways():
    labels = np.array([0, 0, 1, 0, 0])
    groups = group_ids(["a"] * 5)
    assert window_labels(labels, groups, WindowSpec("context", 1)).tolist() == [0, 1, 0, 1, 0]


def test_four_classes():
    labels, window = np.array([0, 1, 0, 1]), np.array([0, 0, 1, 1])
    assert [CLASSES[c] for c in four_class(labels, window)] == ["normal", "point", "collective", "both"]


def test_label_table_adds_columns(bundled):
    from colog.parsing import parse_paths

    table = parse_paths([bundled / "bgl"], progress=False).table
    out = label_table(table, parse_rule("column"), WindowSpec("background", 1))
    labels, win = out["label"].to_numpy(), out["window_label"].to_numpy()
    assert labels.sum() == 216
    assert (win[1:] == labels[:-1]).all() and win[0] == 0  # one file: window = previous line's label
    classes = out["class"].to_pylist()
    assert classes.count("both") == int(((labels == 1) & (win == 1)).sum())
