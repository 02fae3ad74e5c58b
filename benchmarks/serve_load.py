"""Load test of `colog serve` on loopback: a steady request rate for a fixed time, bounded.

    python benchmarks/serve_load.py RUNDIR LOGFILE [--rate 200] [--seconds 60] [--lines 5]

Starts `colog serve` on a free 127.0.0.1 port, then sends `--rate` requests/s (open loop, at most
64 in flight) for `--seconds`, each with the next `--lines` lines of LOGFILE (cycling), and prints
the achieved rate, errors and latency percentiles. The server is stopped at the end.
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("rundir", type=Path)
    ap.add_argument("log", type=Path)
    ap.add_argument("--rate", type=float, default=200.0)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--lines", type=int, default=5)
    args = ap.parse_args()
    import httpx

    lines = [l for l in args.log.read_text(encoding="utf-8", errors="replace").splitlines() if l.strip()]
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "colog.cli.main", "serve", str(args.rundir), "--port", str(port)],
                              stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                print("server did not start", file=sys.stderr)
                return 1
            time.sleep(0.2)
        local = threading.local()
        results: list[tuple[int, float, float]] = []  # status, latency, start

        def send(i: int) -> None:
            client = getattr(local, "client", None) or httpx.Client(timeout=30)
            local.client = client
            lo = (i * args.lines) % len(lines)
            body = {"lines": (lines + lines)[lo:lo + args.lines], "file": args.log.name}
            start = time.perf_counter()
            try:
                status = client.post(f"{url}/v1/detect", json=body).status_code
            except httpx.HTTPError:
                status = 0
            results.append((status, time.perf_counter() - start, start))

        n = int(args.rate * args.seconds)
        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=64) as pool:
            for i in range(n):
                time.sleep(max(0.0, start + i / args.rate - time.perf_counter()))
                pool.submit(send, i)
        elapsed = time.perf_counter() - start
    finally:
        server.terminate()
        server.wait(30)
    errors = sum(status != 200 for status, _, _ in results)
    lat = np.array([t for _, t, _ in results]) * 1000
    first = min(s for _, _, s in results)
    steady = np.array([t for _, t, s in results if s - first >= 10]) * 1000  # after the first 10 s
    print("| requests | seconds | achieved req/s | errors | p50 ms | p99 ms | max ms | p99 ms after 10 s |")
    print("|---|---|---|---|---|---|---|---|")
    print(f"| {len(results):,} | {elapsed:.1f} | {len(results) / elapsed:,.1f} | {errors} | "
          f"{np.percentile(lat, 50):.1f} | {np.percentile(lat, 99):.1f} | {lat.max():.1f} | "
          f"{np.percentile(steady, 99) if len(steady) else float('nan'):.1f} |")
    return 0 if errors == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
