"""--refit: validation chooses the epochs, then everything is fitted again on training and validation lines."""

import json
from dataclasses import replace

import numpy as np
import pyarrow.parquet as pq
import pytest
import torch
from torch import nn

from colog.cli.main import main
from colog.comparison.benchmark import run_benchmark
from colog.config import ExperimentConfig
from colog.experiment import train_run
from colog.experiment.prepare import load_data, with_valid_in_training
from colog.features.split import SplitConfig
from colog.model import CoLogConfig
from colog.training import TrainConfig, Trainer

SMALL = CoLogConfig(hidden=64, heads=2, ffn=128)
QUICK = replace(TrainConfig(), epochs=3, lr=1e-3, batch_size=64, min_epoch_steps=0)


def chrono(bundled, **more) -> ExperimentConfig:
    return ExperimentConfig(paths=[str(bundled / "bgl")], dataset="bgl", split=SplitConfig(protocol="chronological"),
                            model=SMALL, train=QUICK, **more)


def test_validation_lines_become_training_lines_and_what_is_fitted_on_training_follows(bundled, cache):
    config = chrono(bundled, task="collective")
    data = load_data(config, progress=False)
    merged = with_valid_in_training(data, config)
    assert not (merged.split == 1).any()
    assert np.array_equal(merged.split == 0, data.split <= 1) and np.array_equal(merged.split == 2, data.split == 2)
    valid = data.split == 1
    before, after = data.table["template_id"].to_numpy(), merged.table["template_id"].to_numpy()
    assert (before[valid] == -1).any()  # templates first met in validation: no training template fitted them
    assert (after[valid] >= 0).all()  # mined on training and validation now
    assert len(merged.unseen(SMALL.max_len)[0]) < len(data.unseen(SMALL.max_len)[0])
    # time-ordered windows stop at a split's edge: the training and validation lines of a file are one stretch now
    assert len(np.unique(merged.groups[merged.split == 0])) < len(np.unique(data.groups[data.split <= 1]))
    assert np.array_equal(merged.labels[merged.split == 2], data.labels[data.split == 2])


def test_a_fit_without_validation_follows_its_schedule_and_keeps_the_last_epoch():
    torch.manual_seed(0)
    model = nn.Linear(3, 2)

    class Rows:
        x = torch.randn(40, 3)

        def batch(self, rows):
            return (self.x[rows].numpy(),)

        def input_keys(self, rows):
            return rows, np.arange(len(rows))

        def lengths(self, rows):
            return np.ones(len(rows), dtype=np.int64)

    labels = (Rows.x[:, 0] > 0).long().numpy()
    config = replace(TrainConfig(), epochs=3, batch_size=8, warmup_steps=0, min_epoch_steps=0, patience=1, plateau=1)
    history = Trainer(config, progress=False).fit(model, Rows(), labels, np.arange(40), None, [1e-2, 5e-3, 1e-3])
    assert [e["lr"] for e in history.epochs] == [1e-2, 5e-3, 1e-3]  # no decay, no early stop: nothing validates
    assert history.best_epoch == 3 and all(e["valid_macro_f1"] is None for e in history.epochs)
    with pytest.raises(ValueError, match="schedule"):
        Trainer(config, progress=False).fit(model, Rows(), labels, np.arange(40), None, [1e-2])
    # a refit's config trains as many epochs as the schedule it follows; without one the fit refuses
    assert config.following([1e-2, 5e-3]).epochs == 2 and config.following(None) is config
    with pytest.raises(ValueError, match="schedule"):
        Trainer(config.following(None), progress=False).fit(model, Rows(), labels, np.arange(40), None, None)


@pytest.fixture(scope="module")
def seed3(bundled, cache, tmp_path_factory):
    """`colog train` on seed 3, plain and with --refit: the runs a benchmark row of seed 3 must agree with."""
    out = tmp_path_factory.mktemp("refit")

    def run(name, **more):
        config = chrono(bundled, **more)
        seeded = replace(config, split=replace(config.split, seed=3), train=replace(config.train, seed=3))
        return train_run(seeded, out / name, progress=False)

    return out, run("plain"), run("run", refit=True)


def test_a_refitted_run_trains_on_validation_too_for_the_epochs_validation_chose(seed3):
    out, plain, metrics = seed3
    assert metrics["options"] == "--refit --heads 2 --hidden 64 --ffn 128"
    assert metrics["n_valid"] == 0 and metrics["n_train"] == plain["n_train"] + plain["n_valid"]
    assert metrics["test"]["n"] == plain["test"]["n"]
    assert metrics["refit"]["epochs"] == metrics["epochs"] == plain["best_epoch"]
    # the first fit is the plain run: same seed, same data, same schedule
    assert metrics["refit"]["test_before"] == plain["test"]
    assert metrics["refit"]["valid_macro_f1"] == json.loads((out / "plain" / "history.json").read_text())[
        plain["best_epoch"] - 1]["valid_macro_f1"]
    assert metrics["test_unseen"]["n"] < plain["test_unseen"]["n"]  # unseen by what the network trained on
    assert "valid" not in pq.read_table(out / "run" / "split.parquet")["split"].to_pylist()
    assert not list(out.glob(".*.safetensors"))  # both fits' checkpoints cleared
    assert main(["evaluate", str(out / "run"), "--json"]) == 0  # the saved run measures again as it was
    again = json.loads((out / "run" / "metrics.json").read_text())
    assert again["test"] == metrics["test"] and again["test_unseen"] == metrics["test_unseen"]


def test_a_benchmark_row_with_refit_names_it_and_counts_unseen_by_training_and_validation(bundled, seed3, tmp_path):
    _, plain, run = seed3
    row = run_benchmark(chrono(bundled, refit=True), ["colog"], [3], tmp_path, progress=False)[0]
    assert row["options"].startswith("--refit")
    assert row["n_test"] == plain["test"]["n"] and row["n_train"] > plain["n_train"]
    assert row["n_test_unseen"] < plain["test_unseen"]["n"]
    assert row["train_cpu_seconds"] > plain["train_cpu_seconds"]  # two fits
    # the benchmark refits CoLog as it refits a baseline network, and that is `colog train --refit`'s network
    assert row["macro_f1"] == run["test"]["macro_f1"] and row["n_test_unseen"] == run["test_unseen"]["n"]


def test_refit_does_not_fine_tune(bundled, capsys):
    code = main(["train", str(bundled / "bgl"), "--dataset", "bgl", "--refit", "--init", "linux-syslog"])
    err = capsys.readouterr().err
    assert code != 0 and "--refit trains a network afresh" in err and len(err.strip().splitlines()) == 1


def test_a_config_without_refit_reads_and_fingerprints_as_before_refit_existed():
    config = ExperimentConfig(paths=["/logs"])
    assert "refit" not in config.to_dict()  # checkpoints that earlier versions of colog left stay resumable
    assert ExperimentConfig.from_dict(replace(config, refit=True).to_dict()).refit


def test_the_benchmark_page_sets_refit_rows_apart_with_their_own_unseen_lines():
    from colog.comparison.tables import markdown_table

    row = {"dataset": "bgl", "protocol": "chronological", "macro_f1": 0.9, "anomaly_f1": 0.8, "unseen_macro_f1": 0.7,
           "train_seconds": 1.0, "infer_seconds": 0.1, "n_test": 10, "n_train": 100}
    rows = [row | {"method": m, "seed": s, "options": "", "n_test_unseen": 2502, "n_test_unseen_anomalies": 143}
            for s in (3, 4) for m in ("svm", "colog")]
    rows += [row | {"method": m, "seed": s, "options": "--refit", "n_test_unseen": 163, "n_test_unseen_anomalies": 38,
                    "macro_f1": f, "train_cpu_seconds": 50.0} for s in (3, 4) for m, f in (("svm", 0.91), ("colog", 0.95))]
    rows += [row | {"method": "colog", "seed": s, "options": "--refit --unk-dropout 0.1", "n_test_unseen": 163,
                    "n_test_unseen_anomalies": 38, "macro_f1": 0.93} for s in (3, 4)]
    page = markdown_table(rows)
    main, refit = page.split("### fitted again on training and validation (`--refit`)")
    assert "--refit" not in main.split("### ")[1]  # the macro-F1 table: the rows as the paper fits them
    assert "Unseen test lines (anomalous) per seed: bgl (chronological) 2,502 (143), 2,502 (143). " in main
    assert "| colog | **0.9500 ± 0.0000** (0.7000) | 5.00e-01 |" in refit and "| svm | 0.9100 ± 0.0000 (0.7000) |" in refit
    assert "Unseen test lines (anomalous) per seed: bgl (chronological) 163 (38), 163 (38)." in refit
    assert "| colog (--unk-dropout 0.1) | 0.9300 ± 0.0000 (0.7000) | – |" in refit  # its other options stay



def test_baselines_refit_too_and_the_keyword_rule_stays_as_it_is(bundled, cache, tmp_path):
    methods = ["svm", "lstm", "keyword_rule"]
    rows = {r["method"]: r for r in run_benchmark(chrono(bundled, refit=True), methods, [3], tmp_path, progress=False)}
    plain = {r["method"]: r for r in run_benchmark(chrono(bundled), methods, [3], tmp_path, progress=False)}
    assert rows["svm"]["options"] == rows["lstm"]["options"] == "--refit" and rows["keyword_rule"]["options"] == ""
    for name in ("svm", "lstm"):
        assert rows[name]["n_train"] > plain[name]["n_train"]  # validation's lines joined training
        assert rows[name]["n_test_unseen"] < plain[name]["n_test_unseen"]  # unseen by training and validation
    assert rows["keyword_rule"]["macro_f1"] == plain["keyword_rule"]["macro_f1"]
    saved = json.loads((tmp_path / "results.json").read_text())
    assert {(r["method"], r["options"]) for r in saved} >= {("svm", ""), ("svm", "--refit"), ("lstm", "--refit")}


def test_a_baseline_network_refits_for_the_epochs_its_validation_chose(bundled, cache):
    from colog.comparison.baselines import Features, make, refit

    config = chrono(bundled, refit=True)
    data = load_data(config, progress=False)
    features = Features.build(data, config)
    merged = Features.build(with_valid_in_training(data, config), config)
    chosen = make("lstm", 3).fit(features, data.rows(0), data.rows(1)).history_
    again = refit("lstm", 3, features, merged)
    assert [e["lr"] for e in again.history_.epochs] == [e["lr"] for e in chosen.epochs[:chosen.best_epoch]]
    assert merged.n_templates > features.n_templates  # the templates validation first shows are keys of their own
    assert again.model_.embed.num_embeddings == merged.n_templates
