"""Batch detection speed next to drain3 parse-only on the same files, cold and warm MessageStore.

    python benchmarks/detect_throughput.py RUNDIR|MODEL PATH... [--precision fp32[,int8,bf16]] [--repeat N] [--runs 3]
        [--encoders onnx,torch]

drain3: its TemplateMiner (default config) on every non-blank line, nothing else. colog: the
whole `colog detect` path (read, parse, templates, tokens, windows, SBERT for unseen messages,
the model on each distinct input) into a throw-away JSONL. Cold: an empty MessageStore (every
unique message embedded), once per SBERT encoder in `--encoders` (the ONNX export, made once per machine,
is kept: it is no vector); warm: the store filled by the cold pass, a fresh Detector (no remembered scores),
the first encoder. `--repeat N` feeds the files N times, as one longer log. With several precisions,
each run times every one after its drain3 pass, and each is compared with fp32's verdicts (when
fp32 is among them): how many labels differ, and the largest probability difference.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import shutil
import statistics
import tempfile
import time
from pathlib import Path


def drain3_lines_per_second(paths: list[Path], repeat: int) -> tuple[int, float]:
    from drain3 import TemplateMiner
    from drain3.template_miner_config import TemplateMinerConfig

    from colog.parsing.readers import discover, read_lines

    config = TemplateMinerConfig()
    config.profiling_enabled = False
    miner = TemplateMiner(config=config)
    files = discover(paths)
    start, n = time.perf_counter(), 0
    for _ in range(repeat):
        for f in files:
            for _, text in read_lines(f.path):
                miner.add_log_message(text)
                n += 1
    return n, n / (time.perf_counter() - start)


def detect_lines_per_second(rundir: Path, paths: list[Path], repeat: int, precision: str) -> tuple[int, float, dict]:
    from colog.detection import Detector
    from colog.detection.output import VerdictWriter
    from colog.parsing.readers import discover

    files = discover(paths)
    start = time.perf_counter()
    detector = Detector.load(rundir, precision=precision)
    session = detector.session()
    writer, n = VerdictWriter(io.StringIO(), "jsonl"), 0
    probabilities: list[float] = []
    for _ in range(repeat):
        for f in files:
            for verdicts, _read in session.feed_file(f.path, f.name):
                writer.write(verdicts)
                n += len(verdicts)
                probabilities += [-1.0 if v.probability is None else v.probability for v in verdicts]
            writer.stream.seek(0)
            writer.stream.truncate()
    n += len(session.close())
    seconds = time.perf_counter() - start
    return n, n / seconds, {"unique_messages": len(detector.scorer.messages.texts), "embedded": detector.store.embedded,
                            "distinct_inputs": detector.scorer.distinct_inputs, "seconds": seconds,
                            "probabilities": probabilities}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("rundir", type=Path)
    ap.add_argument("paths", type=Path, nargs="+")
    ap.add_argument("--precision", default="fp32", help="one or more of fp32, int8, bf16, comma-separated")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--runs", type=int, default=3, help="paired drain3 / warm runs; the median is reported")
    ap.add_argument("--encoders", default="onnx,torch", help="SBERT encoders timed cold, comma-separated")
    args = ap.parse_args()
    import torch

    from colog.features.encoders import OnnxSbertEncoder
    from colog.features.store import default_cache

    torch.set_num_threads(2)
    precisions = args.precision.split(",")
    n, _ = drain3_lines_per_second(args.paths, args.repeat)  # warms the file cache
    print(f"{n:,} lines; precision {args.precision}; {args.runs} alternating runs of drain3 and warm detection")
    drains: list[float] = []
    warms: dict[str, list[float]] = {p: [] for p in precisions}
    infos: dict[str, dict] = {}
    rows, caches = [], []
    exported = OnnxSbertEncoder(default_cache())
    exported.encode(["export once, outside the timing"])
    for encoder in reversed(args.encoders.split(",")):  # the first encoder's store stays for the warm runs
        caches.append(cache := tempfile.mkdtemp())
        os.environ["COLOG_CACHE"], os.environ["COLOG_ENCODER"] = cache, encoder  # cold: nothing embedded yet
        (Path(cache) / "onnx").symlink_to(exported.path.parent)
        _, cold, info = detect_lines_per_second(args.rundir, args.paths, args.repeat, precisions[0])
        rows.insert(0, (f"colog detect {precisions[0]}, cold MessageStore, {encoder} encoder", cold, note(info)))
    try:
        for run in range(args.runs):  # this machine's speed drifts: pair each warm run with a drain3 run
            drains.append(drain3_lines_per_second(args.paths, args.repeat)[1])
            for precision in precisions:
                _, speed, infos[precision] = detect_lines_per_second(args.rundir, args.paths, args.repeat, precision)
                warms[precision].append(speed)
                print(f"run {run + 1}: drain3 {drains[-1]:,.0f} lines/s, warm detection {precision} {speed:,.0f} "
                      f"lines/s, ratio {speed / drains[-1]:.2f}")
    finally:
        for cache in caches:
            shutil.rmtree(cache)
    rows.insert(0, ("drain3 TemplateMiner, parse only", statistics.median(drains), f"median of {args.runs}"))
    for precision in precisions:
        rows.append((f"colog detect {precision}, warm MessageStore", statistics.median(warms[precision]),
                     f"median of {args.runs}; " + note(infos[precision]) + agreement(infos, precision)))
    print("| path | lines/s | notes |")
    print("|---|---|---|")
    for label, speed, text in rows:
        print(f"| {label} | {speed:,.0f} | {text} |")
    for precision in precisions:
        ratio = statistics.median(w / d for w, d in zip(warms[precision], drains))
        print(f"warm detection {precision} / drain3 parse-only, median of the paired runs: {ratio:.2f} (target >= 1.0 with the bundled model)")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    return 0


def agreement(infos: dict[str, dict], precision: str) -> str:
    """How far a precision's verdicts are from fp32's on the same lines."""
    if precision == "fp32" or "fp32" not in infos:
        return ""
    import numpy as np

    ref, got = (np.asarray(infos[p]["probabilities"]) for p in ("fp32", precision))
    flips = int(((ref >= 0.5) != (got >= 0.5)).sum())
    return f"; vs fp32: {flips:,} of {len(ref):,} labels differ, max probability difference {np.abs(ref - got).max():.4f}"


def note(info: dict) -> str:
    return (f"{info['seconds']:.1f} s; {info['unique_messages']:,} unique messages, {info['embedded']:,} embedded, "
            f"{info['distinct_inputs']:,} distinct inputs")


if __name__ == "__main__":
    raise SystemExit(main())
