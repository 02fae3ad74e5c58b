"""Batched inference: each distinct model input is scored once and its result shared by its lines."""

from __future__ import annotations

import numpy as np
import torch

from colog.features.inputs import ModelInputs


@torch.no_grad()
def predict(model: torch.nn.Module, inputs: ModelInputs, rows: np.ndarray, batch_size: int = 256,
            with_vectors: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
    """Softmax probabilities (len(rows), C) and, on request, the fused vectors (len(rows), latent)."""
    model.eval()
    unique_rows, inverse = inputs.input_keys(rows)
    probs, vectors = [], []
    for lo in range(0, len(unique_rows), batch_size):
        tokens, tmask, window, wmask = (torch.from_numpy(a) for a in inputs.batch(unique_rows[lo:lo + batch_size]))
        fused = model.encode(tokens, tmask, window, wmask)  # (B, latent): forward() is classifier(encode())
        probs.append(torch.softmax(model.classifier(fused), dim=-1).numpy())
        if with_vectors:
            vectors.append(fused.numpy())
    out = np.concatenate(probs)[inverse]
    return out, (np.concatenate(vectors)[inverse] if with_vectors else None)
