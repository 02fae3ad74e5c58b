"""The leave-one-dataset-out table: one row per held-out dataset, read from `colog evaluate RUN --on` outputs.

scripts/build_model.sh --lodo SEED writes DIR/on-NAME-sSEED/metrics.json (protocol cross); the model card and
docs/results.md print this same table from them.
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path

SYSLOG_FAMILY = ("casper", "nssal", "honey7")  # the bundled model's datasets: each held out in turn

HEADER = ["| held out | trained on | seeds | CoLog macro-F1 | anomaly precision / recall | keyword rule | unseen lines "
          "(tokens) | CoLog on them |", "|---|---|---|---|---|---|---|---|"]


def mean_sd(values: list[float]) -> str:
    """Mean ± sample standard deviation, or the one value and "(1 seed)"."""
    if len(values) == 1:
        return f"{values[0]:.4f} (1 seed)"
    return f"{statistics.mean(values):.4f} ± {statistics.stdev(values):.4f}"


def lodo_runs(lodo: Path, held_out: tuple[str, ...] = SYSLOG_FAMILY) -> dict[str, list[tuple[int, dict]]]:
    """held-out dataset -> [(seed, its metrics.json)], seeds in order."""
    runs = {}
    for name in held_out:
        found = [(int(p.parent.name.rsplit("-s", 1)[1]), json.loads(p.read_text(encoding="utf-8")))
                 for p in lodo.glob(f"on-{name}-s*/metrics.json")]
        runs[name] = sorted(found, key=lambda seeded: seeded[0])
    return runs


def lodo_table(runs: dict[str, list[tuple[int, dict]]]) -> list[str]:
    """The markdown table; a dataset with no run yet keeps its row, empty."""
    out = list(HEADER)
    for name, seeded in runs.items():
        if not seeded:
            out.append(f"| {name} | – | – | – | – | – | – | – |")
            continue
        seeds, metrics = [s for s, _ in seeded], [m for _, m in seeded]
        t = [m["test"] for m in metrics]
        out.append(f"| {name} | {', '.join(n for n in runs if n != name)} | {', '.join(map(str, seeds))} | "
                   f"**{mean_sd([x['macro_f1'] for x in t])}** | "
                   f"{statistics.mean(x['anomaly_precision'] for x in t):.2f} / "
                   f"{statistics.mean(x['anomaly_recall'] for x in t):.2f} | 1.0000 (the labels' own rule) | "
                   f"{metrics[0]['test_unseen']['n']:,} of {t[0]['n']:,} | "
                   f"{mean_sd([m['test_unseen']['macro_f1'] for m in metrics])} |")
    return out
