import pytest
import torch

from colog.errors import CologError
from colog.model import CoLog, CoLogConfig, ConfigError
from colog.model.collaborative import OTHER, classes_from_bits

SMALL = dict(word_dim=16, seq_dim=24, hidden=32, heads=2, ffn=64, latent=40, max_len=12)
VOCAB = 50


def word_vectors():
    v = torch.randn(VOCAB, SMALL["word_dim"])
    v[0] = 0  # PAD
    return v


def build(**overrides):
    torch.manual_seed(0)
    return CoLog(CoLogConfig(**{**SMALL, **overrides}), word_vectors())


def masks(lengths, width):
    return torch.arange(width)[None, :] < torch.tensor(lengths)[:, None]  # (B, width)


def batch(token_lengths=(5, 3, 0, 2), window_lengths=(4, 1, 2, 0), ls=6, lq=4):
    """Real positions are the same whatever ls / lq; padded ones hold junk."""
    g = torch.Generator().manual_seed(2)
    b = len(token_lengths)
    tokens = torch.randint(1, VOCAB, (b, 12), generator=g)[:, :ls]
    window = torch.randn(b, 12, SMALL["seq_dim"], generator=g)[:, :lq]
    return tokens, masks(token_lengths, ls), window, masks(window_lengths, lq)


def test_config_round_trip_and_unknown_keys():
    c = CoLogConfig(hidden=64, mal=False)
    assert CoLogConfig.from_dict(c.to_dict()) == c
    with pytest.raises(ValueError, match=r"unknown CoLogConfig keys \['colour', 'size'\]"):
        CoLogConfig.from_dict({**c.to_dict(), "size": 1, "colour": 2})
    assert issubclass(ConfigError, CologError)


@pytest.mark.parametrize("bad, match", [(dict(semantic=False, sequence=False), "at least one stream"),
                                        (dict(hidden=30, heads=4), "not divisible"),
                                        (dict(layers=0), "layers=0; expected an integer >= 1"),
                                        (dict(hidden=0), "hidden=0"),
                                        (dict(n_classes=1), "n_classes=1"),
                                        (dict(dropout=1.0), "dropout=1.0"),
                                        (dict(unk_dropout=-0.1), "unk_dropout=-0.1"),
                                        (dict(window_dropout=1.0), "window_dropout=1.0"),
                                        (dict(sequence=False, window_positions=True), "needs the sequence stream")])
def test_config_rejects_networks_that_cannot_be_built(bad, match):
    with pytest.raises(ConfigError, match=match):
        CoLogConfig(**bad)


def test_bit_heads_need_four_classes():
    with pytest.raises(ConfigError, match="4-class"):
        build(bit_heads=True)


def test_word_vectors_of_the_wrong_size_are_rejected():
    with pytest.raises(ConfigError, match=r"\(50, 7\)"):
        CoLog(CoLogConfig(**SMALL), torch.zeros(VOCAB, 7))


def test_shapes_and_encode():
    model = build(n_classes=4).eval()
    b = batch()
    z = model.encode(*b)
    assert z.shape == (4, SMALL["latent"])
    torch.testing.assert_close(model(*b), model.classifier(z))
    assert model(*b).shape == (4, 4)


@pytest.mark.parametrize("switch", [{}, dict(window_positions=True)])
def test_padding_changes_nothing(switch):
    model = build(**switch).eval()
    assert torch.allclose(model(*batch()), model(*batch(ls=12, lq=9)), atol=1e-5)


def test_a_row_does_not_depend_on_its_batch():
    model = build().eval()
    tokens, tm, window, wm = batch()
    alone = model(tokens[:1, :5], tm[:1, :5], window[:1], wm[:1])
    assert torch.allclose(model(tokens, tm, window, wm)[:1], alone, atol=1e-5)


def test_gradients_reach_both_streams_and_the_embeddings_stay_frozen():
    model = build()
    torch.nn.functional.cross_entropy(model(*batch()), torch.tensor([0, 1, 0, 1])).backward()
    assert model.lstm.weight_ih_l0.grad.abs().sum() > 0
    assert model.project.weight.grad.abs().sum() > 0
    assert model.embed.weight.grad is None


@pytest.mark.parametrize("switch", [dict(semantic=False), dict(sequence=False), dict(impressed=False),
                                    dict(mal=False), dict(balancing_layer=False), dict(layers=1), dict(layers=3),
                                    dict(window_positions=True)])
def test_every_ablation_runs_forward_and_backward(switch):
    model = build(**switch)
    logits = model(*batch())
    logits.sum().backward()
    assert logits.shape == (4, 2) and torch.isfinite(logits).all()
    assert all(torch.isfinite(p.grad).all() for p in model.parameters() if p.grad is not None)
    width = SMALL["hidden"] if switch == dict(balancing_layer=False) else SMALL["latent"]
    assert model.encode(*batch()).shape == (4, width)


def test_attention_weights_have_the_documented_shapes():
    model = build().eval()
    tokens, tm, window, wm = batch()
    logits, attn = model(tokens, tm, window, wm, return_attention=True)
    torch.testing.assert_close(logits, model(tokens, tm, window, wm))
    sem, seq = attn["semantic"], attn["sequence"]
    assert sem.shape == (4, 6, 4) and seq.shape == (4, 4, 6)
    torch.testing.assert_close(sem.sum(-1), torch.ones(4, 6))
    torch.testing.assert_close(seq.sum(-1), torch.ones(4, 4))
    assert (sem[1, :, 1:] == 0).all() and (seq[1, :, 3:] == 0).all()  # padded keys get nothing
    assert (sem[3, :, 0] == 1).all()  # an empty window is one zero row


@pytest.mark.parametrize("switch", [dict(impressed=False), dict(sequence=False)])
def test_no_cross_attention_means_no_weights(switch):
    assert build(**switch)(*batch(), return_attention=True)[1] == {}


def test_empty_rows_and_empty_batches_are_finite():
    model = build()
    tokens, tm, window, wm = batch(token_lengths=(0, 0, 2, 0), window_lengths=(0, 3, 0, 0))
    logits = model(tokens, tm, window, wm)
    logits.sum().backward()
    assert torch.isfinite(logits).all()
    assert all(torch.isfinite(p.grad).all() for p in model.parameters() if p.grad is not None)
    assert torch.isfinite(model(*batch(token_lengths=(0,) * 4, window_lengths=(0,) * 4, ls=0, lq=0))).all()


def test_batches_longer_than_max_len_are_rejected():
    model = build(max_len=5)
    with pytest.raises(ValueError, match="6 tokens in a batch; the model takes at most max_len=5"):
        model(*batch(ls=6))


def test_inference_reads_each_distinct_message_once_and_scores_the_same():
    """Without gradients the token stream is computed once per distinct row (rows 0 and 2, 1 and 3
    share a message but not a window); the logits must equal the row-by-row computation's."""
    model = build().eval()
    tokens, tmask, window, wmask = batch(token_lengths=(5, 3, 5, 3, 0, 0), window_lengths=(4, 1, 2, 3, 1, 0))
    tokens[2], tokens[3], tokens[5] = tokens[0], tokens[1], tokens[4]
    calls = []
    model.lstm.register_forward_hook(lambda m, args, out: calls.append(args[0].shape[0]))
    with torch.no_grad():
        shared = model(tokens, tmask, window, wmask)
    assert calls == [3]  # three distinct token rows (the two empty ones are one)
    with torch.enable_grad():  # the training path: every row read on its own
        alone = model(tokens, tmask, window, wmask)
    assert calls == [3, 6]
    torch.testing.assert_close(shared, alone.detach(), atol=1e-5, rtol=1e-5)
    assert not torch.allclose(shared[0], shared[2])  # same message, different windows


def test_blocks_compose_as_documented():
    """Each block updates both streams from the block's input (each attends to itself, then to the
    other stream as it entered the block); the inference shortcut of `_read_tokens` must keep that."""
    model = build().eval()
    tokens, tmask, window, wmask = batch()
    with torch.no_grad():
        streams = {"semantic": (model.lstm(model.embed(tokens.masked_fill(~tmask, 0)))[0], tmask),
                   "sequence": (model.project(window.masked_fill(~wmask[..., None], 0.0)), wmask)}
        for i, block in enumerate(model.blocks):
            streams = {n: (block[n](x, m, *streams[OTHER[n]])[0], m) for n, (x, m) in streams.items()}
            if i < len(model.mals):
                streams = {n: (model.mals[i][n](x, m), m) for n, (x, m) in streams.items()}
        expected = model.classifier(model.fuse(streams))
        torch.testing.assert_close(model(tokens, tmask, window, wmask), expected)
        with torch.enable_grad():
            torch.testing.assert_close(model(tokens, tmask, window, wmask).detach(), expected)


def test_bit_heads_give_the_product_of_the_line_and_window_bits():
    bits = torch.tensor([[2.0, -1.0], [-3.0, 0.5]])
    p_line, p_window = torch.sigmoid(bits).unbind(1)
    expected = torch.stack([(1 - p_line) * (1 - p_window), p_line * (1 - p_window),  # normal, point
                            (1 - p_line) * p_window, p_line * p_window], dim=1)  # collective, both
    assert torch.allclose(classes_from_bits(bits).exp(), expected)
    # cross-entropy on them is the two bits' binary cross-entropies: 'both' = line 1, window 1
    loss = torch.nn.functional.cross_entropy(classes_from_bits(bits), torch.tensor([3, 0]))
    bce = torch.nn.functional.binary_cross_entropy_with_logits(bits, torch.tensor([[1.0, 1.0], [0.0, 0.0]]),
                                                               reduction="none").sum(1).mean()
    assert torch.allclose(loss, bce)
    model = build(n_classes=4, bit_heads=True).eval()
    logits = model(*batch())
    assert logits.shape == (4, 4) and model.classifier.out_features == 2
    assert torch.allclose(logits.exp().sum(1), torch.ones(4))


def test_window_positions_tell_the_rows_apart():
    """Without the MAL (whose glimpse i goes to position i) the paper's window is a set: swapping two rows changes
    nothing. With `window_positions` each column has its own vector, so the model can tell the line's row from
    its neighbours'; the vectors learn."""
    tokens, tmask, window, wmask = batch(window_lengths=(4, 4, 4, 4))
    swapped = window[:, [1, 0, 2, 3]]
    plain = build(mal=False).eval()
    torch.testing.assert_close(plain(tokens, tmask, window, wmask), plain(tokens, tmask, swapped, wmask))
    model = build(mal=False, window_positions=True)
    assert not torch.allclose(model.eval()(tokens, tmask, window, wmask), model(tokens, tmask, swapped, wmask))
    logits = model.train()(tokens, tmask, window, wmask)
    torch.nn.functional.cross_entropy(logits, torch.tensor([0, 1, 0, 1])).backward()
    assert model.positions.grad[:4].abs().sum(1).min() > 0  # every real column's vector gets a gradient
    assert model.positions.grad[4:].abs().sum() == 0  # columns past the batch's width are not read


def test_window_dropout_hides_window_rows_in_training_only():
    """In training a share of the real window rows reaches the network as masked zeros (the line's words
    never do); in evaluation none, so verdicts stay deterministic."""
    tokens, tmask, window, wmask = batch(window_lengths=(4, 4, 4, 4))
    seen = []
    model = build(window_dropout=0.5)
    model.project.register_forward_hook(lambda module, args, out: seen.append(args[0].clone()))
    torch.manual_seed(1)
    model.train()(tokens, tmask, window, wmask)
    hidden = (seen[-1].abs().sum(-1) == 0) & wmask
    assert 0.2 < hidden.sum() / wmask.sum() < 0.8
    model.eval()(tokens, tmask, window, wmask)
    assert not ((seen[-1].abs().sum(-1) == 0) & wmask).any()
    torch.testing.assert_close(model(tokens, tmask, window, wmask), build().eval()(tokens, tmask, window, wmask))


def test_unk_dropout_reads_words_as_unknown_in_training_only(monkeypatch):
    """In training a share of the real tokens reaches the embedding as UNK (padding never does); in evaluation
    none, so verdicts stay deterministic."""
    from colog.features.tokens import UNK

    tokens, tmask, window, wmask = batch()
    seen = []
    model = build(unk_dropout=0.5)
    model.embed.register_forward_hook(lambda module, args, out: seen.append(args[0].clone()))
    torch.manual_seed(1)
    model.train()(tokens, tmask, window, wmask)
    read = seen[-1]
    assert read.shape == tokens.shape
    assert 0.2 < ((read == UNK) & tmask).sum() / tmask.sum() < 0.8 and not ((read == UNK) & ~tmask).any()
    model.eval()(tokens, tmask, window, wmask)
    assert not (seen[-1] == UNK).any()
    torch.testing.assert_close(model(tokens, tmask, window, wmask), build().eval()(tokens, tmask, window, wmask))
