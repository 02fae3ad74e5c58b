"""Peak memory of `colog detect` as the input grows: a real log repeated with shifted timestamps.

    python benchmarks/detect_memory.py RUNDIR LOGFILE [--lines 250000,1000000]

Each size runs `colog detect` in its own process (verdicts to /dev/null); the peak RSS of that
process is read from wait4. Flat figures mean memory does not grow with the input length.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path


def synthesize(source: Path, target: Path, n_lines: int) -> None:
    """`n_lines` lines of `source` over and over; syslog headers move on by the log's span each pass."""
    lines = [l for l in source.read_text(encoding="utf-8", errors="replace").splitlines() if l.strip()]
    stamps = []
    for line in lines:
        try:
            stamps.append(datetime.strptime(line[:15], "%b %d %H:%M:%S"))
        except ValueError:
            stamps.append(None)
    known = [s for s in stamps if s is not None]
    span = (max(known) - min(known) + timedelta(minutes=1)) if known else timedelta(0)
    with target.open("w", encoding="utf-8") as out:
        written, shift = 0, timedelta(0)
        while written < n_lines:
            for line, stamp in zip(lines, stamps):
                if written == n_lines:
                    break
                if stamp is not None and shift:
                    line = (stamp + shift).strftime("%b %d %H:%M:%S") + line[15:]
                out.write(line + "\n")
                written += 1
            shift += span


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("rundir", type=Path)
    ap.add_argument("log", type=Path)
    ap.add_argument("--lines", default="250000,1000000")
    args = ap.parse_args()
    print("| input lines | seconds | lines/s | peak RSS |")
    print("|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(x) for x in args.lines.split(",")):
            log = Path(tmp) / args.log.name  # same name: the file type (source token) is the log's
            synthesize(args.log, log, n)
            start = time.perf_counter()
            proc = subprocess.Popen([sys.executable, "-m", "colog.cli.main", "detect", str(args.rundir), str(log)],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            _, status, usage = os.wait4(proc.pid, 0)
            seconds = time.perf_counter() - start
            if status != 0:
                print(proc.stderr.read().decode(), file=sys.stderr)
                return 1
            print(f"| {n:,} | {seconds:.0f} | {n / seconds:,.0f} | {usage.ru_maxrss / 1024:,.0f} MB |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
