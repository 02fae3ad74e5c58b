import pytest

from colog.evaluation.grouping import grouping_accuracy


def test_perfect_and_renamed_groups_score_one():
    assert grouping_accuracy(["a", "a", "b"], [7, 7, 9]) == 1.0


def test_merged_groups_score_zero_for_their_lines():
    # Predicted group 1 merges two true groups: none of its lines count.
    assert grouping_accuracy(["a", "a", "b", "c"], [1, 1, 1, 2]) == pytest.approx(0.25)


def test_split_group_scores_zero_for_its_lines():
    assert grouping_accuracy(["a", "a", "b"], [1, 2, 3]) == pytest.approx(1 / 3)


def test_length_mismatch_is_an_error():
    with pytest.raises(ValueError, match="lengths differ"):
        grouping_accuracy(["a"], [1, 2])
