"""The paper's studies as one function each: CoLog trained under variants of one config, on one dataset.

Every study writes DIR/study.json (the rows below), DIR/study.md (a table) and DIR/study.png (the
paper's kind of figure). A row holds the variant, its parameters and the test metrics; variants of
one study share the data, the split protocol and the seed unless the study varies them.
"""

from __future__ import annotations

import logging
import random
import shutil
import time
from dataclasses import replace
from pathlib import Path
from typing import Callable

import numpy as np
import pyarrow as pa

from colog.artifacts import atomic_path, write_json
from colog.comparison.baselines import ORDER, Features, make
from colog.comparison.benchmark import run_benchmark
from colog.comparison.names import Study
from colog.comparison.resume import RESUME
from colog.config import ExperimentConfig
from colog.errors import CologError, choose
from colog.evaluation.metrics import classification_metrics
from colog.evaluation.plots import study_figure
from colog.experiment.prepare import Prepared, build_inputs, load_data
from colog.experiment.run import fingerprint
from colog.features import Balance, LineMessages, split_lines
from colog.labeling import parse_rule
from colog.labeling.datasets import resolve
from colog.labeling.rules import KeywordRule
from colog.training.checkpoint import Checkpoint

logger = logging.getLogger(__name__)

ABLATIONS = [("full CoLog", {}), ("sequence modality only", {"semantic": False}),
             ("semantic modality only", {"sequence": False}), ("without MHIA", {"impressed": False}),
             ("without MAL", {"mal": False}), ("without balancing layer", {"balancing_layer": False})]


def _score(data: Prepared, features: Features, method, rows: np.ndarray) -> dict:
    m = classification_metrics(data.labels[rows], method.predict(features, rows), data.class_names)
    return {k: m[k] for k in ("macro_f1", "anomaly_f1", "accuracy", "anomaly_precision", "anomaly_recall", "n",
                              "n_anomalies", "measurable")}


def _colog(data: Prepared, config: ExperimentConfig, progress: bool,
           checkpoint: Checkpoint | None = None) -> tuple[dict, Features, object]:
    """Train CoLog under `config` on `data` (split already drawn), resuming from `checkpoint` when given; test
    metrics, features, fitted method."""
    features = Features.build(data, config, progress)
    method = make("colog", config.train.seed)
    method.checkpoint = checkpoint
    start = time.perf_counter()
    method.fit(features, data.rows(0), data.rows(1))
    seconds = time.perf_counter() - start
    return {**_score(data, features, method, data.rows(2)), "train_seconds": seconds,
            "n_train": int((data.split == 0).sum())}, features, method


def _resplit(data: Prepared, config: ExperimentConfig) -> Prepared:
    return replace(data, split=split_lines(data.table, data.labels, config.split))


def ablation(data, config, progress, **_) -> list[dict]:
    rows = []
    for name, switches in ABLATIONS:
        variant = replace(config, model=replace(config.model, **switches))
        rows.append({"variant": name, **switches, **_colog(data, variant, progress)[0]})
    return rows


def window(data, config, progress, sizes: list[int], **_) -> list[dict]:
    rows = []
    for kind in ("background", "context"):
        for size in sizes:
            variant = replace(config, window=f"{kind}:{size}")
            rows.append({"variant": variant.window, "kind": kind, "size": size, **_colog(data, variant, progress)[0]})
    return rows


def train_ratio(data, config, progress, ratios: list[float], **_) -> list[dict]:
    """Training share r, validation 10 %, test the rest (so the test set shrinks as r grows)."""
    rows = []
    for r in ratios:
        variant = replace(config, split=replace(config.split, train=r, valid=0.1))
        rows.append({"variant": f"train {r:.0%}", "train_share": r,
                     **_colog(_resplit(data, variant), variant, progress)[0]})
    return rows


def imbalance(data, config, progress, **_) -> list[dict]:
    return [{"variant": method.value, "balance": method.value,
             **_colog(data, replace(config, balance=method), progress)[0]} for method in Balance]


def mutate(message: str, rng: random.Random, vocabulary: list[str]) -> str:
    """One LogRobust-style edit of a message: drop, repeat or replace a word, or swap two neighbours."""
    words = message.split()
    if len(words) < 2:
        return message + " " + rng.choice(vocabulary)
    i = rng.randrange(len(words))
    op = rng.choice(("drop", "repeat", "replace", "swap"))
    if op == "drop":
        del words[i]
    elif op == "repeat":
        words.insert(i, words[i])
    elif op == "replace":
        words[i] = rng.choice(vocabulary)
    else:
        j = i + 1 if i + 1 < len(words) else i - 1
        words[i], words[j] = words[j], words[i]
    return " ".join(words)


def robustness(data, config, progress, ratios: list[float], other: ExperimentConfig | None = None, **_) -> list[dict]:
    """Test lines mutated at each ratio (labels kept, as LogRobust's unstable logs); then, given another
    dataset, the same model on all of its lines."""
    base, features, method = _colog(data, config, progress)
    rows = [{"variant": "test as logged", "mutated_share": 0.0, **base}]
    test = data.rows(2)
    vocabulary = [w for w in features.vocab.words[2:] if not w.startswith("<")] or ["x"]
    messages = data.table["message"].to_pylist()
    for r in ratios:
        rng = random.Random(config.split.seed)
        chosen = rng.sample(list(test), int(round(r * len(test))))
        changed = list(messages)
        for row in chosen:
            changed[row] = mutate(messages[row], rng, vocabulary)
        table = data.table.set_column(data.table.schema.get_field_index("message"), "message",
                                      pa.array(changed, pa.string()))
        mutated = replace(data, table=table, messages=LineMessages.of(table, config.source_token))
        probe = replace(features, inputs=build_inputs(mutated, config, features.vocab, progress))
        rows.append({"variant": f"{r:.0%} of test lines mutated", "mutated_share": r,
                     **_score(mutated, probe, method, test)})
    if other is not None:
        target = load_data(other, progress)
        if target.class_names != data.class_names:
            raise CologError(f"cross-dataset: classes {target.class_names} differ from {data.class_names}")
        probe = replace(features, data=target, inputs=build_inputs(target, config, features.vocab, progress))
        every = np.arange(len(target.labels))
        rows.append({"variant": f"trained on {config.dataset}, tested on all of {other.dataset}",
                     "cross_dataset": other.dataset, **_score(target, probe, method, every)})
    return rows


def efficiency(data, config, progress, out: Path, methods: list[str] | None = None, **_) -> list[dict]:
    """Every method's training and inference seconds per line, same machine, same run (Table 12)."""
    results = run_benchmark(config, methods or list(ORDER), [config.split.seed], out / "benchmark", progress)
    return [{"variant": r["method"], "train_seconds_per_line": r["train_seconds"] / max(r["n_train"], 1),
             "infer_seconds_per_line": r["infer_seconds"] / max(r["n_test"], 1), "train_seconds": r["train_seconds"],
             "infer_seconds": r["infer_seconds"], "macro_f1": r["macro_f1"], "anomaly_f1": r["anomaly_f1"]}
            for r in results]


def keyword_mask(data, config, progress, out: Path, **_) -> list[dict]:
    """CoLog with and without the labelling keywords in its input (labels unchanged); killed, the same command
    keeps a finished fit's state and goes on after an unfinished one's last epoch."""
    spec = resolve(config.dataset, config.format, config.rule)[1]
    rule = parse_rule(spec) if spec else None
    if not isinstance(rule, KeywordRule):
        raise CologError(f"keyword-mask needs keyword labels; {config.dataset or 'this data'} is labelled by "
                         f"{data.summary['label_source']}")
    table = rule.mask(data.table)
    masked = replace(data, table=table, messages=LineMessages.of(table, config.source_token))
    still = int(rule.apply(table).sum())

    def resume(variant: str, of: Prepared) -> Checkpoint:
        return Checkpoint(out / RESUME / f"{variant}.safetensors", fingerprint(config, of, variant))

    return [{"variant": "keywords in the input", **_colog(data, config, progress, resume("plain", data))[0]},
            {"variant": "keywords masked", "lines_still_matching": still,
             **_colog(masked, config, progress, resume("masked", masked))[0]}]


RUNNERS: dict[Study, Callable[..., list[dict]]] = {
    Study.ablation: ablation, Study.window: window, Study.train_ratio: train_ratio, Study.imbalance: imbalance,
    Study.robustness: robustness, Study.efficiency: efficiency, Study.keyword_mask: keyword_mask,
}


def run_study(name: Study | str, config: ExperimentConfig, out: Path, progress: bool = True, **options) -> dict:
    """Run study `name`; write out/study.json, out/study.md and out/study.png."""
    name = choose(Study, name, "study")
    data = load_data(config, progress)
    out.mkdir(parents=True, exist_ok=True)  # after the logs are read: bad input leaves no empty folder behind
    rows = RUNNERS[name](data, config, progress, out=out, **options)
    result = {"study": name, "dataset": config.dataset, "task": config.task, "protocol": config.split.protocol,
              "seed": config.split.seed, "label_source": data.summary["label_source"],
              "options": config.options, "rows": rows}
    write_json(result, out / "study.json")
    with atomic_path(out / "study.md") as tmp:
        tmp.write_text(study_markdown(result), encoding="utf-8")
    study_figure(result, out / "study.png")
    shutil.rmtree(out / RESUME, ignore_errors=True)
    return result


def study_markdown(result: dict) -> str:
    rows = result["rows"]
    keys = [k for k in ("macro_f1", "anomaly_f1", "accuracy", "train_seconds_per_line", "infer_seconds_per_line",
                        "train_seconds", "n") if any(k in r for r in rows)]
    best = max((r.get("macro_f1", -1) for r in rows), default=-1)
    options = f"; CoLog with `{result['options']}`" if result.get("options") else ""
    lines = [f"# Study: {result['study']} — {result['dataset']} ({result['protocol']} protocol, {result['task']} task, "
             f"seed {result['seed']}{options})", "", f"Labels: {result['label_source']}.", "",
             "| variant | " + " | ".join(keys) + " |", "|---|" + "---|" * len(keys)]
    for r in rows:
        cells = []
        for k in keys:
            v = r.get(k)
            text = "–" if v is None else (f"{v:.2e}" if "per_line" in k else f"{v:.4f}" if isinstance(v, float)
                                          else str(v))
            cells.append(f"**{text}**" if k == "macro_f1" and v == best else text)
        lines.append(f"| {r['variant']} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
