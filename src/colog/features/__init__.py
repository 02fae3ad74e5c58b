"""Features: the line's tokens and word2vec, the SBERT message store, windows, the split and class balance."""

from colog.features.balance import Balance, balance
from colog.features.encoders import SbertEncoder, sbert_encoder
from colog.features.inputs import LineMessages, ModelInputs, fit_vocabulary
from colog.features.split import SPLITS, Protocol, SplitConfig, split_lines, unseen_mask
from colog.features.store import MessageStore
from colog.features.tokens import Vocabulary, train_word2vec

__all__ = ["Balance", "LineMessages", "MessageStore", "ModelInputs", "Protocol", "SPLITS", "SbertEncoder", "SplitConfig",
           "Vocabulary", "balance", "fit_vocabulary", "sbert_encoder", "split_lines", "train_word2vec", "unseen_mask"]
