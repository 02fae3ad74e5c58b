import pytest
import torch

from colog.model.adaptation import Glimpses, ModalityAdaptation

D, MAX_LEN = 32, 8


def masks(*lengths, width):
    return torch.arange(width)[None, :] < torch.tensor(lengths)[:, None]  # (B, width)


@pytest.fixture
def mal():
    torch.manual_seed(0)
    return ModalityAdaptation(hidden=D, max_len=MAX_LEN, dropout=0.1).eval()


def test_glimpse_weights_sum_to_one_over_real_positions():
    g = Glimpses(D, 4)
    x, m = torch.randn(2, 5, D), masks(5, 3, width=5)
    out, w = g(x, m)
    assert out.shape == (2, 4, D) and w.shape == (2, 5, 4)
    torch.testing.assert_close(w.sum(1), torch.ones(2, 4))
    assert (w[1, 3:] == 0).all()
    torch.testing.assert_close(out, w.transpose(1, 2) @ x)


def test_fewer_glimpses_are_the_first_of_all():
    g = Glimpses(D, 6)
    x, m = torch.randn(2, 5, D), masks(5, 3, width=5)
    torch.testing.assert_close(g(x, m, count=2)[0], g(x, m)[0][:, :2])
    with pytest.raises(AssertionError):
        g(x, m, count=7)


def test_shape(mal):
    x = torch.randn(3, 5, D)
    assert mal(x, masks(5, 2, 1, width=5)).shape == (3, 5, D)


def test_padding_changes_nothing(mal):
    x, m = torch.randn(2, 4, D), masks(4, 2, width=4)
    x2, m2 = torch.cat([x, torch.randn(2, 3, D)], 1), masks(4, 2, width=7)
    assert torch.allclose(mal(x, m)[m], mal(x2, m2)[m2], atol=1e-5)


def test_all_masked_rows_are_finite(mal):
    mal.train()
    x = torch.randn(2, 4, D, requires_grad=True)
    out = mal(x, masks(0, 3, width=4))
    out.sum().backward()
    assert torch.isfinite(out).all() and torch.isfinite(x.grad).all()
