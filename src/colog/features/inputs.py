"""Everything the network reads, for every line, as index arrays into per-message tables.

Lines refer to unique messages by id; a message's tokens live once in a TokenTable and its SBERT
vector once in `vectors`. Two lines whose message and window messages are the same are the same
model input: `input_keys` finds them so that each is scored once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from colog.features.store import MessageStore
from colog.features.tokens import TokenTable, Vocabulary, tokenize
from colog.features.windows import gather
from colog.labeling import WindowSpec, window_index
from colog.parsing.readers import file_type


@dataclass
class LineMessages:
    """Unique (source, message) pairs of a table and each line's id among them.

    The source is the log file's type (auth, kern, ...) when `source_token` is on: keyword labels
    use one list per file type, so the same text can be normal in one file and anomalous in another,
    and only a model that sees the source can tell them apart. It enters as one leading token.
    """

    messages: list[str]
    sources: list[str]
    ids: np.ndarray  # (N,) int64 into `messages`

    @classmethod
    def of(cls, table: pa.Table, source_token: bool = True) -> "LineMessages":
        texts = table["message"].to_pylist()
        files = table["file"].to_pylist() if source_token else [""] * len(texts)
        types: dict[str, str] = {}
        index: dict[tuple[str, str], int] = {}
        ids = np.fromiter((index.setdefault((types.setdefault(f, file_type(f) if f else ""), t), len(index))
                           for f, t in zip(files, texts)), dtype=np.int64, count=len(texts))
        return cls([t for _, t in index], [s for s, _ in index], ids)

    def tokens(self, i: int, max_len: int = 60) -> list[str]:
        """Word tokens of unique message `i`, led by its source token when it has one."""
        return message_tokens(self.sources[i], self.messages[i], max_len)


def message_tokens(source: str, message: str, max_len: int = 60) -> list[str]:
    """The model's word tokens of a message from a file of type `source` ("": no source token)."""
    if not source:
        return tokenize(message, max_len)
    return [f"<{source}>", *tokenize(message, max_len - 1)]


@dataclass
class ModelInputs:
    """Token and window inputs of N lines, gathered per batch."""

    tokens: TokenTable  # per unique message
    vectors: np.ndarray  # (U, 384) SBERT vector per unique message
    message_ids: np.ndarray  # (N,)
    window: np.ndarray  # (N, Lw) row numbers, -1 = padding

    @classmethod
    def build(cls, messages: LineMessages, groups: np.ndarray, vocab: Vocabulary, store: MessageStore,
              spec: WindowSpec, include_current: bool, max_len: int = 60, progress: bool = False,
              reach: np.ndarray | None = None) -> "ModelInputs":
        """`groups`: a window takes the neighbours of its line's group only (a file, or a file's lines of one
        split); `reach`: and of a reach not above the line's (window_index)."""
        ids = store.ids(messages.messages, progress=progress)  # may grow store.vectors: read it after
        vectors = store.vectors[ids]
        token_lists = [messages.tokens(i, max_len) for i in range(len(messages.messages))]
        return cls(TokenTable.build(token_lists, vocab), vectors, messages.ids,
                   window_index(groups, spec, include_current, reach))

    def batch(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """tokens (B, Ls), token mask, window vectors (B, Lq, 384), window mask."""
        tokens, token_mask = self.tokens.batch(self.message_ids[rows])
        window, window_mask = gather(self.window, self.message_ids, self.vectors, rows)
        return tokens, token_mask, window, window_mask

    def lengths(self, rows: np.ndarray) -> np.ndarray:
        """Token count of each row's message (what a batch pads to)."""
        return self.tokens.lengths()[self.message_ids[rows]]

    def input_keys(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Representative rows of the distinct inputs among `rows`, and each row's position among them."""
        win = self.window[rows]
        key = np.column_stack([self.message_ids[rows], np.where(win >= 0, self.message_ids[win], -1)])
        _, first, inverse = np.unique(key, axis=0, return_index=True, return_inverse=True)
        return rows[first], inverse.ravel()


def fit_vocabulary(messages: LineMessages, train_rows: np.ndarray, max_len: int = 60) -> tuple[Vocabulary, list]:
    """The vocabulary of the training lines' messages only, and their token lists (for word2vec)."""
    train_messages = np.unique(messages.ids[train_rows])
    token_lists = [messages.tokens(int(i), max_len) for i in train_messages]
    return Vocabulary.fit(token_lists), token_lists
