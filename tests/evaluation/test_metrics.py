import json

import numpy as np
import pytest

from colog.evaluation.metrics import METRIC_KEYS, classification_metrics, paired, per_group_macro_f1

FOUR = ["normal", "point", "collective", "both"]


def test_binary_against_hand_computed_counts():
    # tp=2, fp=1, fn=1, tn=2 for the anomaly class.
    m = classification_metrics([0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 1, 0], ["normal", "anomaly"])
    assert m["accuracy"] == pytest.approx(4 / 6)
    assert m["anomaly_precision"] == pytest.approx(2 / 3)
    assert m["anomaly_recall"] == pytest.approx(2 / 3)
    assert m["anomaly_f1"] == pytest.approx(2 / 3)
    assert m["macro_f1"] == pytest.approx(2 / 3)
    assert m["n"] == 6 and m["n_anomalies"] == 3
    assert m["per_class"]["normal"] == {"precision": pytest.approx(2 / 3), "recall": pytest.approx(2 / 3),
                                        "f1": pytest.approx(2 / 3), "support": 3}


def test_four_classes_collapse_every_non_normal_class_into_anomaly():
    y_true = [0, 0, 1, 2, 3, 3]
    # A `both` line predicted `point` is a wrong class but a found anomaly.
    y_pred = [0, 1, 1, 2, 1, 0]
    m = classification_metrics(y_true, y_pred, FOUR)
    assert m["accuracy"] == pytest.approx(3 / 6)
    # Anomaly: true {2,3,4,5}, predicted {1,2,3,4} -> tp 3, fp 1, fn 1.
    assert m["anomaly_precision"] == pytest.approx(3 / 4)
    assert m["anomaly_recall"] == pytest.approx(3 / 4)
    assert m["n_anomalies"] == 4
    # Per class F1: normal 1/2, point 1/2 (p 1/3, r 1), collective 1, both 0.
    assert m["per_class"]["point"]["precision"] == pytest.approx(1 / 3)
    assert m["per_class"]["both"]["f1"] == 0.0
    assert m["macro_f1"] == pytest.approx((0.5 + 0.5 + 1.0 + 0.0) / 4)
    assert m["macro_recall"] == pytest.approx((0.5 + 1 + 1 + 0) / 4)


def test_schema_is_exact_and_json_serialisable():
    m = classification_metrics(np.array([0, 1]), np.array([0, 1]), ["normal", "anomaly"])
    assert set(m) == set(METRIC_KEYS) | {"per_class"}
    assert all(isinstance(m[k], float) for k in METRIC_KEYS if k not in ("n", "n_anomalies", "measurable"))
    assert json.loads(json.dumps(m)) == m


def test_macro_average_skips_a_class_absent_from_truth_and_prediction():
    m = classification_metrics([0, 0], [0, 0], ["normal", "anomaly"])
    assert m["macro_f1"] == 1.0 and m["accuracy"] == 1.0  # no anomaly to find, none called: nothing wrong
    assert m["anomaly_f1"] == 0.0 and m["n_anomalies"] == 0
    assert m["per_class"]["anomaly"]["support"] == 0
    # the unseen lines of a 4-class run: no `point` or `collective` line, all right -> 1, not 0.5
    m = classification_metrics([0, 0, 3], [0, 0, 3], FOUR)
    assert m["macro_f1"] == 1.0 and m["macro_precision"] == 1.0 and m["macro_recall"] == 1.0
    # a class only predicted still counts, as 0: calling a normal line `point` costs
    m = classification_metrics([0, 0, 3], [0, 1, 3], FOUR)
    assert m["macro_f1"] == pytest.approx((2 / 3 + 0.0 + 1.0) / 3)


def test_normal_class_other_than_zero():
    m = classification_metrics([1, 1, 0], [1, 0, 0], ["anomaly", "normal"], normal_class=1)
    assert m["n_anomalies"] == 1 and m["anomaly_precision"] == pytest.approx(1 / 2)


def test_bad_input_is_an_error():
    with pytest.raises(ValueError, match="empty"):
        classification_metrics([], [], ["normal", "anomaly"])
    with pytest.raises(ValueError, match="lengths differ"):
        classification_metrics([0, 1], [0], ["normal", "anomaly"])
    with pytest.raises(ValueError, match=r"y_pred holds class 4; valid classes are 0\.\.3"):
        classification_metrics([0, 1], [0, 4], FOUR)
    with pytest.raises(ValueError, match="normal_class 2"):
        classification_metrics([0], [0], ["normal", "anomaly"], normal_class=2)
    with pytest.raises(ValueError, match="integer class ids"):
        classification_metrics([0.5], [0], ["normal", "anomaly"])


def test_per_group_macro_f1_averages_files_not_lines():
    y_true = [0, 0, 0, 0, 1, 1]
    y_pred = [0, 0, 0, 0, 1, 0]
    groups = ["a", "a", "a", "a", "b", "b"]
    # File a: only normal, all right -> 1. File b: normal f1 0, anomaly f1 2/3 -> 1/3.
    assert per_group_macro_f1(y_true, y_pred, groups, 2) == pytest.approx((1 + 1 / 3) / 2)


def test_per_group_macro_f1_checks_lengths():
    with pytest.raises(ValueError, match="3 groups vs 2 labels"):
        per_group_macro_f1([0, 1], [0, 1], ["a", "b", "c"], 2)


def test_a_test_split_of_one_class_is_not_measurable():
    # a time-ordered split whose anomalies all fell in training: saying "normal" everywhere scores 1.0
    one_class = classification_metrics(np.zeros(50, dtype=int), np.zeros(50, dtype=int), ["normal", "anomaly"])
    assert one_class["macro_f1"] == 1.0 and one_class["measurable"] is False
    both = classification_metrics(np.array([0, 0, 1]), np.array([0, 0, 0]), ["normal", "anomaly"])
    assert both["measurable"] is True


def test_a_variant_beside_its_base_bolds_the_higher_mean_not_always_the_variant():
    seeds, worse = paired({3: 0.98, 4: 1.0}, {3: 0.97, 4: 0.99, 5: 0.5})
    assert seeds == [3, 4]  # the seeds both ran
    assert worse == ["3, 4", "**0.9900 ± 0.0141**", "0.9800 ± 0.0141", "-0.0100 ± 0.0000"]
    assert paired({3: 0.9}, {3: 0.90001})[1][1:3] == ["**0.9000 (1 seed)**"] * 2  # a tie as printed: both
    assert paired({3: 0.9}, {4: 0.9}) == ([], [])
