"""The collaborative transformer (paper section 4): two streams encoded together, fused, classified.

Semantic stream: the line's tokens -> frozen word vectors -> LSTM. Sequence stream: the window's
SBERT vectors -> Linear. T blocks update both streams at once from the same inputs (each attends to
itself, then to the other), a modality adaptation layer sits between blocks, and the balancing layer
fuses the streams for the classifier.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from colog.features.tokens import UNK
from colog.model.adaptation import ModalityAdaptation
from colog.model.attention import ImpressedLayer
from colog.model.balancing import BalancingLayer, MeanFusion
from colog.model.config import CoLogConfig, ConfigError

OTHER = {"semantic": "sequence", "sequence": "semantic"}


def classes_from_bits(bits: Tensor) -> Tensor:
    """(B, 2) logits of the line's bit and the window's bit -> (B, 4) log-probabilities of normal, point,
    collective, both (class = line + 2 * window).

    They are normalised, so softmax returns them as probabilities and cross-entropy on them is the sum of the two
    bits' binary cross-entropies: every line with the same text teaches its own bit, whatever its window holds,
    where a 4-way softmax learns the line's bit once per window state.
    """
    on, off = F.logsigmoid(bits), F.logsigmoid(-bits)  # log p(bit = 1), log p(bit = 0)
    line = torch.stack([off[:, 0], on[:, 0]], dim=1)  # (B, 2)
    window = torch.stack([off[:, 1], on[:, 1]], dim=1)  # (B, 2)
    return (window[:, :, None] + line[:, None, :]).flatten(1)  # (B, 4): index = line + 2 * window


class CoLog(nn.Module):
    """Classifies a log line from its tokens and its window of neighbouring messages.

    `word_vectors` (V, word_dim): row 0 is PAD (zeros); kept frozen. Unused, and may be None, when
    `config.semantic` is False.
    """

    def __init__(self, config: CoLogConfig, word_vectors: Tensor | None):
        super().__init__()
        self.config = config
        c = config
        if c.semantic:
            if word_vectors is None or word_vectors.dim() != 2 or word_vectors.size(1) != c.word_dim:
                shape = None if word_vectors is None else tuple(word_vectors.shape)
                raise ConfigError(f"word_vectors has shape {shape}; expected (V, word_dim={c.word_dim})")
            self.embed = nn.Embedding.from_pretrained(word_vectors.float(), freeze=True, padding_idx=0)
            self.lstm = nn.LSTM(c.word_dim, c.hidden, batch_first=True)
        if c.sequence:
            self.project = nn.Linear(c.seq_dim, c.hidden)
            if c.window_positions:  # attention and pooling ignore order, so without these only the MAL (glimpse
                # i goes to position i) tells the line's own row from the rows before or after it
                self.positions = nn.Parameter(torch.randn(c.max_len, c.hidden) * 0.02)
        self.blocks = nn.ModuleList(
            nn.ModuleDict({s: ImpressedLayer(c.hidden, c.heads, c.ffn, c.dropout) for s in c.streams})
            for _ in range(c.layers))
        n_mal = c.layers - 1 if c.mal else 0  # between blocks, not after the last
        self.mals = nn.ModuleList(
            nn.ModuleDict({s: ModalityAdaptation(c.hidden, c.max_len, c.dropout) for s in c.streams})
            for _ in range(n_mal))
        self.fuse = BalancingLayer(c.streams, c.hidden, c.latent) if c.balancing_layer else MeanFusion(c.hidden)
        if c.bit_heads and c.n_classes != 4:  # checked here: the task sets n_classes after the config is made
            raise ConfigError(f"bit_heads needs the 4-class (collective) task; this model has {c.n_classes} classes")
        self.classifier = nn.Linear(self.fuse.out_dim, 2 if c.bit_heads else c.n_classes)

    def forward(self, tokens: Tensor, token_mask: Tensor, window: Tensor, window_mask: Tensor,
                return_attention: bool = False) -> Tensor | tuple[Tensor, dict[str, Tensor]]:
        """Logits (B, n_classes); with `return_attention`, also the last block's impressed-attention
        weights averaged over heads: {"semantic": (B, Ls, Lq), "sequence": (B, Lq, Ls)}.

        The dict is empty when there is no cross-modal attention (`impressed=False` or one stream).
        """
        z, attn = self._encode(tokens, token_mask, window, window_mask, need_weights=return_attention)
        logits = self.classify(z)
        return (logits, attn) if return_attention else logits

    def classify(self, fused: Tensor) -> Tensor:
        """The fused vector (B, latent) -> class logits (B, n_classes); log-probabilities with `bit_heads`."""
        out = self.classifier(fused)  # (B, n_classes), or (B, 2) bits
        return classes_from_bits(out) if self.config.bit_heads else out

    def encode(self, tokens: Tensor, token_mask: Tensor, window: Tensor, window_mask: Tensor) -> Tensor:
        """The vector the classifier reads: (B, latent), or (B, hidden) when `balancing_layer=False`."""
        return self._encode(tokens, token_mask, window, window_mask, need_weights=False)[0]

    def _encode(self, tokens: Tensor, token_mask: Tensor, window: Tensor, window_mask: Tensor,
                need_weights: bool) -> tuple[Tensor, dict[str, Tensor]]:
        """tokens (B, Ls) long, token_mask (B, Ls) bool; window (B, Lq, seq_dim), window_mask (B, Lq) bool.

        True = real. Token padding must be trailing (the LSTM reads left to right, so trailing
        padding cannot reach a real position); window padding may sit anywhere. Ls, Lq <= max_len.
        """
        c = self.config
        streams: dict[str, tuple[Tensor, Tensor]] = {}
        if c.semantic:
            tokens, token_mask = self._at_least_one(tokens, token_mask, "tokens")
            tokens = tokens.masked_fill(~token_mask, 0)  # padding reads as PAD, a zero vector
            if self.training and c.unk_dropout > 0:  # teach UNK to mean "a word I do not know", not "anomalous"
                drop = (torch.rand(tokens.shape, device=tokens.device) < c.unk_dropout) & token_mask
                tokens = tokens.masked_fill(drop, UNK)
            h, attended = self._read_tokens(tokens, token_mask)  # (B, Ls, d) each
            streams["semantic"] = (h, token_mask)
        if c.sequence:
            window, window_mask = self._at_least_one(window, window_mask, "window rows")
            if self.training and c.window_dropout > 0:  # no verdict may hang on which neighbours a line has
                window_mask = window_mask & (torch.rand(window_mask.shape, device=window.device) >= c.window_dropout)
            # padded rows read as zeros whatever the collator left there, so an empty row (see
            # attention.nonempty) is one zero position on either stream
            window = window.masked_fill(~window_mask[..., None], 0.0)
            x = self.project(window)  # (B, Lq, d); column j is always the same offset from the line
            if c.window_positions:
                x = x + self.positions[:x.size(1)]
            streams["sequence"] = (x, window_mask)

        attn: dict[str, Tensor] = {}
        cross = c.impressed and len(streams) == 2
        for i, block in enumerate(self.blocks):
            last = i == len(self.blocks) - 1
            updated = {}
            for name, (x, mask) in streams.items():
                other, other_mask = streams[OTHER[name]] if cross else (None, None)
                weights = need_weights and last and cross
                if i == 0 and name == "semantic":  # its self-attention ran in _read_tokens; the other
                    # stream still attends to the block's input h, as in every block
                    x, w = block[name].impress(attended, mask, other, other_mask, need_weights=weights)
                else:
                    x, w = block[name](x, mask, other, other_mask, need_weights=weights)
                if w is not None:
                    attn[name] = w  # (B, L_own, L_other)
                updated[name] = (x, mask)
            if i < len(self.mals):
                updated = {s: (self.mals[i][s](x, m), m) for s, (x, m) in updated.items()}
            streams = updated
        return self.fuse(streams), attn

    def _read_tokens(self, tokens: Tensor, token_mask: Tensor) -> tuple[Tensor, Tensor]:
        """The LSTM states (B, Ls, d) and the first block's self-attention over them (B, Ls, d).

        Both depend on the tokens alone, so in inference each distinct token row of the batch is
        read once (a log repeats its messages; in detection batches most rows share a message).
        """
        first = self.blocks[0]["semantic"]
        if self.training or torch.is_grad_enabled():
            h = self.lstm(self.embed(tokens))[0]
            return h, first.attend_self(h, token_mask)
        unique, inverse = torch.unique(tokens, dim=0, return_inverse=True)  # (U, Ls), (B,)
        row = torch.empty(len(unique), dtype=torch.long).scatter_(0, inverse, torch.arange(len(tokens)))
        mask = token_mask[row]  # equal tokens, equal masks: padding is PAD and PAD is never a word
        h = self.lstm(self.embed(unique))[0]
        return h[inverse], first.attend_self(h, mask)[inverse]

    def _at_least_one(self, x: Tensor, mask: Tensor, what: str) -> tuple[Tensor, Tensor]:
        """Checks the length cap and gives a batch of padded length 0 one masked position."""
        if x.size(1) > self.config.max_len:
            raise ValueError(f"{x.size(1)} {what} in a batch; the model takes at most max_len={self.config.max_len}")
        if x.size(1) == 0:
            pad = (0, 0, 0, 1) if x.dim() == 3 else (0, 1)
            x, mask = F.pad(x, pad), F.pad(mask, (0, 1))
        return x, mask
