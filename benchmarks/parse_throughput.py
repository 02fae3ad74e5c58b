"""Parsing speed in MB/s: ordinary logs, and lines built to be slow (one 10 MB token; runs just under the long-token
cap), under every format.

    python benchmarks/parse_throughput.py [--data ../shared/data/loghub-2k] [--size-mb 10]

Ordinary: each Loghub 2k sample parsed with its own preset. Pathological, per format: one line of a 10 MB token
after a header the format reads, and 10 MB of 255-character tokens (LONG_TOKEN - 1: the longest run the masks
still see). Time grows with the bytes, not with their square: the figures are MB/s.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from colog.parsing import ParseConfig, format_names, parse_paths
from colog.parsing.templates import LONG_TOKEN

# A header each format reads, the message following it.
HEADERS = {
    "syslog": "Jan  1 00:00:01 host app[1]: ", "dmesg": "[    1.000000] ", "hdfs": "081109 203615 148 INFO dfs.X: ",
    "hadoop": "2015-10-18 18:01:47,978 INFO [main] org.X: ", "spark": "17/06/09 20:10:40 INFO x.Y: ",
    "zookeeper": "2015-07-29 17:41:44,747 - INFO  [main:X@1] - ",
    "openstack": "nova-api.log.1 2017-05-16 00:00:00.008 25746 INFO nova.x [req-1 - - - - -] ",
    "bgl": "- 1117838570 2005.06.03 R02-M1-N0-C:J12-U11 2005-06-03-15.42.50.675872 R02-M1-N0-C:J12-U11 RAS KERNEL INFO ",
    "hpc": "134681 node-246 unix.hw state_change.unavailable 1077804742 1 ",
    "thunderbird": "- 1131566461 2005.11.09 tbird-admin1 Nov 9 12:01:01 local@tbird-admin1 app[1]: ",
    "windows": "2016-09-28 04:30:30, Info                  CBS    ", "linux": "Jun 14 15:16:01 combo app[1]: ",
    "android": "03-17 16:13:38.811  1702  2395 D WindowManager: ", "healthapp": "20171223-22:15:29:606|Step|1|",
    "apache": "[Sun Dec 04 04:47:44 2005] [notice] ", "proxifier": "[10.30 16:49:06] chrome.exe - ",
    "openssh": "Dec 10 06:55:46 LabSZ sshd[24200]: ", "mac": "Jul  1 09:00:55 host kernel[0]: ",
}
JSON = {"journald": '{{"__REALTIME_TIMESTAMP": "1230469906000000", "MESSAGE": "{}"}}',
        "docker": '{{"log": "{}\\n", "stream": "stdout", "time": "2019-01-01T11:11:11.111111111Z"}}'}


def mb_per_s(path: Path, fmt: str) -> float:
    start = time.perf_counter()
    parse_paths([path], ParseConfig(format=fmt, year=2020), progress=False)
    return path.stat().st_size / 1e6 / (time.perf_counter() - start)


def line(fmt: str, message: str) -> str:
    return JSON[fmt].format(message) if fmt in JSON else HEADERS[fmt] + message


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[1] / "../shared/data/loghub-2k")
    ap.add_argument("--size-mb", type=float, default=10)
    args = ap.parse_args()
    size = int(args.size_mb * 1e6)
    print("| format | ordinary (its Loghub sample) | one token of the whole size | runs of 255 characters |")
    print("|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in format_names():
            systems = {d.name.lower(): d for d in args.data.iterdir()} if args.data.is_dir() else {}
            sample = systems[fmt] / f"{systems[fmt].name}_2k.log" if fmt in systems else None
            ordinary = f"{mb_per_s(sample, fmt):.1f}" if sample is not None and sample.is_file() else "–"
            one = Path(tmp) / f"{fmt}-one.log"
            one.write_text(line(fmt, "a" * size) + "\n")
            runs = Path(tmp) / f"{fmt}-runs.log"
            runs.write_text(line(fmt, " ".join(["b" * (LONG_TOKEN - 1)] * (size // LONG_TOKEN))) + "\n")
            print(f"| {fmt} | {ordinary} MB/s | {mb_per_s(one, fmt):.1f} MB/s | {mb_per_s(runs, fmt):.2f} MB/s |",
                  flush=True)
            one.unlink()
            runs.unlink()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
