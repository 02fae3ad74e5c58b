"""Write docs/results.md and docs/benchmark.md from run outputs: every figure read from a file, none typed.

    python scripts/results_pages.py [--runs results] [--lodo results/lodo] [--docs docs] [--data ../shared/data]

Reads the run outputs that scripts/reproduce_results.sh writes under runs/ and scripts/archive_results.py keeps,
committed, under results/ (the defaults), so a clone with no runs regenerates the same pages:
  chrono/results.json   `colog benchmark --protocol chronological --seeds 3,4,5`, one directory for every dataset
  paper/results.json    the same with `--protocol paper`
  leak/NAME-{shared,isolated,hidden}-sS/metrics.json   4-class runs, paper protocol: the paper's windows, and
                        with --isolate-splits or --hide-later-splits (read, with options4/ and mask/, by
                        scripts/study_tables.py)
  mask/NAME-PROTOCOL-sS/study.json   `colog study keyword-mask`: CoLog with and without the labelling keywords
  drift/NAME.json       scripts/split_drift.py: what a time-ordered test split holds that training does not
and `--lodo`/on-NAME-sS/metrics.json (scripts/build_model.sh --lodo S). A missing input leaves its section saying
which command measures it; a run whose test split holds one class is named and never counted.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

from colog.artifacts import atomic_path
from colog.comparison.tables import (METRICS, base_of, flags, markdown_table, method_label, refits, seconds_table,
                                     missed_and_false_alarms)
from colog.config import ExperimentConfig
from colog.evaluation.corpus import SHARED_DATA
from colog.evaluation.drift import drift_markdown
from colog.evaluation.lodo import (error_rows, lodo_runs, lodo_table, option_rows, shown_terms_ceiling,
                                   syslog_family_fired)
from colog.evaluation.metrics import mean_sd, paired, seconds_cell
from colog.model import CoLogConfig
from study_tables import REPRODUCE, count, leak_table, mask_table, options4_table

UNSUPERVISED = {"iforest", "pca", "im", "keyword_rule"}  # not fitted to the labels: not a "learned baseline"
# The options a benchmark row of CoLog as `colog train` builds it by default records (rows name departures from the
# paper's network): the headline's CoLog
DEFAULT = ExperimentConfig(paths=[], model=CoLogConfig.shipped()).options


def reads_words(label_source: str) -> bool:
    """Keyword labels are words the model reads; an alert column, a level field or block ids are not."""
    return label_source.startswith("keywords")


def load_results(path: Path) -> list[dict]:
    if not path.is_file():
        return []
    return [r for r in json.loads(path.read_text(encoding="utf-8")) if r.get("task", "point") == "point"]


def best_learned(rows: list[dict], options: str = "") -> tuple[str | None, float]:
    """The learned baseline with the best mean macro-F1 among `rows` (one dataset's), and that mean; of those run
    with `options` (none: the baselines as the paper fits them; "--refit": refit on training and validation)."""
    by_method: dict[str, list[float]] = {}
    for r in rows:
        if r["method"] not in UNSUPERVISED and r["method"] != "colog" and r.get("options", "") == options:
            by_method.setdefault(method_label(r), []).append(r["macro_f1"])
    if not by_method:
        return None, 0.0
    best = max(by_method, key=lambda m: statistics.mean(by_method[m]))
    return best, statistics.mean(by_method[best])


def errors(rows: list[dict]) -> str:
    """Missed anomalies / false alarms on the test split, each the mean over the rows' seeds: two methods with as
    many wrong lines differ in macro-F1 when one misses more of the rare class."""
    missed, false_alarms = zip(*(missed_and_false_alarms(r) for r in rows))
    return f"{count(statistics.mean(missed))} / {count(statistics.mean(false_alarms))}"


def reaches_best(ours: list[dict], rows: list[dict], options: str = "", against: str = "") -> str:
    """Whether CoLog's rows `ours` reach every learned baseline run with `options` among `rows` (one dataset's, the
    same seeds) in mean macro-F1, `against` naming those baselines; when they do not, by how many test lines of
    each kind, which says whether it is a line or a thousand."""
    best, best_f1 = best_learned(rows, options)
    if best is None:
        return "–"
    basis = f", against {against}" if against else ""
    if statistics.mean(r["macro_f1"] for r in ours) >= best_f1:
        return "yes" + basis
    theirs = [r for r in rows if method_label(r) == best]
    return f"**no**{basis} (test lines missed / falsely flagged: {errors(ours)} against {best}'s {errors(theirs)})"


def bold_higher(values: list[float], other: list[float]) -> str:
    """`values` over seeds, in bold when its mean, as printed, is not below `other`'s (no other: bold)."""
    higher = not other or round(statistics.mean(values), 4) >= round(statistics.mean(other), 4)
    return f"**{mean_sd(values)}**" if higher else mean_sd(values)


def headline(results: list[dict], protocol: str) -> list[str]:
    """One row per dataset: CoLog, the best learned baseline, the keyword rule, CoLog on unseen lines."""
    if not results:
        return [f"Not measured on the current code yet: `{REPRODUCE}` writes runs/results/{protocol}."]
    out = ["| dataset | labels | seeds | CoLog | best learned baseline | keyword rule | CoLog ≥ every learned "
           "baseline | CoLog on unseen test lines (key: lines) | training seconds, CPU: CoLog / best baseline |",
           "|---|---|---|---|---|---|---|---|---|"]
    for dataset in sorted({r["dataset"] for r in results}):
        rows = [r for r in results if r["dataset"] == dataset and r.get("measurable", True)]
        left_out = sorted({r["seed"] for r in results if r["dataset"] == dataset and not r.get("measurable", True)})
        by_method: dict[str, list[dict]] = {}
        for r in rows:
            by_method.setdefault(method_label(r), []).append(r)
        colog = by_method.get(method_label({"method": "colog", "options": DEFAULT}), [])
        if not colog:
            continue
        best, _ = best_learned(rows)
        keyword = by_method.get("keyword_rule")
        unseen = [r["unseen_macro_f1"] for r in colog if r.get("unseen_macro_f1") is not None]
        source = colog[0]["label_source"]
        ours, theirs = ([r["macro_f1"] for r in group] for group in (colog, by_method.get(best, [])))
        cells = [dataset, f"`{source}`" + (" (words the model reads)" if reads_words(source) else ""),
                 ", ".join(str(r["seed"]) for r in colog) + (f"; seeds {left_out} left out (one class)" if left_out
                                                             else ""),
                 bold_higher(ours, theirs),
                 f"{best}: {bold_higher(theirs, ours)}" if best else "–",
                 mean_sd([r["macro_f1"] for r in keyword]) if keyword else "–",
                 reaches_best(colog, rows),
                 (f"{mean_sd(unseen)} ({colog[0]['unseen_key']}: "
                  f"{statistics.mean(r['n_test_unseen'] for r in colog):,.0f})" if unseen else "–"),
                 seconds_cell(colog, by_method[best]) if best else seconds_cell(colog)]
        out.append("| " + " | ".join(cells) + " |")
    missing = [d for d in SHARED_DATA if d not in {r["dataset"] for r in results}]
    if missing:
        out += ["", f"Not measured on the current code yet: {', '.join(missing)} (`{REPRODUCE}` runs them in this "
                "order)."]
    return out


def options_table(results: list[dict]) -> list[str]:
    """CoLog with options of ours beside CoLog without them on the same datasets and seeds; nothing when none was
    run."""
    out, refit_shown = [], False
    for dataset in sorted({r["dataset"] for r in results}):
        by_options: dict[str, list[dict]] = {}
        for r in results:
            if r["dataset"] == dataset and r["method"] == "colog" and r.get("measurable", True):
                by_options.setdefault(r.get("options", ""), []).append(r)
        for options in sorted(by_options):
            base = base_of(options, set(by_options))
            if base is None:
                continue
            seeds, cells = paired({r["seed"]: r["macro_f1"] for r in by_options[base]},
                                  {r["seed"]: r["macro_f1"] for r in by_options[options]})
            if not seeds:
                continue
            before = [r for r in by_options[base] if r["seed"] in seeds]
            variant = [r for r in by_options[options] if r["seed"] in seeds]
            pool = [r for r in results if r["dataset"] == dataset and r["seed"] in seeds and r.get("measurable", True)]
            refitting = refits(variant[0])
            refit = refitting and {r["seed"] for r in pool if r["method"] != "colog" and refits(r)} >= set(seeds)
            against = "" if not refitting else "the baselines refit too" if refit else "baselines on training only"
            beats = reaches_best(variant, pool, "--refit" if refit else "", against)
            cost = seconds_cell(before, variant)
            added = " ".join(sorted(flags(options) - flags(base), key=options.index))
            name = f"`{added}`" + (f" on `{base}`" if base else "")
            out.append(f"| {dataset} | {name} | " + " | ".join(cells) + f" | {beats} | {cost} |")
            refit_shown = refit_shown or refitting
    if not out:
        return []
    return ["`colog benchmark DATA --dataset NAME --protocol chronological --seeds 3,4,5 --methods colog OPTIONS`: "
            "CoLog with an option of ours, on the same seeds (each option was chosen on a validation split, and "
            "these seeds were not looked at while choosing it):", "",
            "| dataset | options | seeds | CoLog without them | with them | difference, per seed | with them ≥ every "
            "learned baseline | training seconds, CPU: without / with them |", "|---|---|---|---|---|---|---|---|",
            *out, ""] + (["`--refit`: CoLog fitted once more on the training and validation lines together, for the "
                          "epochs validation chose. The baselines refit too (`colog benchmark ... --refit` with every "
                          "baseline that learns as `--methods`) trained each network again on both for the epochs "
                          "its own validation chose and fitted the others on both; where they were not run, the row "
                          "is set against the baselines trained on the training lines only, as every other row is.",
                          ""] if refit_shown else [])


def lodo_section(lodo: Path, data: Path) -> list[str]:
    runs = lodo_runs(lodo)
    if not any(runs.values()):
        return ["Not measured yet: `bash scripts/build_model.sh --lodo SEED` for seeds 3, 4 and 5."]
    first = next(m for seeded in runs.values() for _, m in seeded)  # the recipe as the folds recorded it
    recipe = " ".join(["--format syslog", *([f"--rule {first['label_source']}"] if first.get("label_source") else []),
                       *([first["options"]] if first.get("options") else [])])
    intro = [f"`colog train` on two of casper, nssal and honey7 (the bundled model's recipe: `{recipe}`), `colog "
             "evaluate RUN --on` every line of the third (protocol cross). The keyword rule scores 1.0 by "
             "construction: it wrote the labels.", ""]
    ceiling = shown_terms_ceiling(syslog_family_fired(data)) if data.is_dir() else None
    errors = error_rows(runs, lodo)
    options = option_rows(lodo)
    return intro + lodo_table(runs, ceiling, lodo_runs(lodo, scored="without")) + ([] if ceiling is None else [
        "", "The last column is what the labels allow: a model that knows exactly the keyword-list terms the two "
        "training datasets' labels show, and never raises a false alarm (src/colog/models/linux-syslog/MODEL.md "
        "names the terms the held-out machine fires that training never shows)."]) + (
        ["", "The recipe beside variants of it (`bash scripts/build_model.sh --lodo-only SEED OPTIONS`: options added "
         "or changed; `--unk-dropout 0` takes the recipe's out), on the same seeds:", "", *options]
        if options else []) + (
        ["", "Where each fold's errors sit (its errors.csv, lines grouped by the tokens the model reads):", "", *errors]
        if errors else [])


def drift_section(drift: Path) -> list[str]:
    """What the test lines of each time-ordered split hold that training does not (scripts/split_drift.py); no
    lines when nothing is measured."""
    found = sorted(drift.glob("*.json"))
    if not found:
        return []
    out = ["### What the later logs hold", "",
           "Why a time-ordered figure is low, read from the data with no model: "
           "`python scripts/split_drift.py DATA --dataset NAME -o runs/results/drift/NAME.json` (which also prints "
           "the validation split's view, the one to design from). Unseen lines are grouped by a template mined on "
           "them alone; a word is tied to one label when at least 20 training lines hold it and at least 95 % of "
           "them share a label.", ""]
    for path in found:
        d = json.loads(path.read_text(encoding="utf-8"))
        out += drift_markdown(d["dataset"], d, splits=("test",), top=5, heading="####") + [""]
    return out  # ends with a blank line, as the page's sections do


def results_page(runs: Path, lodo: Path, data: Path) -> str:
    chrono, paper = load_results(runs / "chrono" / "results.json"), load_results(runs / "paper" / "results.json")
    lines = [
        "# Results", "",
        "What CoLog scores on logs written later than its training logs, on other machines' logs, and on the "
        "paper's random split, next to the baselines on the same test lines. Generated by "
        "`python scripts/results_pages.py` from the outputs of the runs that `" + REPRODUCE + "` writes, kept in "
        "results/ (every command is in that script; `" + REPRODUCE + " --plan` lists those still to run); "
        "docs/benchmark.md has every method. Macro-F1 on the test "
        "split, mean ± sample standard deviation over the seeds each row names (the script runs 3, 4 and 5: seeds "
        "nobody read the errors of while designing).", "",
        "## Logs written later: the time-ordered split (the headline)", "",
        "`colog benchmark DATA --dataset NAME --protocol chronological --seeds 3,4,5`: the first 60 % of the lines "
        "by time train, the next 20 % validate, the last 20 % test; Drain templates, vocabulary and word vectors "
        "are fitted on the training lines only, and windows never reach across a split boundary. CoLog is the "
        f"network `colog train` builds by default: the paper's, trained with `{DEFAULT}` (below, the options table "
        "sets it beside the paper's network).", "",
        *headline(chrono, "chrono"), "",
        *options_table(chrono),
        *drift_section(runs / "drift"),
        "## Other machines' logs: leave one dataset out", "",
        *lodo_section(lodo, data), "",
        "## The paper's random split", "",
        "`colog benchmark DATA --dataset NAME --protocol paper --seeds 3,4,5`: lines drawn at random, so test "
        "lines share machines, days and templates with training; every method scores near 1.0 here.", "",
        *headline(paper, "paper"), "",
        "## The 4-class task: what neighbours in other splits are worth", "",
        "`colog train DATA --dataset NAME --task collective --seed S [--hide-later-splits | --isolate-splits]`, paper"
        " protocol. A window label says whether a neighbour is anomalous; under the paper's protocol a training "
        "line's window may hold test lines, and their labels with it. Each row sets the paper's windows beside "
        "windows kept from other splits, seed by seed; the labels are each dataset's, as in the tables above. With "
        "later splits hidden, no training window holds a validation or test line while a test line keeps the paper's "
        "window and label: the difference is the leak alone. Isolated windows hold their own split's lines only, so "
        "under a random split a test line's window is mostly empty and fewer test lines have an anomalous neighbour: "
        "the two score different test labels (the count beside them), and the difference is the leak and that change "
        "together.", "",
        *leak_table(runs / "leak"), *options4_table(runs / "leak", runs / "options4"), "",
        "## What CoLog learns beyond the keyword", "",
        "`colog study keyword-mask DATA --dataset NAME --protocol P --seed S`: the same split trained twice, once "
        "on the messages as they are and once with every word the labelling rule fires on removed from every line "
        "(labels unchanged). What the masked model still gets right it learned from the rest of the line and its "
        "neighbours, not from reading the rule's words; the difference, seed by seed, is what reading them adds.", "",
        *mask_table(runs / "mask"), "",
        "## Reading these figures", "",
        "- Labels: keyword labels (casper, nssal, honey7, spark) come from words the model reads, so the keyword "
        "rule scores 1.0 on them and CoLog learns that rule; level labels (zookeeper, hadoop) come from a field the "
        "model does not read; bgl's from its alert column, which it does not read either.",
        "- Unseen test lines: OS logs are keyed by the token sequence the model reads (numbers stripped), service "
        "logs by the training-fitted Drain template; the key is written beside each figure.",
        "- A seed whose test split holds no anomalous line would score 1.0 by construction: such runs are named "
        "and left out (`test.measurable` false in metrics.json).",
        "- A learned baseline is one fitted to the labels (iforest, pca, im and the keyword rule are not).",
    ]
    return "\n".join(lines) + "\n"


def benchmark_page(runs: Path, docs: Path) -> str:
    lines = ["# Every method on the same test lines", "",
             "`colog benchmark` fits every method on the same split, features and seeds; generated by "
             "`python scripts/results_pages.py` from the runs `" + REPRODUCE + "` writes, kept in results/. ± is "
             "the sample standard deviation over seeds. docs/results.md has the headline and how to read it. A killed "
             "`colog benchmark` resumes when run again: the seed under way keeps its finished methods and goes on "
             "after its network's last finished epoch, ending as an unbroken run ends. A row names the options a "
             f"method ran with: `colog` is the paper's network, `colog ({DEFAULT})` the one `colog train` builds by "
             "default.", ""]
    every = []
    for protocol, title in (("chrono", "The time-ordered split"), ("paper", "The paper's random split")):
        results = load_results(runs / protocol / "results.json")
        lines += [f"## {title}", ""]
        if not results:
            lines += [f"Not measured on the current code yet: `{REPRODUCE}` writes runs/results/{protocol}.", ""]
            continue
        every += results
        metrics = tuple(METRICS)
        if protocol == "paper":  # lines drawn at random: every method near 1.0 on both classes
            metrics = ("macro_f1", "unseen_macro_f1")
            lines += [f"Anomaly F1 is left out here (each row has it: results/{protocol}/results.json).", ""]
        lines += markdown_table(results, seconds=False, metrics=metrics).split("\n")[2:]  # its title off
    if every:  # what a line costs is the method's, whichever split it came from: one table for both
        what, *table = seconds_table([r for r in every if not refits(r)]).split("\n")
        lines += ["## What each method costs", "", what.removeprefix("### ") + ", both splits:", *table, ""]
    return "\n".join(lines + studies_list(docs / "studies")).rstrip() + "\n"


def studies_list(studies: Path) -> list[str]:
    """The paper's studies kept under docs/studies (each `colog study NAME` output: study.md, study.png)."""
    found = [json.loads(p.read_text(encoding="utf-8")) | {"dir": p.parent.name}
             for p in sorted(studies.glob("*/study.json"))]
    if not found:
        return []
    lines = ["", "## The paper's studies", "",
             "`colog study NAME DATA --dataset D -o docs/studies/NAME-D`; each table and figure is in its folder.", "",
             "| study | dataset | protocol | seed | best variant (macro-F1) |", "|---|---|---|---|---|"]
    for st in found:
        best = max(st["rows"], key=lambda r: r.get("macro_f1", -1))
        lines.append(f"| [{st['study']}](studies/{st['dir']}/study.md) | {st['dataset']} | {st['protocol']} | "
                     f"{st['seed']} | {best['variant']} ({best.get('macro_f1', float('nan')):.4f}) |")
    return lines


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=Path, default=Path("results"))
    ap.add_argument("--lodo", type=Path, default=Path("results/lodo"))
    ap.add_argument("--docs", type=Path, default=Path("docs"))
    ap.add_argument("--data", type=Path, default=Path("../shared/data"), help="for the labels' leave-one-out ceiling")
    args = ap.parse_args()
    pages = (("results.md", results_page(args.runs, args.lodo, args.data)),
             ("benchmark.md", benchmark_page(args.runs, args.docs)))
    args.docs.mkdir(parents=True, exist_ok=True)
    for name, text in pages:
        with atomic_path(args.docs / name) as tmp:  # a page is whole or untouched, never half-written
            tmp.write_text(text, encoding="utf-8")
        print(f"wrote {args.docs / name} ({text.count(chr(10))} lines)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
