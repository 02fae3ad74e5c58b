"""Batched inference: each distinct model input is scored once and its result shared by its lines."""

from __future__ import annotations

import numpy as np
import torch

from colog.features.inputs import ModelInputs


@torch.no_grad()
def predict(model: torch.nn.Module, inputs: ModelInputs, rows: np.ndarray, batch_size: int = 256,
            with_vectors: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
    """Softmax probabilities (len(rows), C) and, on request, the fused vectors (len(rows), latent).

    Inputs are batched by message length, so a batch pads to its own longest message rather than
    to the longest of a random mix (several times fewer FFN rows on typical logs).
    """
    model.eval()
    unique_rows, inverse = inputs.input_keys(rows)
    order = np.argsort(inputs.lengths(unique_rows), kind="stable")
    probs = np.empty((len(unique_rows), model.config.n_classes), dtype=np.float32)
    vectors = None
    for lo in range(0, len(order), batch_size):
        at = order[lo:lo + batch_size]
        tokens, tmask, window, wmask = (torch.from_numpy(a) for a in inputs.batch(unique_rows[at]))
        fused = model.encode(tokens, tmask, window, wmask)  # (B, latent): forward() is classify(encode())
        probs[at] = torch.softmax(model.classify(fused).float(), dim=-1).numpy()
        if with_vectors:
            if vectors is None:
                vectors = np.empty((len(unique_rows), fused.shape[1]), dtype=np.float32)
            vectors[at] = fused.float().numpy()
    return probs[inverse], (vectors[inverse] if with_vectors and vectors is not None else None)
