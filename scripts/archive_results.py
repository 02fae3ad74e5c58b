"""Keep what docs/results.md, docs/benchmark.md and the model card are generated from in results/, which git tracks.

    python scripts/archive_results.py [--runs runs/results] [--lodo runs/lodo] [-o results]

Run directories hold models and plots, megabytes each, and git ignores them: a new clone or machine has none, and
hours of runs behind the pages would be lost with the machine. The few kilobytes the pages read are kept here
instead, so that a clone regenerates the pages and scripts/reproduce_results.sh resumes where the last machine
stopped. Under `-o`, mirroring the run directories:
  chrono/results.json, paper/results.json   benchmark rows, merged: a row of the runs replaces the archived row of
                                            the same method, options, dataset and seed; the others stay
  leak/RUN/metrics.json, options4/RUN/metrics.json, mask/RUN/study.json, drift/NAME.json   copied
  lodo/[with/OPTIONS/]on-NAME-sS/   metrics.json copied, and largest-error.json: its errors.csv's largest group
  lodo/[with/OPTIONS/]valid-NAME-sS/metrics.json   the same fold's model on the validation system, copied
  lodo/[with/OPTIONS/]without-NAME-sS/metrics.json the fold's training run (its training seconds), copied
A run still being written (its file absent) is left for the next call.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

from colog.artifacts import atomic_path, write_json
from colog.comparison.tables import earlier_results, merge_results
from colog.errors import CologError
from colog.evaluation.lodo import LARGEST_ERROR, largest_error

COPIED = ("leak/*/metrics.json", "options4/*/metrics.json", "mask/*/study.json", "drift/*.json")


def archive(runs: Path, lodo: Path, out: Path) -> list[Path]:
    """Bring `out` up to date with the run outputs under `runs` and `lodo`; the files written, in order."""
    written = []
    for protocol in ("chrono", "paper"):
        source = runs / protocol / "results.json"
        if source.is_file():
            target = out / protocol / "results.json"
            written += _write(merge_results(target, earlier_results(source)), target)
    for pattern in COPIED:
        for source in sorted(runs.glob(pattern)):
            written += _copy(source, out / source.relative_to(runs))
    for pattern in ("valid-*-s*/metrics.json", "without-*-s*/metrics.json"):
        for source in sorted(lodo.rglob(pattern)):
            written += _copy(source, out / "lodo" / source.relative_to(lodo))
    for source in sorted(lodo.rglob("on-*-s*/metrics.json")):
        fold = out / "lodo" / source.parent.relative_to(lodo)
        written += _copy(source, fold / "metrics.json")
        if (source.parent / "errors.csv").is_file():
            written += _write(largest_error(source.parent / "errors.csv"), fold / LARGEST_ERROR)
    return written


def _write(obj: object, target: Path) -> list[Path]:
    """Write `obj` as JSON onto `target` atomically unless `target` already holds it."""
    if target.is_file() and json.loads(target.read_text(encoding="utf-8")) == obj:
        return []
    target.parent.mkdir(parents=True, exist_ok=True)
    write_json(obj, target)
    return [target]


def _copy(source: Path, target: Path) -> list[Path]:
    """Copy `source` onto `target` atomically unless `target` already holds the same bytes."""
    if target.is_file() and target.read_bytes() == source.read_bytes():
        return []
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(target) as tmp:
        shutil.copyfile(source, tmp)
    return [target]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=Path, default=Path("runs/results"))
    ap.add_argument("--lodo", type=Path, default=Path("runs/lodo"))
    ap.add_argument("-o", "--out", type=Path, default=Path("results"))
    args = ap.parse_args()
    try:
        written = archive(args.runs, args.lodo, args.out)
    except CologError as exc:  # a results file that is not one: say which, write nothing more
        print(f"archive_results: {exc}", file=sys.stderr)
        return 1
    print(f"archived {len(written)} file(s) under {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
