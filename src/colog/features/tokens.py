"""The semantic modality: word tokens of each message, a vocabulary and word2vec vectors, fitted on train only."""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from colog.artifacts import read_json, write_json
from colog.errors import CologError

logger = logging.getLogger(__name__)

PAD, UNK = 0, 1
_WORD = re.compile(r"[^\W\d_]+")  # letters only: digits and punctuation are stripped, as the paper does


def tokenize(message: str, max_len: int = 60) -> list[str]:
    """Lower-cased word tokens of a message, at most `max_len`."""
    return _WORD.findall(message.lower())[:max_len]


def sequence_key(tokens: list[str]) -> int:
    """A token sequence's id: 48 bits of a hash, the same in every run (tokens hold no space)."""
    return int.from_bytes(hashlib.blake2b(" ".join(tokens).encode("utf-8", "surrogatepass"), digest_size=6).digest(),
                          "big")


@dataclass
class Vocabulary:
    """Token <-> id; PAD (0) and UNK (1) are distinct, so an unknown word is not padding."""

    words: list[str]

    @classmethod
    def fit(cls, token_lists: list[list[str]]) -> "Vocabulary":
        seen = dict.fromkeys(t for tokens in token_lists for t in tokens)
        return cls(["<pad>", "<unk>", *sorted(seen)])

    def __post_init__(self) -> None:
        self.index = {w: i for i, w in enumerate(self.words)}

    def __len__(self) -> int:
        return len(self.words)

    @property
    def source_types(self) -> list[str]:
        """The file types it has a source token (`<auth>`) for: word tokens are letters only, so every `<...>`
        past PAD and UNK is one."""
        return sorted(w[1:-1] for w in self.words[2:] if w.startswith("<"))

    def encode(self, tokens: list[str]) -> list[int]:
        return [self.index.get(t, UNK) for t in tokens]

    def save(self, path: Path) -> None:
        write_json(self.words, path)

    @classmethod
    def load(cls, path: Path) -> "Vocabulary":
        return cls(read_json(path, "vocabulary"))


def train_word2vec(token_lists: list[list[str]], vocab: Vocabulary, dim: int = 300, seed: int = 0,
                   epochs: int = 10) -> np.ndarray:
    """Word vectors (len(vocab), dim) from gensim word2vec on the training messages; PAD = 0, UNK = mean."""
    from gensim.models import Word2Vec

    sentences = [t for t in token_lists if t]
    if not sentences:
        raise CologError("the training split has no word tokens to train word2vec on")
    # One worker: gensim is only deterministic single-threaded, and the corpus (unique messages) is small.
    model = Word2Vec(sentences=sentences, vector_size=dim, window=5, min_count=1, workers=1, seed=seed,
                     epochs=epochs, sg=1)
    vectors = np.zeros((len(vocab), dim), dtype=np.float32)
    for word, i in vocab.index.items():
        if word in model.wv.key_to_index:
            vectors[i] = model.wv[word]
    known = vectors[2:][np.any(vectors[2:] != 0, axis=1)]
    vectors[UNK] = known.mean(axis=0) if len(known) else 0.0
    logger.info("word2vec: %d words, %d sentences", len(vocab) - 2, len(sentences))
    return vectors


class TokenTable:
    """Token ids of every unique message as one ragged array (flat ids + offsets): no per-line copies."""

    def __init__(self, ids: np.ndarray, offsets: np.ndarray):
        self.ids = ids  # (total tokens,) int32
        self.offsets = offsets  # (n_messages + 1,) int64

    @classmethod
    def build(cls, token_lists: list[list[str]], vocab: Vocabulary) -> "TokenTable":
        encoded = [vocab.encode(tokens) for tokens in token_lists]
        lengths = np.array([len(e) for e in encoded], dtype=np.int64)
        offsets = np.concatenate([[0], np.cumsum(lengths)])
        flat = np.fromiter((i for e in encoded for i in e), dtype=np.int32, count=int(offsets[-1]))
        return cls(flat, offsets)

    def lengths(self) -> np.ndarray:
        return np.diff(self.offsets)

    def batch(self, message_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Padded ids (B, Ls) and mask for a batch; Ls is the longest message in it (at least 1)."""
        lengths = self.lengths()[message_ids]
        width = max(int(lengths.max(initial=0)), 1)
        out = np.zeros((len(message_ids), width), dtype=np.int64)
        mask = np.arange(width)[None, :] < lengths[:, None]
        starts = self.offsets[message_ids]
        rows, cols = np.nonzero(mask)
        out[rows, cols] = self.ids[starts[rows] + cols]
        return out, mask
