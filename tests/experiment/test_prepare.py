"""What is fitted before the network sees only the training split: templates, the unseen key, windows."""

from dataclasses import replace

import numpy as np
import pytest

from colog.config import ExperimentConfig
from colog.errors import CologError
from colog.experiment.prepare import LineMessages, build_inputs, load_data
from colog.features.split import SplitConfig, unseen_mask
from colog.features.tokens import Vocabulary, tokenize


@pytest.fixture(scope="module")
def bgl(bundled):
    return load_data(ExperimentConfig(paths=[str(bundled / "bgl")], dataset="bgl"), progress=False)


def test_templates_are_mined_on_the_training_lines_only(bgl):
    ids = bgl.table["template_id"].to_numpy()
    train = set(ids[bgl.rows(0)].tolist())
    held_out = ids[np.concatenate([bgl.rows(1), bgl.rows(2)])]
    assert -1 not in train and set(held_out.tolist()) - {-1} <= train  # a held-out line never adds a template
    assert (held_out == -1).sum() > 0  # some held-out lines fit no training template: unseen templates
    texts = bgl.table["template"].to_pylist()
    assert all((texts[i] is None) == (ids[i] == -1) for i in range(len(ids)))
    assert bgl.miner.n_templates == len({texts[i] for i in bgl.rows(0)})  # the saved state is training's


def test_service_logs_call_a_test_line_unseen_when_no_training_template_fits(bgl):
    at, key = bgl.unseen(60)
    ids = bgl.table["template_id"].to_numpy()[bgl.rows(2)]
    assert key == "template" and (ids[at] == -1).all() and len(at) == (ids == -1).sum()


def test_os_logs_call_a_test_line_unseen_by_the_tokens_the_model_reads(bundled):
    data = load_data(ExperimentConfig(paths=[str(bundled / "casper")], dataset="casper", year=2008), progress=False)
    at, key = data.unseen(60)
    messages = data.table["message"].to_pylist()
    train = {tuple(tokenize(messages[i])) for i in data.rows(0)}
    test = data.rows(2)
    unseen = set(at.tolist())
    assert key == "tokens" and unseen
    assert all((tuple(tokenize(messages[r])) not in train) == (j in unseen) for j, r in enumerate(test))
    # the raw text counted lines that differ from a training line only in a number
    by_text = unseen_mask(LineMessages.of(data.table, source_token=False).ids, data.split)
    assert by_text.sum() > len(unseen)


def _crossings(data, inputs) -> int:
    """Window entries that point at a line of another split."""
    rows, cols = np.nonzero(inputs.window >= 0)
    return int((data.split[inputs.window[rows, cols]] != data.split[rows]).sum())


@pytest.mark.parametrize("protocol, isolate, crosses", [("chronological", False, False), ("paper", False, True),
                                                          ("paper", True, False)])
def test_windows_reach_into_another_split_only_under_the_papers_protocol(bundled, cache, protocol, isolate, crosses):
    config = ExperimentConfig(paths=[str(bundled / "bgl")], dataset="bgl", task="collective", window="context:1",
                              isolate_splits=isolate, split=SplitConfig(protocol=protocol))
    data = load_data(config, progress=False)
    inputs = build_inputs(data, config, Vocabulary(["<pad>", "<unk>"]), progress=False)
    assert (_crossings(data, inputs) > 0) is crosses
    # the window's label bit counts the same neighbours the window's vectors show
    point = data.table["label"].to_numpy()
    has = np.array([any(point[w] for w in row if w >= 0 and w != i) for i, row in enumerate(inputs.window)])
    assert np.array_equal(data.labels >= 2, has)


def test_the_paper_protocols_leak_is_named_in_the_options(bundled):
    config = ExperimentConfig(paths=[str(bundled / "bgl")], dataset="bgl", task="collective", isolate_splits=True)
    assert config.options == "--isolate-splits" and config.isolates_splits
    chronological = replace(config, split=SplitConfig(protocol="chronological"))
    assert chronological.options == "" and replace(chronological, isolate_splits=False).isolates_splits


def test_hiding_later_splits_keeps_the_test_lines_windows_and_labels_and_leaks_nothing_into_training(bundled,
                                                                                                    cache):
    """--hide-later-splits: the leak alone. No training window holds a validation or test line, no validation
    window a test line; a test line's window and 4-class label are the paper's."""
    paper = ExperimentConfig(paths=[str(bundled / "bgl")], dataset="bgl", task="collective", window="context:1")
    hidden = replace(paper, hide_later_splits=True)
    assert hidden.options == "--hide-later-splits" and not hidden.isolates_splits
    vocab = Vocabulary(["<pad>", "<unk>"])
    shared, data = (load_data(c, progress=False) for c in (paper, hidden))
    before, after = (build_inputs(d, c, vocab, progress=False) for d, c in ((shared, paper), (data, hidden)))
    rows, cols = np.nonzero(after.window >= 0)
    assert (data.split[after.window[rows, cols]] <= data.split[rows]).all()
    test = data.rows(2)
    assert np.array_equal(after.window[test], before.window[test])
    assert np.array_equal(data.labels[test], shared.labels[test])
    train = data.rows(0)
    assert not np.array_equal(data.labels[train], shared.labels[train])  # the paper's training labels read later lines
    point = data.table["label"].to_numpy()  # each window bit counts the neighbours its window shows
    has = np.array([any(point[w] for w in row if w >= 0 and w != i) for i, row in enumerate(after.window)])
    assert np.array_equal(data.labels >= 2, has)
    with pytest.raises(CologError, match="hide-later-splits"):
        replace(hidden, isolate_splits=True)
