"""The network's sizes and switches: a torch-free dataclass, so commands read its defaults without loading torch."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from colog.errors import CologError, require_integers

STREAMS = ("semantic", "sequence")


class ConfigError(CologError, ValueError):
    """A model config that names unknown keys or cannot build a network."""


@dataclass
class CoLogConfig:
    """Sizes and ablation switches of the collaborative transformer; defaults are the paper's."""

    word_dim: int = 300  # word2vec size
    seq_dim: int = 384  # SBERT all-MiniLM-L6-v2
    hidden: int = 256  # d
    heads: int = 4
    layers: int = 2  # T collaborative blocks
    ffn: int = 2048
    dropout: float = 0.1
    latent: int = 512  # balancing layer's shared space
    n_classes: int = 2
    max_len: int = 60  # cap on tokens and window rows; MAL has this many glimpses
    semantic: bool = True  # ablation switches (paper Table 17)
    sequence: bool = True
    impressed: bool = True  # False: impressed attention replaced by plain self-attention
    mal: bool = True  # modality adaptation layer between blocks
    balancing_layer: bool = True  # False: masked mean pooling per stream, summed, LayerNorm, classifier
    bit_heads: bool = False  # 4-class task: the line's and the window's bit from two heads, not one 4-way softmax
    window_positions: bool = False  # a learned vector per window column (the row's offset from the line)
    unk_dropout: float = 0.0  # in training, each real token is read as UNK with this probability
    window_dropout: float = 0.0  # in training, each real window row is masked out with this probability

    def __post_init__(self):
        if not (self.semantic or self.sequence):
            raise ConfigError("semantic and sequence are both False; at least one stream must be on")
        require_integers(self, {"word_dim": 1, "seq_dim": 1, "hidden": 1, "heads": 1, "ffn": 1, "latent": 1,
                                "layers": 1, "max_len": 1, "n_classes": 2}, error=ConfigError)
        if not 0.0 <= self.dropout < 1.0:
            raise ConfigError(f"dropout={self.dropout}; expected 0 <= dropout < 1")
        for name in ("unk_dropout", "window_dropout"):
            if not 0.0 <= getattr(self, name) < 1.0:
                raise ConfigError(f"{name}={getattr(self, name)}; expected 0 <= {name} < 1")
        if self.hidden % self.heads:
            raise ConfigError(f"hidden={self.hidden} is not divisible by heads={self.heads}")
        if self.window_positions and not self.sequence:
            raise ConfigError("window_positions needs the sequence stream (sequence=False has no window)")

    @classmethod
    def shipped(cls) -> "CoLogConfig":
        """The network `colog train` builds unless told otherwise: the paper's, reading one training word in ten as
        the unknown word, so that a word it never saw pushes neither way on logs written later or on another
        machine's (docs/results.md, the options table). CoLogConfig() stays the paper's: a stored config keeps
        its meaning."""
        return cls(unk_dropout=0.1)

    @property
    def streams(self) -> tuple[str, ...]:
        """The streams switched on, in a fixed order."""
        return tuple(s for s in STREAMS if getattr(self, s))

    def to_dict(self) -> dict:
        """Plain JSON-ready values."""
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "CoLogConfig":
        """Inverse of `to_dict`; a key this version does not know is an error, not silently dropped."""
        valid = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - valid)
        if unknown:
            raise ConfigError(f"unknown CoLogConfig keys {unknown}; valid: {', '.join(sorted(valid))}")
        return cls(**d)
