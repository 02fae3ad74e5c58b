"""Fusion of the streams into one vector: the balancing layer (paper 4.7-4.8) or its ablation.

Both take {stream name: (X (B, L, d), mask (B, L))} and return the vector the classifier reads.
"""

from __future__ import annotations

from torch import Tensor, nn

from colog.model.adaptation import Glimpses
from colog.model.attention import nonempty


class BalancingLayer(nn.Module):
    """Per stream, a one-glimpse MAL pools the positions and a Linear projects into a shared latent
    space; the projections are summed and layer-normed.

    The pooling weights decide how much each position counts, and the separate projections let
    the two modalities contribute on their own scales before they are added.
    """

    def __init__(self, streams: tuple[str, ...], hidden: int, latent: int):
        super().__init__()
        self.pools = nn.ModuleDict({s: Glimpses(hidden, 1) for s in streams})
        self.projs = nn.ModuleDict({s: nn.Linear(hidden, latent) for s in streams})
        self.norm = nn.LayerNorm(latent)
        self.out_dim = latent

    def forward(self, streams: dict[str, tuple[Tensor, Tensor]]) -> Tensor:
        """-> (B, latent)."""
        total = 0
        for name, (x, mask) in streams.items():
            pooled, _ = self.pools[name](x, mask)  # (B, 1, d)
            total = total + self.projs[name](pooled.squeeze(1))  # (B, latent)
        return self.norm(total)


class MeanFusion(nn.Module):
    """The `balancing_layer=False` ablation: masked mean per stream, summed, layer-normed."""

    def __init__(self, hidden: int):
        super().__init__()
        self.norm = nn.LayerNorm(hidden)
        self.out_dim = hidden

    def forward(self, streams: dict[str, tuple[Tensor, Tensor]]) -> Tensor:
        """-> (B, d)."""
        total = 0
        for x, mask in streams.values():
            m = nonempty(mask).unsqueeze(-1).to(x.dtype)  # (B, L, 1)
            total = total + (x * m).sum(dim=1) / m.sum(dim=1)  # (B, d)
        return self.norm(total)
