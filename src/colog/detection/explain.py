"""Why a line was flagged, with a direction: what removing each of its words, or masking each window line, does to
P(anomalous).

Occlusion by captum's FeatureAblation: a word is replaced by the unknown token (every copy of it at once),
a window line is masked as if it were missing, and the signed change in P(anomalous) is reported; a
negative change means the word or line pushed the verdict towards anomalous. Attention weights, which
colog showed before, say where the model looked, not which way it was pushed.
"""

from __future__ import annotations

import numpy as np
import torch

from colog.features.tokens import UNK


def occlusion(model: torch.nn.Module, tokens: np.ndarray, window: np.ndarray, window_mask: np.ndarray,
              words: list[str], rows: list[tuple[int, int]], texts: dict[int, str], line: int,
              probability: float, top_words: int = 5, top_lines: int = 3) -> dict:
    """The explanation of one line: `tokens` (Ls,) its token ids, `window` (Lw, D) and `window_mask` (Lw,) its
    window as the model reads it, `words` its tokens as text, `rows` (message id, line number) per window row,
    `texts` the window messages by id, `line` its own line number, `probability` the P(anomalous) its verdict
    holds. That one is reported, not this pass's own: scored alone (and in fp32 where detection ran int8 or
    bf16) the line's P(anomalous) differs in the last digits, and a line has one probability."""
    from captum.attr import FeatureAblation

    tok = torch.from_numpy(tokens[None].astype(np.int64))  # (1, Ls)
    vectors = torch.from_numpy(window[None])  # (1, Lw, D)
    mask = torch.from_numpy(window_mask[None])  # (1, Lw)
    keep = torch.ones(1, len(rows))  # (1, Lw): 0 masks a row

    def p_anomalous(t: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
        n = len(t)  # captum stacks perturbations along the batch
        logits = model(t, torch.ones_like(t, dtype=torch.bool), vectors.expand(n, -1, -1), mask.expand(n, -1) & (k > 0.5))
        return 1.0 - torch.softmax(logits.float(), -1)[:, 0]

    # one feature per distinct word (its copies occluded together), then one per window row
    distinct = {w: i for i, w in enumerate(dict.fromkeys(words))}
    word_feature = torch.tensor([[distinct[w] for w in words]])
    row_feature = torch.arange(len(distinct), len(distinct) + len(rows))[None]
    with torch.no_grad():
        by_word, by_row = FeatureAblation(p_anomalous).attribute(
            (tok, keep), baselines=(UNK, 0.0), feature_mask=(word_feature, row_feature),
            perturbations_per_eval=64)
    # captum's attribution is f(x) - f(x without the feature): the change when removed is its negative
    change = {w: -float(by_word[0, words.index(w)]) for w in distinct}
    ranked_words = sorted(change.items(), key=lambda kv: kv[1])[:top_words]
    lines = [{"line": number, "offset": number - line, "change": round(-float(by_row[0, c]), 4),
              "message": texts[uid][:200]}
             for c, (uid, number) in enumerate(rows) if uid >= 0 and number != line]
    lines.sort(key=lambda d: d["change"])
    return {"probability": round(probability, 6),
            "words": [{"word": w, "change": round(c, 4)} for w, c in ranked_words],
            "lines": lines[:top_lines]}
