"""The results page's tables of the 4-class runs (the leak of the paper's windows, options of ours for that task)
and of the keyword-mask studies, read from their run directories; scripts/results_pages.py sets them in
docs/results.md."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

from colog.evaluation.metrics import paired, seconds_cell

REPRODUCE = "bash scripts/reproduce_results.sh"


def count(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"


# How a leak run keeps other splits out of its windows (its directory's `-HOW-s` part) and the flag it ran with:
# reproduce_results.sh's leak() spells the same pairs; options4 rows are the runs with any other options.
LEAK_FLAGS = {"shared": "", "isolated": "--isolate-splits", "hidden": "--hide-later-splits"}
LEAK_VARIANTS = {"hidden": f"later splits hidden (`{LEAK_FLAGS['hidden']}`)",
                 "isolated": f"other splits isolated (`{LEAK_FLAGS['isolated']}`)"}


def leak_table(leak: Path) -> list[str]:
    """Per dataset and way of keeping other splits out of the windows, the 4-class runs with windows reaching
    other splits beside it, paired on the seeds both ran."""
    runs: dict[str, dict[str, dict[int, dict]]] = {}
    for path in sorted(leak.glob("*-s*/metrics.json")):
        dataset, _, how = path.parent.name.rpartition("-s")[0].rpartition("-")
        m = json.loads(path.read_text(encoding="utf-8"))
        if m["test"].get("measurable", True):
            runs.setdefault(dataset, {}).setdefault(how, {})[m["seed"]] = m
    out = []
    for dataset, by in sorted(runs.items()):
        shared = by.get("shared", {})
        for how, named in LEAK_VARIANTS.items():
            other = by.get(how, {})
            seeds, cells = paired({s: m["test"]["macro_f1"] for s, m in other.items()},
                                  {s: m["test"]["macro_f1"] for s, m in shared.items()})
            if not seeds:
                continue
            cost = seconds_cell([shared[s] for s in seeds], [other[s] for s in seeds])
            flagged = " / ".join(count(statistics.mean(group[s]["test"]["n_anomalies"] for s in seeds))
                                 for group in (shared, other))
            out.append(f"| {dataset} | {named} | {cells[0]} | {cells[2]} | {cells[1]} | {cells[3]} | {flagged} | "
                       f"{cost} |")
    if not out:
        return [f"Not measured on the current code yet: `{REPRODUCE}` writes runs/results/leak."]
    return ["| dataset | windows kept from other splits | seeds | windows reach other splits (the paper's "
            "protocol) | kept from them | the difference, per seed | test lines not `normal`: reaching / kept | "
            "training seconds, CPU: reaching / kept |", "|---|---|---|---|---|---|---|---|", *out]


def options4_table(leak: Path, options4: Path) -> list[str]:
    """The 4-class options of ours (`options4/`) beside the paper's network (leak's runs with the same windows), on
    the same datasets and seeds; nothing where none was run."""
    runs = [json.loads(p.read_text(encoding="utf-8")) for where in (leak, options4)
            for p in sorted(where.glob("*/metrics.json"))]
    runs = [m for m in runs if m["test"].get("measurable", True)]
    out = []
    for dataset in sorted({m["dataset"] for m in runs}):
        for options in sorted({m["options"] for m in runs if m["dataset"] == dataset} - set(LEAK_FLAGS.values())):
            # an option run with a leak flag is set beside the paper's network run with the same flag
            kept = next((f for f in LEAK_FLAGS.values() if f and f in options.split()), "")
            plain = {m["seed"]: m for m in runs if m["dataset"] == dataset and m["options"] == kept}
            variant = {m["seed"]: m for m in runs if m["dataset"] == dataset and m["options"] == options}
            seeds, cells = paired({s: m["test"]["macro_f1"] for s, m in plain.items()},
                                  {s: m["test"]["macro_f1"] for s, m in variant.items()})
            if seeds:
                cost = seconds_cell([plain[s] for s in seeds], [variant[s] for s in seeds])
                out.append(f"| {dataset} | `{options}` | " + " | ".join(cells) + f" | {cost} |")
    if not out:
        return []
    hidden = (f" Options with `{LEAK_FLAGS['hidden']}` are set beside the paper's network with later splits hidden "
              "too: what the option adds with the leak removed." if LEAK_FLAGS["hidden"] in "".join(out) else "")
    return ["", "Options of ours for this task (`colog train ... --task collective --seed S OPTIONS`, windows reaching "
            "other splits as in the paper's protocol), beside the paper's network on the same seeds: these seeds "
            "were not looked at while designing them." + hidden, "",
            "| dataset | options | seeds | the paper's network | with them | difference, per seed | training seconds, "
            "CPU: the paper's network / with them |", "|---|---|---|---|---|---|---|", *out]


def mask_table(mask: Path) -> list[str]:
    """Per dataset and protocol: CoLog reading the keywords, and with every labelling keyword removed."""
    cells: dict[tuple[str, str], list[dict]] = {}
    for path in sorted(mask.glob("*-s*/study.json")):
        study = json.loads(path.read_text(encoding="utf-8"))
        cells.setdefault((study["dataset"], study["protocol"]), []).append(study)
    if not cells:
        return [f"Not measured on the current code yet: `{REPRODUCE}` writes runs/results/mask."]
    out = ["| dataset | protocol | seeds | keywords in the input | keywords masked | what reading them adds, per "
           "seed | test lines the rule still matches after masking |", "|---|---|---|---|---|---|---|"]
    for (dataset, protocol), found in sorted(cells.items()):
        studies = [s for s in found if all(r.get("measurable", True) for r in s["rows"])]
        left_out = sorted(s["seed"] for s in found if s not in studies)
        note = f"; seeds {left_out} left out (one class)" if left_out else ""
        if not studies:
            out.append(f"| {dataset} | {protocol} | –{note} | – | – | – | – |")
            continue
        rows = {s["seed"]: {r["variant"]: r for r in s["rows"]} for s in studies}
        _, (seeds, masked, full, gain) = paired({s: r["keywords masked"]["macro_f1"] for s, r in rows.items()},
                                                {s: r["keywords in the input"]["macro_f1"] for s, r in rows.items()})
        still = statistics.mean(r["keywords masked"].get("lines_still_matching", 0) for r in rows.values())
        out.append(f"| {dataset} | {protocol} | {seeds}{note} | {full} | {masked} | {gain} | {still:,.0f} |")
    return out
