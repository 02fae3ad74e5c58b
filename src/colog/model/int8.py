"""int8 inference: the model's matrix products in int8, for detection on CPUs.

Weights are quantized once per output channel, activations per row as they arrive (symmetric,
absmax / 127); the products run in int8 with int32 sums (`torch._int_mm`, the kernel torchao's
dynamic quantization uses) and are rescaled to float. torch's own `quantize_dynamic` is deprecated,
per-tensor, and does not reach inside `nn.MultiheadAttention`. Rows go in blocks so that a block's
wide intermediate stays in cache between the elementwise passes. Inference only: no backward.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from colog.model.adaptation import Glimpses
from colog.model.attention import ImpressedLayer

ROWS = 256  # rows per block


def _quantize_rows(x: Tensor) -> tuple[Tensor, Tensor]:
    """x (N, k) float -> int8 (N, k) and the per-row scale (N, 1)."""
    scale = x.abs().amax(dim=1, keepdim=True).clamp_(min=1e-12).div_(127.0)
    return torch.round(x / scale).to(torch.int8), scale


def _rows(x: Tensor, out_features: int, block) -> Tensor:
    """`block` (R, in) -> (R, out) applied to x (..., in) in blocks of ROWS rows."""
    shape = x.shape
    flat = x.reshape(-1, shape[-1]).float()
    out = flat.new_empty(flat.shape[0], out_features)
    for lo in range(0, flat.shape[0], ROWS):
        block(flat[lo:lo + ROWS], out[lo:lo + ROWS])
    return out.reshape(*shape[:-1], out_features)


class Int8Linear(nn.Module):
    """x W^T + b with W (out, in) held in int8."""

    def __init__(self, weight: Tensor, bias: Tensor):
        super().__init__()
        q, scale = _quantize_rows(weight.detach().float())  # a row of W is an output channel
        self.register_buffer("weight_q", q.t().contiguous())  # (in, out)
        self.register_buffer("scale", scale.squeeze(1))  # (out,)
        self.register_buffer("bias", bias.detach().float().clone())

    @classmethod
    def of(cls, linear: nn.Linear) -> "Int8Linear":
        return cls(linear.weight, linear.bias)

    @property
    def out_features(self) -> int:
        return self.weight_q.shape[1]

    def block(self, x: Tensor, out: Tensor | None = None) -> Tensor:
        """One block of rows: x (R, in) float -> (R, out), written into `out` when given."""
        q, s = _quantize_rows(x)
        return torch.addcmul(self.bias, torch._int_mm(q, self.weight_q).float().mul_(s), self.scale, out=out)

    def forward(self, x: Tensor) -> Tensor:
        return _rows(x, self.out_features, self.block)


class Int8FeedForward(nn.Module):
    """relu(x W1 + b1) W2 + b2: what `ImpressedLayer.ffn` computes in eval mode."""

    def __init__(self, ffn: nn.Sequential):
        super().__init__()
        first, second = (m for m in ffn if isinstance(m, nn.Linear))
        self.first, self.second = Int8Linear.of(first), Int8Linear.of(second)

    def forward(self, x: Tensor) -> Tensor:
        return _rows(x, self.second.out_features, lambda b, out: self.second.block(self.first.block(b).relu_(), out))


class Int8Attention(nn.Module):
    """`nn.MultiheadAttention` (batch_first, eval) with int8 projections; same call, same results' shape."""

    def __init__(self, mha: nn.MultiheadAttention):
        super().__init__()
        d = mha.embed_dim
        self.heads = mha.num_heads
        self.query = Int8Linear(mha.in_proj_weight[:d], mha.in_proj_bias[:d])
        self.key_value = Int8Linear(mha.in_proj_weight[d:], mha.in_proj_bias[d:])
        self.out = Int8Linear.of(mha.out_proj)

    def forward(self, query: Tensor, key: Tensor, value: Tensor, key_padding_mask: Tensor,
                need_weights: bool = False) -> tuple[Tensor, Tensor | None]:
        """query (B, L, d), key = value (B, Lk, d), key_padding_mask (B, Lk) True = ignore ->
        (B, L, d) and, on request, the weights averaged over heads (B, L, Lk)."""
        assert key is value, "the collaborative blocks attend with keys = values"
        b, n, d = query.shape
        q = self.query(query).view(b, n, self.heads, -1).transpose(1, 2)  # (B, h, L, dh)
        k, v = self.key_value(key).view(b, key.size(1), 2, self.heads, -1).permute(2, 0, 3, 1, 4)  # (B, h, Lk, dh)
        allowed = ~key_padding_mask[:, None, None, :]  # (B, 1, 1, Lk)
        a = F.scaled_dot_product_attention(q, k, v, attn_mask=allowed)  # (B, h, L, dh)
        weights = None
        if need_weights:
            scores = (q @ k.transpose(-1, -2)) / math.sqrt(q.size(-1))
            weights = scores.masked_fill(~allowed, float("-inf")).softmax(dim=-1).mean(dim=1)  # (B, L, Lk)
        return self.out(a.transpose(1, 2).reshape(b, n, d)), weights


@torch.no_grad()
def quantize(model: nn.Module) -> nn.Module:
    """Swap the attention projections, the FFNs and the glimpses' lifts for int8 versions, in place.

    Puts the model in eval mode for good: the swapped layers have no backward and no dropout.
    """
    model.eval()
    for module in list(model.modules()):
        if isinstance(module, ImpressedLayer) and not isinstance(module.ffn, Int8FeedForward):
            module.ffn = Int8FeedForward(module.ffn)
            module.self_attn = Int8Attention(module.self_attn)
            module.cross_attn = Int8Attention(module.cross_attn)
        elif isinstance(module, Glimpses) and isinstance(module.lift, nn.Linear):
            module.lift = Int8Linear.of(module.lift)
    return model
