import numpy as np
import pytest

from colog.errors import CologError
from colog.features.encoders import SbertEncoder
from colog.features.store import MessageStore


class CountingEncoder:
    """A deterministic stand-in that records what it was asked to embed."""

    name = "counting/test"
    dim = 4

    def __init__(self):
        self.calls: list[list[str]] = []

    def encode(self, texts):
        self.calls.append(list(texts))
        return np.array([[len(t), t.count("a"), 1.0, 0.0] for t in texts], dtype=np.float32)


def test_unique_messages_embedded_once_and_reused_across_instances(tmp_path):
    enc = CountingEncoder()
    store = MessageStore(enc, tmp_path, chunk=2)
    ids = store.ids(["aa", "b", "aa", "ccc"])
    assert ids[0] == ids[2] and len(set(ids.tolist())) == 3
    assert sorted(t for call in enc.calls for t in call) == ["aa", "b", "ccc"]
    assert store.vectors[ids[3]].tolist() == [3, 0, 1, 0]
    again = MessageStore(CountingEncoder(), tmp_path)
    assert again.ids(["ccc", "aa"]).tolist() == [ids[3], ids[0]] and again.embedded == 0
    assert again.encoder.calls == []
    again.ids(["new"])
    assert again.embedded == 1 and len(MessageStore(CountingEncoder(), tmp_path)) == 4


def test_streamed_vectors_wait_for_flush_then_land_in_one_shard(tmp_path):
    store = MessageStore(CountingEncoder(), tmp_path, chunk=100)
    for text in ("a", "b", "c"):
        store.ids([text], save=False)  # a stream: a few messages at a time
    assert len(MessageStore(CountingEncoder(), tmp_path)) == 0
    store.flush()
    assert len(list(store.root.glob("shard-*"))) == 1
    assert MessageStore(CountingEncoder(), tmp_path).ids(["c", "a"]).tolist() == store.ids(["c", "a"]).tolist()


def test_a_corrupt_shard_is_named(tmp_path):
    store = MessageStore(CountingEncoder(), tmp_path)
    store.ids(["x"])
    shard = next(store.root.glob("shard-*"))
    shard.write_bytes(b"garbage")
    with pytest.raises(CologError, match="unreadable message-store shard"):
        MessageStore(CountingEncoder(), tmp_path)


def test_real_sbert_model_loads_offline_and_separates_meanings(tmp_path):
    store = MessageStore(SbertEncoder(), tmp_path)
    ids = store.ids(["authentication failure for user root", "authentication failure for user admin",
                     "kernel: CPU0 temperature above threshold"])
    v = store.vectors[ids]
    assert v.shape == (3, 384)
    cos = v @ v.T / np.outer(np.linalg.norm(v, axis=1), np.linalg.norm(v, axis=1))
    assert cos[0, 1] > 0.7 and cos[0, 2] < cos[0, 1] - 0.4
