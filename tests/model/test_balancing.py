import pytest
import torch

from colog.model.balancing import BalancingLayer, MeanFusion

D, LATENT = 32, 40


def masks(*lengths, width):
    return torch.arange(width)[None, :] < torch.tensor(lengths)[:, None]  # (B, width)


def two_streams(ls=(4, 2), lq=(3, 1), extra=0):
    """Both streams with `extra` junk padded positions appended."""
    torch.manual_seed(1)
    x, y = torch.randn(2, 4, D), torch.randn(2, 3, D)
    if extra:
        x, y = torch.cat([x, torch.randn(2, extra, D)], 1), torch.cat([y, torch.randn(2, extra, D)], 1)
    return {"semantic": (x, masks(*ls, width=x.size(1))), "sequence": (y, masks(*lq, width=y.size(1)))}


@pytest.fixture(params=["balancing", "mean"])
def fuse(request):
    torch.manual_seed(0)
    if request.param == "balancing":
        return BalancingLayer(("semantic", "sequence"), D, LATENT).eval()
    return MeanFusion(D).eval()


def test_shape(fuse):
    assert fuse(two_streams()).shape == (2, fuse.out_dim)


def test_padding_changes_nothing(fuse):
    assert torch.allclose(fuse(two_streams()), fuse(two_streams(extra=3)), atol=1e-5)


def test_all_masked_rows_are_finite(fuse):
    streams = {k: (x.requires_grad_(), m) for k, (x, m) in two_streams(ls=(0, 2), lq=(0, 0)).items()}
    out = fuse(streams)
    out.sum().backward()
    assert torch.isfinite(out).all()
    assert all(torch.isfinite(x.grad).all() for x, _ in streams.values())


def test_mean_fusion_is_the_masked_mean_summed():
    s = two_streams()
    (x, _), (y, _) = s["semantic"], s["sequence"]
    expected = torch.stack([x[0, :4].mean(0) + y[0, :3].mean(0), x[1, :2].mean(0) + y[1, :1].mean(0)])
    fuse = MeanFusion(D)
    torch.testing.assert_close(fuse(s), fuse.norm(expected))


def test_balancing_layer_trains_both_streams_and_works_with_one():
    layer = BalancingLayer(("semantic", "sequence"), D, LATENT)
    layer(two_streams()).pow(2).sum().backward()
    for name in ("semantic", "sequence"):
        assert layer.pools[name].lift.weight.grad.abs().sum() > 0
        assert layer.projs[name].weight.grad.abs().sum() > 0
    one = BalancingLayer(("sequence",), D, LATENT)
    assert one({"sequence": two_streams()["sequence"]}).shape == (2, LATENT)
