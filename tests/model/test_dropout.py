import pytest
import torch

from colog.model.dropout import FastDropout


def test_drops_about_p_and_keeps_the_mean():
    torch.manual_seed(0)
    drop = FastDropout(0.1).train()
    x = torch.ones(400, 2048)
    y = drop(x)
    dropped = (y == 0).float().mean().item()
    assert abs(dropped - 0.1) < 0.003
    assert abs(y.mean().item() - 1.0) < 0.005  # kept positions scaled by 1 / (1 - p)
    values = torch.unique(y).tolist()
    assert values[0] == 0.0 and values[1] == pytest.approx(1 / (1 - 6554 / 65536)) and len(values) == 2


def test_eval_mode_and_p_zero_are_the_identity():
    x = torch.randn(7, 5)
    assert FastDropout(0.1).eval()(x) is x
    assert FastDropout(0.0).train()(x) is x


def test_masks_follow_torch_seed_and_differ_between_calls():
    def two_masks():
        torch.manual_seed(3)
        drop = FastDropout(0.5).train()
        x = torch.ones(64, 64)
        return drop(x), drop(x)

    a1, a2 = two_masks()
    b1, b2 = two_masks()
    assert torch.equal(a1, b1) and torch.equal(a2, b2)
    assert not torch.equal(a1, a2)


def test_gradient_is_the_scaled_mask():
    torch.manual_seed(0)
    drop = FastDropout(0.25).train()
    x = torch.randn(33, 17, requires_grad=True)  # numel not a multiple of 4
    y = drop(x)
    y.sum().backward()
    torch.testing.assert_close(x.grad, (y != 0).float() / 0.75)


def test_rejects_bad_probability():
    with pytest.raises(ValueError, match="dropout probability"):
        FastDropout(1.0)
