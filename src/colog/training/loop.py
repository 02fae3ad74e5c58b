"""The training loop: Adam, warm-up, halve-on-plateau with best-checkpoint reload, early stopping.

The loop knows nothing about the network beyond `forward`; what happens at the end of an epoch
(validation, checkpoints, progress) is the callbacks' and the `evaluate` function's business.
"""

from __future__ import annotations

import copy
import logging
import time
from dataclasses import asdict, dataclass, field
from typing import Callable, Protocol

import numpy as np
import torch
from torch import nn

from colog.progress import progress_bar
from colog.training.checkpoint import Checkpoint
from colog.training.config import TrainConfig

logger = logging.getLogger(__name__)


@dataclass
class History:
    """One record per epoch, and what the best epoch was."""

    epochs: list[dict] = field(default_factory=list)
    best_epoch: int = -1
    best_score: tuple[float, float] = (-1.0, float("-inf"))
    train_seconds: float = 0.0
    lines_seen: int = 0  # training items stepped on, over all epochs
    passes: int = 0  # passes over the training items, over all epochs
    # a fit resumed from a checkpoint: the epochs an earlier process trained, and its wall and CPU seconds to them
    resumed_after: int = 0
    earlier_seconds: float = 0.0
    earlier_cpu_seconds: float = 0.0

    def chosen_schedule(self) -> list[float]:
        """The learning rates of the epochs validation chose: what a refit without validation trains at."""
        return [e["lr"] for e in self.epochs[:self.best_epoch]]

    def count_earlier(self, chosen: "History") -> None:
        """A refit's history counts the time an earlier process spent on the fit that chose its epochs."""
        self.earlier_seconds += chosen.earlier_seconds
        self.earlier_cpu_seconds += chosen.earlier_cpu_seconds


class Examples(Protocol):
    """What the loop reads of its training data (CoLog's `ModelInputs`; a baseline's own adapter)."""

    def batch(self, rows: np.ndarray) -> tuple[np.ndarray, ...]:
        """The network's input arrays for `rows`, in `forward`'s order."""

    def input_keys(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Representative rows of the distinct inputs among `rows`, and each row's position among them."""

    def lengths(self, rows: np.ndarray) -> np.ndarray:
        """A size per row that padding follows (token count): batches group similar sizes."""


class Trainer:
    """Fits a model on training rows; `evaluate(model) -> (macro-F1, -loss)` on validation ranks epochs.

    Ties in macro-F1 (common once validation is perfect) go to the lower validation loss. With a `checkpoint`,
    the state is saved after every epoch and a fit finding one of its own goes on from there.
    """

    def __init__(self, config: TrainConfig, callbacks: list[Callable[[dict], None]] | None = None,
                 progress: bool = True, checkpoint: Checkpoint | None = None):
        self.config = config
        self.callbacks = callbacks or []
        self.progress = progress
        self.checkpoint = checkpoint

    def fit(self, model: nn.Module, inputs: Examples, labels: np.ndarray, train_rows: np.ndarray,
            evaluate: Callable[[nn.Module], tuple[float, float]] | None,
            schedule: list[float] | None = None) -> History:
        """Without `evaluate` (a refit: nothing is left to validate on), each epoch's learning rate is
        `schedule`'s, the first fit's, and the last epoch's weights are kept."""
        cfg = self.config
        if evaluate is None and (schedule is None or len(schedule) != cfg.epochs):
            raise ValueError("a fit without validation follows a schedule of one learning rate per epoch")
        torch.manual_seed(cfg.seed)
        rng = np.random.default_rng(cfg.seed)
        items = self.items(inputs, labels, train_rows)
        steps_a_pass = max(1, -(-len(items) // cfg.batch_size))
        passes = max(1, -(-cfg.min_epoch_steps // steps_a_pass))  # ceil(min steps / steps a pass)
        optimizer = self.optimizer(model)
        target = torch.from_numpy(labels.astype(np.int64))
        history, best_state = History(), copy.deepcopy(model.state_dict())
        lr, decays, since_best, step, done = cfg.lr, 0, 0, 0, 0
        started, started_cpu = time.perf_counter(), time.process_time()
        saved = self.checkpoint.load() if self.checkpoint else None
        if saved:
            best_state = self.checkpoint.restore(saved, model, optimizer, rng)
            lr, decays, since_best, step, done = (saved.meta[k] for k in ("lr", "decays", "since_best", "step",
                                                                           "epoch"))
            history = History(**saved.meta["history"] | {"best_score": tuple(saved.meta["history"]["best_score"])})
            history.resumed_after = done
            logger.info("resuming after epoch %d from %s", done, self.checkpoint.path)
        for epoch in range(done + 1, cfg.epochs + 1):
            if evaluate is None:
                lr = schedule[epoch - 1]
            model.train()
            batches = [b for _ in range(passes) for b in self.batches(rng.permutation(items), inputs, rng)]
            start, total = time.perf_counter(), 0.0
            for rows in progress_bar(batches, desc=f"epoch {epoch}", unit="batch", enabled=self.progress):
                arrays = (torch.from_numpy(a) for a in inputs.batch(rows))
                for group in optimizer.param_groups:
                    group["lr"] = lr * min(1.0, (step + 1) / max(cfg.warmup_steps, 1))
                loss = nn.functional.cross_entropy(model(*arrays), target[rows])
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                total += loss.item() * len(rows)
                step += 1
            seconds = time.perf_counter() - start
            history.train_seconds += seconds
            history.lines_seen += passes * len(items)
            history.passes += passes
            score = evaluate(model) if evaluate else (float(epoch), 0.0)  # a refit: each epoch is the best yet
            record = {"epoch": epoch, "train_loss": total / (passes * len(items)),
                      "valid_macro_f1": score[0] if evaluate else None, "valid_loss": -score[1] if evaluate else None,
                      "lr": lr, "passes": passes, "steps": step,
                      "seconds": seconds, "items_per_second": passes * len(items) / seconds}
            history.epochs.append(record)
            if score > history.best_score:
                history.best_score, history.best_epoch, since_best = score, epoch, 0
                best_state = copy.deepcopy(model.state_dict())
            else:
                since_best += 1
            for callback in self.callbacks:
                callback(record)
            logger.info("epoch %d: loss %.4f %s lr %.2e", epoch, record["train_loss"],
                        f"valid macro-F1 {score[0]:.4f} valid loss {-score[1]:.4f}" if evaluate else "(refit)", lr)
            if since_best >= cfg.patience:
                break
            if since_best and since_best % cfg.plateau == 0:
                if decays == cfg.max_decays:
                    break
                model.load_state_dict(best_state)
                lr, decays = lr * cfg.lr_decay, decays + 1
            if self.checkpoint:
                self.checkpoint.save(model, optimizer, best_state, rng, {
                    "epoch": epoch, "lr": lr, "decays": decays, "since_best": since_best, "step": step,
                    "history": asdict(history) | {
                        "earlier_seconds": history.earlier_seconds + time.perf_counter() - started,
                        "earlier_cpu_seconds": history.earlier_cpu_seconds + time.process_time() - started_cpu}})
        model.load_state_dict(best_state)
        return history

    def optimizer(self, model: nn.Module) -> torch.optim.Adam:
        """Adam on the trainable parameters (the frozen word2vec table is not one); fused: one kernel, ~20 % faster
        steps. The throughput benchmark builds its optimizer here too, so both time the same one."""
        params = [p for p in model.parameters() if p.requires_grad]
        return torch.optim.Adam(params, lr=self.config.lr, betas=self.config.betas, fused=True)

    def batches(self, order: np.ndarray, inputs: Examples, rng: np.random.Generator) -> list[np.ndarray]:
        """Batches of similar message length (less padding for the LSTM), in random order.

        Within each pool of 50 batches the rows are sorted by token count; the batches are then shuffled.
        """
        size = self.config.batch_size
        lengths = inputs.lengths(order)
        pool = size * 50
        batches = []
        for lo in range(0, len(order), pool):
            chunk = order[lo:lo + pool][np.argsort(lengths[lo:lo + pool], kind="stable")]
            batches += [chunk[i:i + size] for i in range(0, len(chunk), size)]
        return [batches[i] for i in rng.permutation(len(batches))]

    def items(self, inputs: Examples, labels: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Training rows, or one representative per distinct (input, label) when deduplicating. A row listed k
        times (a person's correction, see `CORRECTION_WEIGHT`) is trained on k times either way."""
        if not self.config.dedup:
            return rows
        listed, counts = np.unique(rows, return_counts=True)
        out = [np.repeat(listed, counts - 1)]
        for cls in np.unique(labels[listed]):
            of_class = listed[labels[listed] == cls]
            out.append(inputs.input_keys(of_class)[0])
        return np.sort(np.concatenate(out))
