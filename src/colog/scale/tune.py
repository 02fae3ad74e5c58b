"""`colog tune`: Ray Tune over CoLog's layers x heads x hidden size, ASHA stopping weak trials early.

The features (split, vocabulary, word2vec, SBERT windows, balanced rows) are built once in the
driver and shipped to the trials through the object store, so every trial trains on exactly the
same inputs; each trial reports validation macro-F1 after every epoch, which is what ASHA ranks.
The best configuration is then trained as a normal run into DIR/best/.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

from colog.artifacts import atomic_path, write_json
from colog.config import ExperimentConfig
from colog.errors import CologError
from colog.evaluation.plots import search_curves
from colog.experiment.prepare import Fitted, Prepared, fit_inputs, load_data
from colog.experiment.run import fit_model, train_run

logger = logging.getLogger(__name__)

# The paper's search (section 5.2.2): 3 x 3 x 3 configurations, 4 samples each = 108 trials.
GRIDS = {
    "paper": {"layers": [2, 4, 6], "heads": [2, 4, 8], "hidden": [256, 512, 768], "samples": 4},
    # Fits two cores in minutes; holds the paper's default (2 layers, 4 heads, d=256) as one of its four.
    "small": {"layers": [1, 2], "heads": [4], "hidden": [128, 256], "samples": 1},
}


def parse_grid(text: str) -> dict:
    """`paper`, `small`, or your own: "layers=1,2 heads=2,4 hidden=64 samples=1"."""
    if text in GRIDS:
        return GRIDS[text]
    grid = dict(GRIDS["small"])
    try:
        for part in text.split():
            key, _, values = part.partition("=")
            if key not in ("layers", "heads", "hidden", "samples") or not values:
                raise ValueError(part)
            numbers = [int(v) for v in values.split(",")]
            grid[key] = numbers[0] if key == "samples" else numbers
    except ValueError:
        raise CologError(f"grid {text!r}: expected paper, small, or e.g. 'layers=1,2 heads=2,4 hidden=64,128 "
                         "samples=1'") from None
    bad = [(h, d) for h in grid["heads"] for d in grid["hidden"] if d % h]
    if bad:
        raise CologError(f"grid {text!r}: hidden {bad[0][1]} is not divisible by heads {bad[0][0]}")
    return grid


def _trial(params: dict, data: Prepared, fitted: Fitted, base: dict) -> None:
    """One trial: the base config with this trial's sizes and sample seed, reporting each epoch to Tune."""
    import torch
    from ray import tune

    base = dict(base)
    torch.set_num_threads(int(base.pop("_threads", 1)))  # a trial is a Ray worker process of its own
    config = ExperimentConfig.from_dict(base)
    config = replace(config, model=replace(config.model, layers=params["layers"], heads=params["heads"],
                                           hidden=params["hidden"]),
                     train=replace(config.train, seed=config.train.seed + params["sample"]))

    def report(record: dict) -> None:
        tune.report({"valid_macro_f1": record["valid_macro_f1"], "epoch": record["epoch"],
                     "train_loss": record["train_loss"]})

    fit_model(data, fitted.inputs, fitted.word_vectors, fitted.train_rows, data.rows(1), config, progress=False,
              callbacks=[report])


def run_tune(config: ExperimentConfig, grid: str, out: Path, num_samples: int | None = None,
             epochs: int = 5, best_epochs: int = 20, cpus_per_trial: int = 1, progress: bool = True) -> dict:
    """Search `grid` (inside a `ray_session`); write best_config.json, trials.csv, search.png and best/."""
    from ray import tune
    from ray.tune.schedulers import ASHAScheduler

    spec = parse_grid(grid)
    out = out.resolve()
    data = load_data(config, progress)
    out.mkdir(parents=True, exist_ok=True)  # after the logs are read: bad input leaves no empty folder behind
    fitted = fit_inputs(data, config, progress)
    data = replace(data, store=None)  # the trials read the vectors from fitted.inputs; the store stays here
    base = config.to_dict()
    base["train"]["epochs"] = epochs
    base["_threads"] = cpus_per_trial
    trainable = tune.with_resources(tune.with_parameters(_trial, data=data, fitted=fitted, base=base),
                                    {"cpu": cpus_per_trial})
    experiment = out / "tune"
    if tune.Tuner.can_restore(str(experiment)):  # an interrupted search continues where it stopped
        logger.warning("resuming the search in %s", experiment)
        tuner = tune.Tuner.restore(str(experiment), trainable=trainable, resume_errored=True)
    else:
        # Samples are a grid axis of their own, so each repeat of a configuration gets its own seed.
        space = {"layers": tune.grid_search(spec["layers"]), "heads": tune.grid_search(spec["heads"]),
                 "hidden": tune.grid_search(spec["hidden"]),
                 "sample": tune.grid_search(list(range(num_samples or spec["samples"])))}
        tuner = tune.Tuner(
            trainable, param_space=space,
            tune_config=tune.TuneConfig(metric="valid_macro_f1", mode="max",
                                        scheduler=ASHAScheduler(max_t=epochs, grace_period=1, reduction_factor=2)),
            run_config=tune.RunConfig(name="tune", storage_path=str(out), verbose=0))
    results = tuner.fit()
    errors = [r.error for r in results if r.error is not None]
    if len(errors) == len(results):
        raise CologError(f"every trial failed; the first: {errors[0]}")
    best = results.get_best_result(metric="valid_macro_f1", mode="max", scope="all")
    frame = results.get_dataframe(filter_metric="valid_macro_f1", filter_mode="max")
    with atomic_path(out / "trials.csv") as tmp:
        frame.to_csv(tmp, index=False)
    chosen = {k: best.config[k] for k in ("layers", "heads", "hidden")}
    summary = {"grid": grid, "trials": len(results), "failed": len(errors), "epochs_per_trial": epochs,
               "best": chosen, "best_valid_macro_f1": float(best.metrics["valid_macro_f1"]),
               "dataset": config.dataset, "options": config.options}
    _plot(results, out / "search.png")
    best_config = replace(config, model=replace(config.model, **chosen),
                          train=replace(config.train, epochs=best_epochs))
    metrics = train_run(best_config, out / "best", overwrite=True, progress=progress)
    summary["best_test_macro_f1"] = metrics["test"]["macro_f1"]
    write_json(summary, out / "best_config.json")
    return summary


def _plot(results, path: Path) -> None:
    """Validation macro-F1 per epoch of every trial (ASHA's early stops show as short lines)."""
    curves = []
    for r in results:
        frame = r.metrics_dataframe
        if frame is not None and "valid_macro_f1" in frame:
            c = r.config
            curves.append((f"T={c['layers']} h={c['heads']} d={c['hidden']} #{c['sample']}", list(frame["epoch"]),
                           list(frame["valid_macro_f1"])))
    search_curves(curves, path)
