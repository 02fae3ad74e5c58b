"""How fast new messages are embedded, by encoder backend, and how close each backend's vectors are to torch fp32.

    python benchmarks/embed_speed.py PATH... [--limit 4000] [--backends torch,onnx,bf16]

The messages: the distinct messages of PATH (parsed as `colog detect` parses them), in file order, the first
`--limit`. Each backend embeds all of them once after a warm-up batch (its load and, for onnx, its export are
timed apart: they happen once per machine or process, not per message). Printed per backend: messages per
second, the ratio to torch fp32, and the cosine of each vector with torch fp32's (minimum and mean).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np


def distinct_messages(paths: list[Path], limit: int) -> list[str]:
    from colog.parsing import ParseConfig, parse_paths

    table = parse_paths([str(p) for p in paths], ParseConfig(format="syslog")).table
    return list(dict.fromkeys(m for m in table["message"].to_pylist() if m))[:limit]


def encoder(backend: str):
    from colog.features.encoders import SbertEncoder

    if backend == "bf16":  # torch with bf16 autocast: fast only where the CPU has bf16 instructions
        import torch

        class Bf16(SbertEncoder):
            def encode(self, texts):
                with torch.autocast("cpu", dtype=torch.bfloat16):
                    return super().encode(texts)
        return Bf16()
    if backend == "onnx":
        from colog.features.encoders import OnnxSbertEncoder
        from colog.features.store import default_cache

        return OnnxSbertEncoder(default_cache())
    return SbertEncoder()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", type=Path)
    parser.add_argument("--limit", type=int, default=4000)
    parser.add_argument("--backends", default="torch,onnx,bf16")
    args = parser.parse_args()
    texts = distinct_messages(args.paths, args.limit)
    print(f"{len(texts)} distinct messages, mean {np.mean([len(t) for t in texts]):.0f} characters")
    print("| backend | load s | messages/s | × torch | cosine min | cosine mean |")
    print("|---|---|---|---|---|---|")
    reference, base_rate = None, None
    for backend in args.backends.split(","):
        enc = encoder(backend)
        start = time.perf_counter()
        enc.encode(texts[:32])  # load (and export) plus a warm-up batch
        load = time.perf_counter() - start
        start = time.perf_counter()
        vectors = enc.encode(texts)
        rate = len(texts) / (time.perf_counter() - start)
        unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
        if reference is None:
            reference, base_rate = unit, rate
        cosine = (unit * reference).sum(1)
        print(f"| {backend} | {load:.1f} | {rate:,.0f} | {rate / base_rate:.2f} | {cosine.min():.5f} | "
              f"{cosine.mean():.5f} |")


if __name__ == "__main__":
    main()
