"""The training loop on a tiny stand-in network: passes per epoch, steps, and what the epoch records say."""

import re

import numpy as np
import pytest
from torch import nn

from colog.errors import CologError
from colog.features.inputs import ModelInputs
from colog.features.tokens import TokenTable, Vocabulary
from colog.training import TrainConfig, Trainer


class Recorder(nn.Module):
    """Logits from the mean window vector; remembers which rows each step saw (by their first token id)."""

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(4, 2)
        self.seen: list[list[int]] = []

    def forward(self, tokens, token_mask, window, window_mask):
        self.seen.append(tokens[:, 0].tolist())
        return self.linear(window.mean(dim=1))


def inputs_of(n: int) -> ModelInputs:
    """n lines, each its own message (token "w<i>"), windows of the line alone."""
    words = [[f"w{i}"] for i in range(n)]
    vocab = Vocabulary.fit(words)
    vectors = np.random.default_rng(0).normal(size=(n, 4)).astype(np.float32)
    return ModelInputs(TokenTable.build(words, vocab), vectors, np.arange(n), np.arange(n)[:, None])


def fit(n: int, **config) -> tuple[Recorder, object]:
    inputs = inputs_of(n)
    labels = np.arange(n) % 2
    model = Recorder()
    config = {"min_epoch_steps": 0} | config
    trainer = Trainer(TrainConfig(epochs=2, patience=99, warmup_steps=1, **config), progress=False)
    history = trainer.fit(model, inputs, labels, np.arange(n), lambda m: (0.5, 0.0))
    return model, history


def test_an_epoch_is_one_pass_by_default():
    model, history = fit(40, batch_size=8)
    assert [e["passes"] for e in history.epochs] == [1, 1] and history.passes == 2
    assert [e["steps"] for e in history.epochs] == [5, 10]
    assert len(model.seen) == 10 and history.lines_seen == 80


def test_min_epoch_steps_repeats_whole_passes():
    model, history = fit(40, batch_size=8, min_epoch_steps=12)  # 5 steps a pass -> 3 passes, 15 steps
    assert [e["passes"] for e in history.epochs] == [3, 3]
    assert len(model.seen) == 30 and history.lines_seen == 240
    first_epoch = [token for step in model.seen[:15] for token in step]
    counts = np.bincount(first_epoch)
    assert (counts[2:] == 3).all()  # every line three times in the epoch (ids 0, 1 are PAD, UNK)
    for p in range(3):  # and once in each pass
        one_pass = [token for step in model.seen[5 * p:5 * (p + 1)] for token in step]
        assert sorted(one_pass) == list(range(2, 42))


def test_the_cli_default_is_the_config_default():
    from colog.cli.options import SHARED

    assert SHARED["min_epoch_steps"].option.default == TrainConfig().min_epoch_steps


def test_items_keep_one_row_per_distinct_input_and_label():
    # rows 0-3 share message 0 and the window [message 1]; row 3's label differs; rows 4, 5 have their own windows
    words = [["a"], ["b", "c"]]
    inputs = ModelInputs(TokenTable.build(words, Vocabulary.fit(words)), np.zeros((2, 4), np.float32),
                         np.array([0, 0, 0, 0, 1, 1]), np.array([[4], [4], [4], [4], [0], [-1]]))
    labels = np.array([0, 0, 0, 1, 0, 0])
    assert Trainer(TrainConfig()).items(inputs, labels, np.arange(6)).tolist() == [0, 3, 4, 5]
    assert Trainer(TrainConfig(dedup=False)).items(inputs, labels, np.arange(6)).tolist() == list(range(6))


def test_batches_cover_every_row_once_and_group_similar_lengths():
    words = [["w"] * (1 + i % 7) for i in range(100)]  # lengths 1..7, interleaved
    inputs = ModelInputs(TokenTable.build(words, Vocabulary.fit(words)), np.zeros((100, 4), np.float32),
                         np.arange(100), np.arange(100)[:, None])
    batches = Trainer(TrainConfig(batch_size=10)).batches(np.arange(100), inputs, np.random.default_rng(0))
    assert sorted(np.concatenate(batches).tolist()) == list(range(100))
    lengths = inputs.tokens.lengths()
    assert sum(int(np.ptp(lengths[b])) for b in batches) <= 6  # one sorted pool: 6 length steps in all


@pytest.mark.parametrize("change, message", [
    ({"epochs": 0}, "epochs=0"), ({"batch_size": 0}, "batch_size=0"), ({"seed": -1}, "seed=-1"),
    ({"epochs": 2.5}, "epochs=2.5"), ({"lr": 0.0}, "lr=0.0"), ({"lr_decay": 1.5}, "lr_decay=1.5"),
    ({"betas": (0.9, 1.0)}, "betas=(0.9, 1.0)"),
])
def test_a_config_that_cannot_train_is_refused(change, message):
    with pytest.raises(CologError, match=re.escape(message)):
        TrainConfig(**change)
    TrainConfig(**{k: v for k, v in TrainConfig().to_dict().items()})  # the defaults pass
