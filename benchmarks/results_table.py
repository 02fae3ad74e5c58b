"""A Markdown table of finished runs, for docs/results.md.

    python benchmarks/results_table.py RUNDIR...

Runs of the same dataset, task, protocol, labels and options (`--current-line`, `--hidden 128`, ...) with several
seeds are summarised as mean ± sample standard deviation, as docs/results.md writes them; runs with other options
are never averaged together. A run whose test split holds one class only (`test.measurable` false) is left out of
the figures and named on stderr; a directory that is not a finished run is an error, not a gap in the table.
"""

from __future__ import annotations

import json
import statistics
import sys
from collections import defaultdict
from pathlib import Path


def fmt(values: list[float]) -> str:
    if not values:
        return "–"
    if len(values) == 1:
        return f"{values[0]:.4f}"
    return f"{statistics.mean(values):.4f} ± {statistics.stdev(values):.4f} (n={len(values)})"


def main(argv: list[str]) -> int:
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for arg in argv:
        path = Path(arg) / "metrics.json"
        if not path.is_file():
            print(f"results_table: {arg}: no metrics.json (not a finished run)", file=sys.stderr)
            return 2
        m = json.loads(path.read_text())
        if not m["test"].get("measurable", True):
            print(f"results_table: {arg}: left out, its test split holds one class only", file=sys.stderr)
            continue
        groups[(m["dataset"], m["task"], m["protocol"], m["label_source"], m.get("options", ""))].append(m)
    print("| dataset | task | protocol | labels | options | test macro-F1 | anomaly F1 | per-file macro-F1 "
          "| unseen macro-F1 (lines) | train lines/s |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for (dataset, task, protocol, source, options), runs in sorted(groups.items()):
        unseen = [r["test_unseen"]["macro_f1"] for r in runs if r.get("test_unseen")]
        n_unseen = runs[0]["test_unseen"]["n"] if runs[0].get("test_unseen") else 0
        speed = sum(r["train_lines_per_second"] for r in runs) / len(runs)
        print(f"| {dataset} | {task} | {protocol} | {source} | {options or 'none'} | "
              f"{fmt([r['test']['macro_f1'] for r in runs])} | "
              f"{fmt([r['test']['anomaly_f1'] for r in runs])} | {fmt([r['test_per_file_macro_f1'] for r in runs])} | "
              f"{fmt(unseen)} ({n_unseen:,}) | {speed:,.0f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
