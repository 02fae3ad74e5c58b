"""int8 inference for the feed-forward nets, most of a forward pass's arithmetic on a CPU.

Weights are quantized once per output channel, activations per row as they arrive (symmetric,
absmax / 127); the products run in int8 with int32 sums (`torch._int_mm`, the kernel torchao's
dynamic quantization uses) and are rescaled to float. torch's own `quantize_dynamic` is deprecated
and per-tensor. Inference only: there is no backward.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from colog.model.attention import ImpressedLayer

ROWS = 256  # rows per block: its (rows, ffn) intermediate stays in cache between the elementwise passes


def _quantize_rows(x: Tensor) -> tuple[Tensor, Tensor]:
    """x (N, k) float -> int8 (N, k) and the per-row scale (N, 1)."""
    scale = x.abs().amax(dim=1, keepdim=True).clamp_(min=1e-12).div_(127.0)
    return torch.round(x / scale).to(torch.int8), scale


class Int8FeedForward(nn.Module):
    """relu(x W1 + b1) W2 + b2, as the float `ImpressedLayer.ffn` it replaces computes in eval mode."""

    def __init__(self, ffn: nn.Sequential):
        super().__init__()
        first, second = (m for m in ffn if isinstance(m, nn.Linear))
        for i, linear in ((1, first), (2, second)):
            w = linear.weight.detach().float()  # (out, in)
            scale = w.abs().amax(dim=1).clamp(min=1e-12) / 127.0  # (out,)
            self.register_buffer(f"w{i}", torch.round(w / scale[:, None]).to(torch.int8).t().contiguous())  # (in, out)
            self.register_buffer(f"scale{i}", scale)
            self.register_buffer(f"bias{i}", linear.bias.detach().float().clone())

    def forward(self, x: Tensor) -> Tensor:
        """x (..., d) -> (..., d)."""
        shape = x.shape
        x = x.reshape(-1, shape[-1]).float()
        out = x.new_empty(x.shape[0], self.w2.shape[1])
        for lo in range(0, x.shape[0], ROWS):
            q, s = _quantize_rows(x[lo:lo + ROWS])
            h = torch._int_mm(q, self.w1).float().mul_(s).mul_(self.scale1).add_(self.bias1).relu_()  # (R, ffn)
            q, s = _quantize_rows(h)
            torch.addcmul(self.bias2, torch._int_mm(q, self.w2).float().mul_(s), self.scale2, out=out[lo:lo + ROWS])
        return out.reshape(*shape[:-1], out.shape[1])


@torch.no_grad()
def quantize_feed_forward(model: nn.Module) -> nn.Module:
    """Swap every ImpressedLayer's FFN for its int8 version, in place; puts the model in eval mode."""
    model.eval()
    for layer in model.modules():
        if isinstance(layer, ImpressedLayer) and not isinstance(layer.ffn, Int8FeedForward):
            layer.ffn = Int8FeedForward(layer.ffn)
    return model
