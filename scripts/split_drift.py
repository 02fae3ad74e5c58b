"""Write what a split's later lines hold that its training lines do not (colog.evaluation.drift), no model run.

    python scripts/split_drift.py DATA --dataset NAME [--protocol chronological] [--seed 3] -o DIR/NAME.json

Prints the same as a Markdown section; docs/results.md carries the JSON of runs/results/drift/ under its
time-ordered table. The test split's unseen lines are counted once more with the validation lines in training
(what a `--refit` model faces), under "refit".
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from colog.artifacts import write_json
from colog.config import ExperimentConfig
from colog.errors import CologError
from colog.evaluation.drift import drift_markdown, split_drift
from colog.experiment.prepare import Prepared, load_data, with_valid_in_training
from colog.features.split import SplitConfig


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", nargs="+")
    ap.add_argument("--dataset", required=True)
    ap.add_argument("--protocol", default="chronological")
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("-o", "--output", type=Path, required=True)
    args = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        config = ExperimentConfig(paths=args.data, dataset=args.dataset,
                                  split=SplitConfig(protocol=args.protocol, seed=args.seed))
        data = load_data(config, progress=False)
    except CologError as exc:
        print(f"split_drift: {exc}", file=sys.stderr)
        return 2
    drift = _drift(data, config)
    # what a --refit model faces: the validation lines in training too, templates and tied words fitted on both
    merged = _drift(with_valid_in_training(data, config), config, detail=False)
    drift |= {"dataset": args.dataset, "protocol": str(config.split.protocol), "seed": args.seed,
              "label_source": data.summary["label_source"], "refit": {"test": merged["unseen"]["test"]}}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    write_json(drift, args.output)
    print("\n".join(drift_markdown(args.dataset, drift)))
    return 0


def _drift(data: Prepared, config: ExperimentConfig, detail: bool = True) -> dict:
    keys, key = data.keys(config.model.max_len)
    labels = (data.labels > 0).astype(int)  # any anomalous class of the task
    return split_drift(data.table, labels, data.split, keys, key, data.miner.settings, config.model.max_len,
                       detail=detail)


if __name__ == "__main__":
    sys.exit(main())
