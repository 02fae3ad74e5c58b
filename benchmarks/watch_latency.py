"""`colog watch` latency: lines written to a file at a steady rate, time from write to verdict.

    python benchmarks/watch_latency.py RUNDIR LOGFILE [--rate 100] [--seconds 30]

A writer thread appends LOGFILE's lines (in order, one write + flush each) to a new file at
`--rate` lines/s; `watch` follows it in the same process and stamps each verdict as it arrives.
Use a run with a `background` window: a `context` window waits for the next line by design.
The detector scores LOGFILE's first 50 lines once before timing (model warm-up).
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from pathlib import Path

import numpy as np


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("rundir", type=Path)
    ap.add_argument("log", type=Path)
    ap.add_argument("--rate", type=float, default=100.0)
    ap.add_argument("--seconds", type=float, default=30.0)
    args = ap.parse_args()
    import torch

    from colog.detection import Detector
    from colog.detection.follow import watch

    torch.set_num_threads(2)
    lines = [l for l in args.log.read_text(encoding="utf-8", errors="replace").splitlines(keepends=True) if l.strip()]
    n = int(args.rate * args.seconds)
    detector = Detector.load(args.rundir)
    list(detector.detect(lines[:50]))  # warm-up: first forward pass, SBERT loaded if any message is new
    print(f"window {detector.config.window}; {n:,} lines at {args.rate:g} lines/s")
    written: dict[int, float] = {}
    arrived: dict[int, float] = {}
    stop = threading.Event()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / args.log.name
        path.touch()

        def write() -> None:
            start = time.perf_counter()
            with path.open("a", encoding="utf-8") as fh:
                for i in range(n):
                    time.sleep(max(0.0, start + i / args.rate - time.perf_counter()))
                    fh.write(lines[i % len(lines)])
                    fh.flush()
                    written[i + 1] = time.perf_counter()

        def emit(verdicts) -> None:
            now = time.perf_counter()
            for v in verdicts:
                arrived.setdefault(v.line, now)

        watcher = threading.Thread(target=watch, args=(detector, path, emit),
                                   kwargs={"from_start": True, "stop": stop.is_set})
        watcher.start()
        writer = threading.Thread(target=write)
        writer.start()
        writer.join()
        deadline = time.perf_counter() + 10
        expected = n if detector.window.kind == "background" else n - 1  # a context line waits for the next
        while len(arrived) < expected and time.perf_counter() < deadline:
            time.sleep(0.01)
        stop.set()
        watcher.join()
    lat = np.array([arrived[i] - written[i] for i in written if i in arrived]) * 1000
    print("| lines | verdicts | p50 ms | p90 ms | p99 ms | max ms |")
    print("|---|---|---|---|---|---|")
    print(f"| {n:,} | {len(arrived):,} | {np.percentile(lat, 50):.1f} | {np.percentile(lat, 90):.1f} | "
          f"{np.percentile(lat, 99):.1f} | {lat.max():.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
