"""Modality adaptation layer (MAL): every position re-read as a learned weighted sum of all positions.

Paper section 4.6: an MLP lifts each position to 2d and scores it once per glimpse; a softmax over
positions turns each glimpse's scores into weights; glimpse i is the weighted sum of the positions
and is added to position i. There are `max_len` glimpses; a batch of padded length L uses the first L.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from colog.model.attention import nonempty
from colog.model.dropout import FastDropout


class Glimpses(nn.Module):
    """Up to `n` soft-attention pools over the positions of a sequence."""

    def __init__(self, hidden: int, n: int):
        super().__init__()
        self.n = n
        self.lift = nn.Linear(hidden, 2 * hidden)  # W_high, shared by all glimpses
        self.score = nn.Linear(2 * hidden, n)  # W_low: one row of weights per glimpse

    def forward(self, x: Tensor, mask: Tensor, count: int | None = None) -> tuple[Tensor, Tensor]:
        """Glimpses (B, count, d) of x (B, L, d) and their weights (B, L, count); padding gets weight 0.

        Only the first `count` (default all `n`) score rows are computed: glimpse i never depends
        on score row j, so a short batch pays for L glimpses, not `n`.
        """
        count = self.n if count is None else count
        assert count <= self.n, f"{count} glimpses asked of a layer that has {self.n}"
        keep = nonempty(mask)  # (B, L); scores are computed for these positions only
        h = torch.tanh(self.lift(x[keep]))  # (N, 2d)
        s = x.new_full((*mask.shape, count), float("-inf"))  # (B, L, G)
        s[keep] = F.linear(h, self.score.weight[:count], self.score.bias[:count])
        w = s.softmax(dim=1)  # (B, L, G), each column sums to 1 over real positions
        return w.transpose(1, 2) @ x, w  # (B, G, d)


class ModalityAdaptation(nn.Module):
    """MAL between two collaborative blocks: LayerNorm(X + dropout(glimpses))."""

    def __init__(self, hidden: int, max_len: int, dropout: float):
        super().__init__()
        self.glimpses = Glimpses(hidden, max_len)
        self.drop = FastDropout(dropout)
        self.norm = nn.LayerNorm(hidden)

    def forward(self, x: Tensor, mask: Tensor) -> Tensor:
        """x (B, L, d) with mask (B, L) -> (B, L, d); needs L <= max_len."""
        g, _ = self.glimpses(x, mask, count=x.size(1))  # (B, L, d)
        return self.norm(x + self.drop(g))
