"""Each of the paper's studies runs on the bundled BGL / casper slices and writes study.json, .md and .png."""

import json
from dataclasses import replace

import pytest

from colog.cli.main import main
from colog.config import ExperimentConfig
from colog.comparison.names import Study
from colog.comparison.studies import mutate, run_study
from colog.model import CoLogConfig
from colog.training import TrainConfig

TINY = dict(model=CoLogConfig(hidden=32, heads=2, ffn=64), train=replace(TrainConfig(), epochs=1, lr=1e-3,
                                                                          batch_size=128, min_epoch_steps=0))


def config(bundled, name="bgl"):
    year = 2008 if name == "casper" else None
    return ExperimentConfig(paths=[str(bundled / name)], dataset=name, year=year, **TINY)


@pytest.mark.parametrize("name, options, n_rows", [
    ("ablation", {}, 6),
    ("window", {"sizes": [1, 2]}, 4),
    ("train-ratio", {"ratios": [0.3, 0.6]}, 2),
    ("imbalance", {}, 7),
    ("efficiency", {"methods": ["lr", "cnn", "colog"]}, 3),
])
def test_study_writes_its_table_and_figure(bundled, cache, tmp_path, name, options, n_rows):
    result = run_study(name, config(bundled), tmp_path, progress=False, **options)
    saved = json.loads((tmp_path / "study.json").read_text())
    assert saved == json.loads(json.dumps(result)) and saved["study"] == name and len(saved["rows"]) == n_rows
    assert (tmp_path / "study.png").stat().st_size > 1000
    table = (tmp_path / "study.md").read_text()
    assert table.count("\n| ") == n_rows + 1 and "**" in table


def test_robustness_mutates_test_lines_and_crosses_datasets(bundled, cache, tmp_path):
    other = config(bundled, "casper")
    result = run_study("robustness", config(bundled), tmp_path, progress=False, ratios=[0.1, 0.2], other=other)
    variants = [r["variant"] for r in result["rows"]]
    assert variants[0] == "test as logged" and "20% of test lines mutated" in variants
    assert result["rows"][-1]["cross_dataset"] == "casper" and result["rows"][-1]["n"] == 5323


def test_keyword_mask_removes_what_the_rule_reads(bundled, cache, tmp_path):
    result = run_study("keyword-mask", config(bundled, "casper"), tmp_path, progress=False)
    assert [r["variant"] for r in result["rows"]] == ["keywords in the input", "keywords masked"]
    assert result["rows"][1]["lines_still_matching"] == 0


def test_keyword_mask_refuses_labels_that_are_not_keywords(bundled, cache, tmp_path, capsys):
    code = main(["study", "keyword-mask", str(bundled / "bgl"), "--dataset", "bgl", "--epochs", "1",
                 "--out", str(tmp_path)])
    assert code == 2 and "needs keyword labels" in capsys.readouterr().err


def test_mutations_change_the_message_a_little():
    import random

    rng = random.Random(0)
    message = "session opened for user root by uid"
    edits = {mutate(message, rng, ["kernel"]) for _ in range(20)}
    assert message not in edits or len(edits) > 1
    assert all(abs(len(e.split()) - 7) <= 1 for e in edits)


def test_every_study_has_a_runner():
    from colog.comparison.studies import RUNNERS

    assert set(RUNNERS) == set(Study)


def test_a_killed_keyword_mask_study_resumes_each_fit_and_ends_as_an_unbroken_one(bundled, cache, tmp_path,
                                                                                  monkeypatch):
    from colog.training.checkpoint import Checkpoint

    two_epochs = replace(config(bundled, "casper"), train=replace(TINY["train"], epochs=2))
    whole = run_study("keyword-mask", two_epochs, tmp_path / "whole", progress=False)
    real_save, epochs = Checkpoint.save, []

    def save(self, model, optimizer, best_state, rng, meta):
        real_save(self, model, optimizer, best_state, rng, meta)
        epochs.append((self.path.name, meta["epoch"]))
        if self.path.name == "masked.safetensors":
            raise KeyboardInterrupt  # killed in the second fit, after its first epoch

    monkeypatch.setattr(Checkpoint, "save", save)
    with pytest.raises(KeyboardInterrupt):
        run_study("keyword-mask", two_epochs, tmp_path / "killed", progress=False)
    assert not (tmp_path / "killed" / "study.json").exists()
    monkeypatch.setattr(Checkpoint, "save", lambda self, *args: (epochs.append((self.path.name, args[-1]["epoch"])),
                                                                 real_save(self, *args)))
    resumed = run_study("keyword-mask", two_epochs, tmp_path / "killed", progress=False)
    # first try: plain 1, 2, masked 1 (killed); again: the plain fit is done, the masked one trains epoch 2 only
    assert epochs == [("plain.safetensors", 1), ("plain.safetensors", 2), ("masked.safetensors", 1),
                      ("masked.safetensors", 2)]
    for mine, theirs in zip(resumed["rows"], whole["rows"]):
        assert {k: v for k, v in mine.items() if k != "train_seconds"} == \
               {k: v for k, v in theirs.items() if k != "train_seconds"}
    assert not (tmp_path / "killed" / ".resume").exists()
