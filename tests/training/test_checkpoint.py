"""A fit killed after some epochs resumes from its checkpoint and ends exactly where an unbroken fit ends."""

import json

import numpy as np
import pytest
import torch
from safetensors.torch import safe_open
from torch import nn

from colog.features.inputs import ModelInputs
from colog.features.tokens import TokenTable, Vocabulary
from colog.model.dropout import FastDropout
from colog.training import TrainConfig, Trainer
from colog.training.checkpoint import Checkpoint

N = 64
CONFIG = TrainConfig(epochs=8, batch_size=8, lr=1e-2, warmup_steps=3, plateau=1, patience=4, max_decays=2,
                     min_epoch_steps=0, seed=7)


class Noisy(nn.Module):
    """Both kinds of randomness a CoLog step draws: torch's generator and a FastDropout's own numpy one."""

    def __init__(self):
        super().__init__()
        self.hidden, self.out = nn.Linear(4, 16), nn.Linear(16, 2)
        self.drop, self.torch_drop = FastDropout(0.3), nn.Dropout(0.3)

    def forward(self, tokens, token_mask, window, window_mask):
        return self.out(self.torch_drop(self.drop(torch.relu(self.hidden(window.mean(dim=1))))))


class Killed(Exception):
    pass


def data() -> tuple[ModelInputs, np.ndarray]:
    words = [[f"w{i}"] for i in range(N)]
    vectors = np.random.default_rng(0).normal(size=(N, 4)).astype(np.float32)
    inputs = ModelInputs(TokenTable.build(words, Vocabulary.fit(words)), vectors, np.arange(N), np.arange(N)[:, None])
    return inputs, (vectors[:, 0] + 0.5 * vectors[:, 1] > 0).astype(np.int64)


def fit(checkpoint: Checkpoint | None, kill_at: int | None = None):
    inputs, labels = data()
    torch.manual_seed(0)
    model = Noisy()

    def evaluate(m: nn.Module) -> tuple[float, float]:  # coarse accuracy: ties and plateaus, so LR decays happen
        m.eval()
        with torch.no_grad():
            logits = m(None, None, torch.from_numpy(inputs.vectors)[:, None], None)
        loss = nn.functional.cross_entropy(logits, torch.from_numpy(labels)).item()
        return round(float((logits.argmax(1).numpy() == labels).mean()), 1), -loss

    def kill(record: dict) -> None:
        if record["epoch"] == kill_at:
            raise Killed

    history = Trainer(CONFIG, [kill], progress=False, checkpoint=checkpoint).fit(
        model, inputs, labels, np.arange(N), evaluate)
    return model, history


def test_a_killed_fit_resumes_where_it_stopped_and_ends_as_an_unbroken_one(tmp_path):
    whole, whole_history = fit(None)
    assert any(e["lr"] < CONFIG.lr for e in whole_history.epochs)  # the schedule's decays are exercised
    checkpoint = Checkpoint(tmp_path / "fit.safetensors", "run A")
    with pytest.raises(Killed):
        fit(checkpoint, kill_at=4)  # epochs 1-3 saved; epoch 4 trained, then lost
    resumed, history = fit(checkpoint)
    assert history.resumed_after == 3 and history.earlier_seconds > 0 and history.earlier_cpu_seconds > 0
    assert [e["epoch"] for e in history.epochs] == [e["epoch"] for e in whole_history.epochs]
    for mine, theirs in zip(history.epochs, whole_history.epochs):
        assert (mine["train_loss"], mine["valid_loss"], mine["lr"], mine["steps"]) == \
               (theirs["train_loss"], theirs["valid_loss"], theirs["lr"], theirs["steps"])
    assert history.best_epoch == whole_history.best_epoch
    for name, tensor in whole.state_dict().items():
        assert torch.equal(resumed.state_dict()[name], tensor), name


def test_a_checkpoint_of_another_fit_or_layout_or_a_broken_file_is_not_resumed_from(tmp_path, monkeypatch):
    whole, _ = fit(None)
    path = tmp_path / "fit.safetensors"
    with pytest.raises(Killed):
        fit(Checkpoint(path, "run A"), kill_at=4)
    other, history = fit(Checkpoint(path, "run B"))
    assert history.resumed_after == 0
    assert all(torch.equal(other.state_dict()[k], v) for k, v in whole.state_dict().items())
    older = tmp_path / "older.safetensors"
    with pytest.raises(Killed):
        fit(Checkpoint(older, "run C"), kill_at=4)
    with safe_open(str(older), "pt") as f:
        layout = json.loads(f.metadata()["colog.checkpoint"])["layout"]
    with monkeypatch.context() as patch:  # a checkpoint of another layout: written by another version of colog
        patch.setattr("colog.training.checkpoint.LAYOUT", layout + 1)
        _, history = fit(Checkpoint(older, "run C"))
    assert history.resumed_after == 0
    path.write_bytes(b"not a checkpoint")
    _, history = fit(Checkpoint(path, "run B"))
    assert history.resumed_after == 0 and len(history.epochs) > 3


def test_a_write_cut_short_leaves_no_temporary_file_once_the_fit_goes_on(tmp_path):
    path = tmp_path / ".run.resume.safetensors"
    with pytest.raises(Killed):
        fit(Checkpoint(path, "run A"), kill_at=2)
    cut = tmp_path / f".{path.name}.k3j2x9.tmp"  # what a SIGKILL mid-write leaves (atomic_path's name for it)
    cut.write_bytes(b"half a checkpoint")
    other = tmp_path / ".other.safetensors.k3j2x9.tmp"  # another file's temporary: not this checkpoint's to remove
    other.write_bytes(b"")
    checkpoint = Checkpoint(path, "run A")
    with pytest.raises(Killed):
        fit(checkpoint, kill_at=4)  # resumed after epoch 1; its next save clears the leftover
    assert not cut.exists() and other.exists() and path.is_file()
    cut.write_bytes(b"half a checkpoint")
    checkpoint.clear()  # the fit finished: neither the checkpoint nor a leftover of it stays
    assert sorted(p.name for p in tmp_path.iterdir()) == [other.name]


def test_a_further_fit_of_the_run_keeps_its_own_checkpoint_beside_the_first(tmp_path):
    first = Checkpoint(tmp_path / ".run.resume.safetensors", "run A")
    again = first.companion("refit")
    assert again.path == tmp_path / ".run.resume.refit.safetensors"
    with pytest.raises(Killed):
        fit(first, kill_at=2)
    again.path.write_bytes(first.path.read_bytes())  # the first fit's state where the refit's belongs
    assert first.load() is not None and again.load() is None  # never resumed as the other fit
