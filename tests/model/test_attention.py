import pytest
import torch

from colog.model.attention import ImpressedLayer, nonempty

D = 32


@pytest.fixture
def layer():
    torch.manual_seed(0)
    return ImpressedLayer(hidden=D, heads=2, ffn=64, dropout=0.1).eval()


def masks(*lengths, width):
    return torch.arange(width)[None, :] < torch.tensor(lengths)[:, None]  # (B, width)


def test_nonempty_only_touches_empty_rows():
    m = torch.tensor([[False, True, False], [False, False, False]])
    assert nonempty(m).tolist() == [[False, True, False], [True, False, False]]


def test_shapes_and_weights_sum_to_one_over_real_keys(layer):
    x, y = torch.randn(2, 5, D), torch.randn(2, 3, D)
    ym = masks(3, 2, width=3)
    out, w = layer(x, masks(5, 4, width=5), y, ym, need_weights=True)
    assert out.shape == (2, 5, D) and w.shape == (2, 5, 3)
    torch.testing.assert_close(w.sum(-1), torch.ones(2, 5))
    assert (w[1, :, 2] == 0).all()


def test_without_other_stream_it_is_self_attention(layer):
    x = torch.randn(2, 5, D)
    out, w = layer(x, masks(5, 2, width=5), need_weights=True)
    assert out.shape == (2, 5, D) and w.shape == (2, 5, 5)
    assert (w[1, :, 2:] == 0).all()


def test_padding_changes_nothing(layer):
    x, y = torch.randn(2, 4, D), torch.randn(2, 3, D)
    xm, ym = masks(4, 2, width=4), masks(3, 1, width=3)
    out, _ = layer(x, xm, y, ym)
    # extra padded positions holding junk, on both streams
    x2, y2 = torch.cat([x, torch.randn(2, 3, D)], 1), torch.cat([y, torch.randn(2, 2, D)], 1)
    xm2, ym2 = masks(4, 2, width=7), masks(3, 1, width=5)
    out2, _ = layer(x2, xm2, y2, ym2)
    assert torch.allclose(out[xm], out2[xm2], atol=1e-5)


def test_all_masked_rows_are_finite(layer):
    layer.train()
    x, y = torch.randn(2, 4, D, requires_grad=True), torch.randn(2, 3, D, requires_grad=True)
    out, w = layer(x, masks(0, 4, width=4), y, masks(3, 0, width=3), need_weights=True)
    out.sum().backward()
    assert torch.isfinite(out).all() and torch.isfinite(w).all()
    assert torch.isfinite(x.grad).all() and torch.isfinite(y.grad).all()
