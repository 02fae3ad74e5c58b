import numpy as np
import pytest

from colog.errors import CologError
from colog.features.encoders import OnnxSbertEncoder, SbertEncoder, sbert_encoder

# real lines of the bundled casper slice and Loghub's OpenSSH sample, short and long
MESSAGES = ["pam_unix(sshd:session): session opened for user root by (uid=0)",
            "Failed password for invalid user admin from 173.234.31.186 port 38926 ssh2",
            "ehci_hcd 0000:00:1d.7: cache line size of 128 is not supported",
            "tty4 main process (6851) killed by TERM signal",
            "x" * 3000]  # past the model's 256 tokens: both truncate


def test_onnx_vectors_are_torch_vectors(tmp_path):
    onnx = OnnxSbertEncoder(tmp_path)
    got = onnx.encode(MESSAGES)
    want = SbertEncoder().encode(MESSAGES)
    assert onnx.path.is_file() and got.shape == want.shape == (len(MESSAGES), 384)
    cosine = (got * want).sum(1) / np.linalg.norm(got, axis=1) / np.linalg.norm(want, axis=1)
    assert cosine.min() > 0.9999
    assert np.allclose(got[[3, 0]], onnx.encode([MESSAGES[3], MESSAGES[0]]), atol=1e-5)  # batch order is undone


def test_a_failed_export_falls_back_to_torch(tmp_path, monkeypatch, caplog):
    import colog.features.encoders as encoders

    def broken(path):
        raise RuntimeError("no exporter")

    monkeypatch.setattr(encoders, "export", broken)
    onnx = OnnxSbertEncoder(tmp_path)
    assert np.allclose(onnx.encode(MESSAGES[:2]), SbertEncoder().encode(MESSAGES[:2]), atol=1e-6)
    assert "could not export SBERT to ONNX (no exporter)" in caplog.text and not onnx.path.exists()


def test_the_encoder_is_chosen_by_colog_encoder(monkeypatch):
    monkeypatch.setenv("COLOG_ENCODER", "torch")
    assert type(sbert_encoder()) is SbertEncoder
    monkeypatch.setenv("COLOG_ENCODER", "onnx")
    assert type(sbert_encoder()) is OnnxSbertEncoder
    monkeypatch.delenv("COLOG_ENCODER")
    assert type(sbert_encoder()) is OnnxSbertEncoder  # onnxruntime is a dependency
    monkeypatch.setenv("COLOG_ENCODER", "tensorflow")
    with pytest.raises(CologError, match="expected auto, torch or onnx"):
        sbert_encoder()
