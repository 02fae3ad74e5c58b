"""deep-loglizer's sequence models and pylogsentiment's GRU, as supervised line classifiers.

Same task and split as CoLog: each line is classified from its window (the run's window, the line
included). LSTM, CNN and Transformer read the window's log keys (template indexes, as deep-loglizer
feeds them), the attentional BiLSTM reads the window's semantic vectors (LogRobust-style; SBERT
here, where LogRobust used fastText), and pylogsentiment's GRU reads the line's word2vec tokens,
trained on the Tomek-balanced rows as pylogsentiment balances. Each trains in CoLog's own loop under
its run's schedule (epochs, at least `min_epoch_steps` steps an epoch, halving on plateaus, early
stopping, the epoch with the best validation macro-F1 kept, ties to the lower loss), with the
learning rate and batch size of its own code (Adam, 1e-3, 256).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import torch
from torch import nn

from colog.comparison.baselines.features import Features
from colog.evaluation.metrics import validation_score
from colog.training import Trainer
from colog.training.checkpoint import Checkpoint


class KeySequence(nn.Module):
    """Embedded log keys -> LSTM, CNN or Transformer -> classifier."""

    def __init__(self, kind: str, n_keys: int, n_classes: int, dim: int = 64, hidden: int = 128):
        super().__init__()
        self.kind = kind
        self.embed = nn.Embedding(n_keys, dim, padding_idx=0)
        if kind == "lstm":  # DeepLog's two-layer LSTM
            self.encoder = nn.LSTM(dim, hidden, num_layers=2, batch_first=True)
            out = hidden
        elif kind == "cnn":  # deep-loglizer's CNN: kernels over 1-3 neighbouring keys, max-pooled
            self.convs = nn.ModuleList(nn.Conv1d(dim, hidden, k, padding=k // 2) for k in (1, 2, 3))
            out = 3 * hidden
        else:  # transformer encoder with learned positions
            self.position = nn.Parameter(torch.zeros(1, 64, dim))
            layer = nn.TransformerEncoderLayer(dim, 4, 4 * dim, 0.1, batch_first=True)
            self.encoder = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
            out = dim
        self.head = nn.Linear(out, n_classes)

    def forward(self, keys: torch.Tensor) -> torch.Tensor:
        mask = keys != 0  # (B, L)
        x = self.embed(keys)  # (B, L, dim)
        if self.kind == "lstm":
            h, _ = self.encoder(x)
            return self.head(h[:, -1])
        if self.kind == "cnn":
            pooled = [conv(x.transpose(1, 2))[..., :keys.size(1)].max(dim=-1).values for conv in self.convs]
            return self.head(torch.cat(pooled, dim=-1))
        h = self.encoder(x + self.position[:, :keys.size(1)], src_key_padding_mask=~mask)
        h = (h * mask[..., None]).sum(1) / mask.sum(1, keepdim=True).clamp(min=1)
        return self.head(h)


class AttentionBiLSTM(nn.Module):
    """LogRobust: BiLSTM over the window's semantic vectors, attention pooling, classifier."""

    def __init__(self, in_dim: int, n_classes: int, hidden: int = 128):
        super().__init__()
        self.lstm = nn.LSTM(in_dim, hidden, batch_first=True, bidirectional=True)
        self.score = nn.Linear(2 * hidden, 1)
        self.head = nn.Linear(2 * hidden, n_classes)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        h, _ = self.lstm(x)  # (B, L, 2h)
        s = self.score(torch.tanh(h)).squeeze(-1).masked_fill(~mask, float("-inf"))
        w = torch.softmax(s, dim=1).nan_to_num(0.0)
        return self.head((w[..., None] * h).sum(1))


class SentimentGRU(nn.Module):
    """pylogsentiment: frozen word2vec tokens -> GRU -> last real state -> classifier."""

    def __init__(self, word_vectors: np.ndarray, n_classes: int, hidden: int = 128):
        super().__init__()
        self.embed = nn.Embedding.from_pretrained(torch.from_numpy(word_vectors), freeze=True, padding_idx=0)
        self.gru = nn.GRU(word_vectors.shape[1], hidden, batch_first=True)
        self.head = nn.Linear(hidden, n_classes)

    def forward(self, tokens: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        h, _ = self.gru(self.embed(tokens))  # (B, L, h); padding is trailing
        last = (mask.sum(1) - 1).clamp(min=0)
        return self.head(h[torch.arange(len(h)), last])


class _Examples:
    """One network's inputs for CoLog's training loop (`training.loop.Examples`): every row its own input."""

    def __init__(self, method: "Deep", features: Features):
        self.method, self.features = method, features

    def batch(self, rows: np.ndarray) -> tuple[np.ndarray, ...]:
        return self.method.inputs(self.features, rows)

    def input_keys(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return rows, np.arange(len(rows))

    def lengths(self, rows: np.ndarray) -> np.ndarray:
        return np.zeros(len(rows), dtype=np.int64)


class Deep:
    """Trains one of the networks above; `inputs(f, rows)` gives its arrays."""

    checkpoint: Checkpoint | None = None  # where the fit keeps its state after each epoch, to resume from

    def __init__(self, name: str, seed: int = 0, batch_size: int = 256, lr: float = 1e-3):
        self.name, self.seed, self.batch_size, self.lr = name, seed, batch_size, lr

    def inputs(self, f: Features, rows: np.ndarray) -> tuple[np.ndarray, ...]:
        if self.name in ("lstm", "cnn", "transformer"):
            return (f.template_sequences(rows),)
        if self.name == "bilstm_attn":
            return f.window_vectors(rows)
        return f.inputs.tokens.batch(f.inputs.message_ids[rows])

    def _network(self, f: Features) -> nn.Module:
        n_classes = len(f.data.class_names)
        if self.name == "bilstm_attn":
            return AttentionBiLSTM(f.inputs.vectors.shape[1], n_classes)
        if self.name == "pylogsentiment":
            return SentimentGRU(f.word_vectors, n_classes)
        return KeySequence(self.name, f.n_templates, n_classes)

    def fit(self, f: Features, train: np.ndarray, valid: np.ndarray | None,
            schedule: list[float] | None = None) -> "Deep":
        """Trains on `train` in CoLog's loop and schedule, epochs ranked on `valid`; without `valid` (a refit), for
        as many epochs as `schedule` holds learning rates, at those."""
        if self.name == "pylogsentiment":
            train = f.balanced(train)
        torch.manual_seed(self.seed)
        self.model_ = self._network(f)
        config = replace(f.config.train, seed=self.seed, lr=self.lr, batch_size=self.batch_size, dedup=False)
        if valid is None:
            config = config.following(schedule)

        def score(model: nn.Module) -> tuple[float, float]:
            return validation_score(f.labels[valid], self._probs(model, f, valid), f.data.class_names)

        trainer = Trainer(config, progress=False, checkpoint=self.checkpoint)
        self.history_ = trainer.fit(self.model_, _Examples(self, f), f.labels, train,
                                    None if valid is None else score, schedule)
        return self

    def predict(self, f: Features, rows: np.ndarray) -> np.ndarray:
        return self._probs(self.model_, f, rows).argmax(1).astype(np.int64)

    @torch.no_grad()
    def _probs(self, model: nn.Module, f: Features, rows: np.ndarray) -> np.ndarray:
        model.eval()
        out = [torch.softmax(model(*(torch.from_numpy(a) for a in self.inputs(f, rows[lo:lo + 1024]))), -1).numpy()
               for lo in range(0, len(rows), 1024)]
        return np.concatenate(out) if out else np.zeros((0, len(f.data.class_names)), dtype=np.float32)


def deep_methods() -> dict:
    """name -> a factory taking the seed."""
    return {name: (lambda seed, name=name: Deep(name, seed)) for name in ("lstm", "bilstm_attn", "cnn", "transformer",
                                                                          "pylogsentiment")}
