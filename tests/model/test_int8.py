import copy

import torch
from torch import nn

from colog.model.int8 import Int8Attention, Int8FeedForward, Int8Linear, quantize
from tests.model.test_collaborative import batch, build


def test_int8_linear_is_close_to_float_for_any_row_count():
    torch.manual_seed(0)
    linear = nn.Linear(64, 96)
    q = Int8Linear.of(linear)
    for rows in (0, 1, 7, 256, 300):  # across the block edge
        x = torch.randn(2, rows, 64)
        with torch.no_grad():
            assert q(x).shape == (2, rows, 96)
            if rows:
                assert (q(x) - linear(x)).abs().max() < 0.02 * linear(x).abs().max()


def test_int8_attention_matches_multihead_attention_with_padding():
    torch.manual_seed(0)
    mha = nn.MultiheadAttention(32, 4, batch_first=True).eval()
    x, other = torch.randn(3, 5, 32), torch.randn(3, 4, 32)
    pad = torch.tensor([[False] * 4, [False, False, True, True], [False, True, True, True]])
    q = Int8Attention(mha)
    with torch.no_grad():
        want, want_w = mha(x, other, other, key_padding_mask=pad, need_weights=True)
        got, got_w = q(x, other, other, key_padding_mask=pad, need_weights=True)
    assert (got - want).abs().max() < 0.05
    assert (got_w - want_w).abs().max() < 0.01
    assert got_w[2, :, 1:].abs().max() == 0  # padded keys get no weight


def test_quantized_model_agrees_with_float_model():
    model = build().eval()
    q = quantize(copy.deepcopy(model))
    assert isinstance(q.blocks[0]["semantic"].ffn, Int8FeedForward)
    assert not any(isinstance(m, (nn.Linear, nn.MultiheadAttention)) for m in q.blocks.modules())
    with torch.no_grad():
        want = model(*batch()).softmax(-1)
        got = q(*batch()).softmax(-1)
    assert (got - want).abs().max() < 0.02
