"""Impressed attention: one stream's half of a collaborative block.

Each stream first attends to itself, then to the other stream (queries its own, keys and values the
other's), then runs a feed-forward net; residual + LayerNorm (post-norm) after each of the three.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from colog.model.dropout import FastDropout


def nonempty(mask: Tensor) -> Tensor:
    """`mask` (B, L), True = real, with position 0 made real in rows that have no real position.

    A softmax over keys that are all masked is 0/0 = NaN, and one NaN row poisons the batch's
    gradients. An empty window (the first line of a file when the current line is excluded) or a
    message without tokens is therefore read as one position holding whatever sits at index 0.
    """
    empty = ~mask.any(dim=1)  # (B,)
    first = torch.zeros_like(mask)
    first[:, 0] = True
    return mask | (first & empty[:, None])


class ImpressedLayer(nn.Module):
    """Self-attention, impressed attention and feed-forward for one stream."""

    def __init__(self, hidden: int, heads: int, ffn: int, dropout: float):
        super().__init__()
        self.self_attn = nn.MultiheadAttention(hidden, heads, dropout=dropout, batch_first=True)
        self.cross_attn = nn.MultiheadAttention(hidden, heads, dropout=dropout, batch_first=True)
        self.ffn = nn.Sequential(nn.Linear(hidden, ffn), nn.ReLU(), FastDropout(dropout), nn.Linear(ffn, hidden))
        self.drop = FastDropout(dropout)
        self.norm1 = nn.LayerNorm(hidden)
        self.norm2 = nn.LayerNorm(hidden)
        self.norm3 = nn.LayerNorm(hidden)

    def forward(self, x: Tensor, mask: Tensor, other: Tensor | None = None, other_mask: Tensor | None = None,
                need_weights: bool = False) -> tuple[Tensor, Tensor | None]:
        """x (B, L, d) attends to itself, then to `other` (B, Lo, d); returns (B, L, d) and, on request,
        the second attention's weights averaged over heads (B, L, Lo).

        With `other=None` the second attention is plain self-attention on x (the `impressed=False`
        ablation, or a model with one stream).
        """
        return self.impress(self.attend_self(x, mask), mask, other, other_mask, need_weights)

    def attend_self(self, x: Tensor, mask: Tensor) -> Tensor:
        """The self-attention sub-layer alone: (B, L, d) -> (B, L, d)."""
        a, _ = self.self_attn(x, x, x, key_padding_mask=~nonempty(mask), need_weights=False)
        return self.norm1(x + self.drop(a))

    def impress(self, x: Tensor, mask: Tensor, other: Tensor | None = None, other_mask: Tensor | None = None,
                need_weights: bool = False) -> tuple[Tensor, Tensor | None]:
        """The rest of `forward` on an x that has been through `attend_self`."""
        if other is None:
            other, other_pad = x, ~nonempty(mask)  # True = ignore, as nn.MultiheadAttention wants
        else:
            other_pad = ~nonempty(other_mask)  # (B, Lo)
        a, w = self.cross_attn(x, other, other, key_padding_mask=other_pad, need_weights=need_weights)
        x = self.norm2(x + self.drop(a))
        return self.feed_forward(x, mask), w

    def feed_forward(self, x: Tensor, mask: Tensor) -> Tensor:
        """FFN + residual + LayerNorm on the positions that are read: (B, L, d) -> (B, L, d).

        The FFN is most of a block's arithmetic and works position by position, so it runs on the
        real positions only (padding is 10-50 % of a batch's positions). A padded position keeps
        its input: it is never read as a key, a glimpse or a pooled position.
        """
        keep = nonempty(mask)  # (B, L)
        if bool(keep.all()):
            return self.norm3(x + self.drop(self.ffn(x)))
        real = x[keep]  # (N, d), row-major over (B, L)
        return x.masked_scatter(keep[..., None], self.norm3(real + self.drop(self.ffn(real))))
