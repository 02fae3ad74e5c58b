"""A real (small) end-to-end run: parse, label, split, embed, balance, train, evaluate, save, re-evaluate."""

import csv
import json
from dataclasses import replace

import numpy as np
import pyarrow.parquet as pq
import pytest
from safetensors import safe_open

from colog.cli.main import main
from colog.detection import Detector
from colog.detection.lines import file_lines
from colog.evaluation.metrics import METRIC_KEYS
from colog.config import ExperimentConfig
from colog.experiment import evaluate_run, train_run
from colog.model import CoLogConfig
from colog.training import TrainConfig

SMALL = CoLogConfig(hidden=64, heads=2, ffn=128)


@pytest.fixture(scope="module")
def bgl_run(bundled, cache, tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "bgl"
    config = ExperimentConfig(paths=[str(bundled / "bgl")], dataset="bgl", model=SMALL,
                              train=replace(TrainConfig(), epochs=3, lr=1e-3, batch_size=64,
                                                            min_epoch_steps=0))
    return out, train_run(config, out, progress=False)


def test_run_directory_holds_everything(bgl_run):
    out, _ = bgl_run
    for name in ("config.json", "split.parquet", "vocab.json", "word2vec.safetensors", "model.safetensors",
                 "model.json", "metrics.json", "history.json", "templates.json", "report.html", "errors.csv", "errors_valid.csv",
                 "plots/confusion.png", "plots/roc_pr.png", "plots/pca.png", "plots/training.png"):
        assert (out / name).is_file(), name
    assert not list(out.parent.glob(".bgl.*"))  # no staging directory left behind
    split = pq.read_table(out / "split.parquet").to_pydict()
    assert len(split["line"]) == 4000 and set(split["split"]) == {"train", "valid", "test"}
    assert len(set(zip(split["file"], split["line"]))) == 4000  # no line in two splits


def test_metrics_schema_and_the_model_beats_the_majority_class(bgl_run):
    out, metrics = bgl_run
    saved = json.loads((out / "metrics.json").read_text())
    for key in ("dataset", "task", "protocol", "label_source", "seed", "n_train", "n_valid", "n_test",
                "train_seconds", "train_cpu_seconds", "train_lines_per_second", "test", "test_unseen"):
        assert key in saved, key
    for key in METRIC_KEYS:
        assert key in saved["test"]
    assert saved["n_train"] + saved["n_valid"] + saved["n_test"] == 4000
    test = metrics["test"]
    majority_macro_f1 = 0.5 * 2 * (1 - test["n_anomalies"] / test["n"]) / (2 - test["n_anomalies"] / test["n"])
    assert test["macro_f1"] > majority_macro_f1 + 0.2
    assert test["anomaly_recall"] > 0.5
    assert saved["label_source"] == "column:alert" and saved["protocol"] == "paper"


def test_errors_csv_lists_exactly_the_wrong_test_lines(bgl_run):
    import csv

    out, metrics = bgl_run
    with open(out / "errors.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    test = metrics["test"]
    assert len(rows) == round(test["n"] * (1 - test["accuracy"])) > 0  # a 3-epoch tiny model makes mistakes
    split = pq.read_table(out / "split.parquet").to_pydict()
    test_lines = {(f, str(n)) for f, n, s in zip(split["file"], split["line"], split["split"]) if s == "test"}
    assert all((r["file"], r["line"]) in test_lines for r in rows)
    assert all(r["label"] != r["predicted"] for r in rows)
    confidence = [float(r["confidence"]) for r in rows]
    assert confidence == sorted(confidence, reverse=True) and min(confidence) >= 0.5
    assert all(r["message"] for r in rows)


def test_errors_valid_csv_lists_the_wrong_validation_lines_and_the_report_shows_those(bgl_run):
    import csv

    out, _ = bgl_run
    with open(out / "errors_valid.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    split = pq.read_table(out / "split.parquet").to_pydict()
    valid_lines = {(f, str(n)) for f, n, s in zip(split["file"], split["line"], split["split"]) if s == "valid"}
    assert rows and all((r["file"], r["line"]) in valid_lines and r["label"] != r["predicted"] for r in rows)
    report = (out / "report.html").read_text()
    assert f"Validation lines wrong ({len(rows)}" in report and "Test lines wrong" not in report


def test_evaluate_reproduces_the_saved_figures(bgl_run):
    out, metrics = bgl_run
    again = evaluate_run(out, progress=False)
    scalars = {k: v for k, v in metrics["test"].items() if k != "per_class"}
    assert {k: again["test"][k] for k in scalars} == pytest.approx(scalars)


def test_second_run_embeds_nothing(bundled, cache):
    from colog.experiment.prepare import load_data

    config = ExperimentConfig(paths=[str(bundled / "bgl")], dataset="bgl")
    data = load_data(config, progress=False)
    data.store.ids(data.messages.messages)
    assert data.store.embedded == 0 and len(data.store) >= len(data.messages.messages)


def test_evaluate_rejects_an_incomplete_run_directory(bgl_run, tmp_path, capsys):
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(bgl_run[0], broken)
    (broken / "model.safetensors").unlink()
    assert main(["evaluate", str(broken)]) == 2
    assert "missing: model.safetensors" in capsys.readouterr().err
    config = json.loads((broken / "config.json").read_text())
    config["format_version"] = 99
    (broken / "config.json").write_text(json.dumps(config))
    shutil.copy(bgl_run[0] / "model.safetensors", broken / "model.safetensors")
    assert main(["evaluate", str(broken)]) == 2
    assert "format version 99" in capsys.readouterr().err


@pytest.mark.parametrize("argv, message", [
    (["--window", "sideways:1"], "window 'sideways:1' is malformed"),
    (["--rule", "level:NOPE"], "one class only"),
    (["--task", "both"], "'both' is not one of 'point', 'collective'"),
    (["--balance", "smote"], "'smote' is not one of 'none', 'tomek'"),
    (["--bit-heads"], "bit_heads (--bit-heads) needs the collective task"),
    (["--epochs", "0"], "training epochs=0; expected an integer >= 1"),  # would save an untrained model as a run
    (["--seed", "-1"], "split seed=-1; expected an integer >= 0"),
    (["--batch-size", "0"], "training batch_size=0"),
    (["--lr", "-1"], "training lr=-1.0"),
    (["--min-epoch-steps", "-3"], "training min_epoch_steps=-3"),
    (["--hidden", "100", "--heads", "8"], "hidden=100 is not divisible by heads=8"),
    (["--ffn", "0"], "ffn=0; expected an integer >= 1"),
    (["--dropout", "1"], "dropout=1.0; expected 0 <= dropout < 1"),
])
def test_train_bad_input(bundled, tmp_path, capsys, cache, argv, message):
    out = tmp_path / "run"
    code = main(["train", str(bundled / "bgl"), "--dataset", "bgl", "--out", str(out), "--epochs", "1", *argv])
    err = capsys.readouterr().err
    assert code != 0 and message in err and "Traceback" not in err
    assert not out.exists() and not list(tmp_path.glob(".run.*"))


def test_existing_run_directory_is_not_overwritten(bgl_run, bundled, capsys):
    out, _ = bgl_run
    before = (out / "metrics.json").read_text()
    code = main(["train", str(bundled / "bgl"), "--dataset", "bgl", "--out", str(out), "--epochs", "1"])
    assert code != 0 and "already exists" in capsys.readouterr().err
    assert (out / "metrics.json").read_text() == before


@pytest.mark.parametrize("bit_heads, current, positions, options", [
    (False, None, False, ""), (True, None, False, "--bit-heads"), (False, True, False, "--current-line"),
    (False, True, True, "--current-line --window-positions")])
def test_collective_task_has_four_classes_and_its_window_holds_the_line_only_when_asked(bundled, cache, tmp_path,
                                                                                        run_scores, bit_heads,
                                                                                        current, positions, options):
    config = ExperimentConfig(paths=[str(bundled / "bgl")], dataset="bgl", task="collective", window="background:1",
                              include_current=current,
                              model=replace(SMALL, bit_heads=bit_heads, window_positions=positions),
                              train=replace(TrainConfig(), epochs=1, lr=1e-3, batch_size=64, min_epoch_steps=0))
    assert config.includes_current is bool(current)
    metrics = train_run(config, tmp_path / "run", progress=False)
    assert metrics["classes"] == ["normal", "point", "collective", "both"]
    named = " ".join(filter(None, [options, "--heads 2 --hidden 64 --ffn 128"]))  # SMALL's sizes are not the paper's
    assert metrics["options"] == named  # the figures name the options of ours they were made with
    assert f"<td>{named}</td>" in (tmp_path / "run" / "report.html").read_text()
    assert set(metrics["test"]["per_class"]) == set(metrics["classes"])
    saved = json.loads((tmp_path / "run" / "config.json").read_text())
    assert saved["task"] == "collective" and saved["window"] == "background:1"
    assert saved["include_current"] is current
    model_json = json.loads((tmp_path / "run" / "model.json").read_text())
    assert model_json["bit_heads"] is bit_heads and model_json["window_positions"] is positions
    again = evaluate_run(tmp_path / "run", progress=False)  # the saved model (two heads or one) scores the same
    assert again["test"]["macro_f1"] == pytest.approx(metrics["test"]["macro_f1"])

    # `colog detect` builds the same windows (with or without the line) and scores every line as evaluation does
    data, inputs, probs = run_scores(tmp_path / "run")
    assert inputs.window.shape[1] == 1 + bool(current)
    session = Detector.load(tmp_path / "run").session()
    path = next(p for p in sorted((bundled / "bgl").iterdir()) if p.name != "SOURCE")
    verdicts = [v for v in session.feed(list(file_lines(path, path.name))) + session.close() if v.cls != "unparsed"]
    assert [v.line for v in verdicts] == data.table["line"].to_pylist()
    assert np.allclose([v.probability for v in verdicts], 1 - probs[:, 0], atol=1e-4)
    anomalous = probs[:, 0] <= 0.5  # detect's default threshold on 1 - P(normal); then the likeliest anomaly class
    assert [v.cls for v in verdicts] == [metrics["classes"][1 + c] if a else "normal"
                                         for a, c in zip(anomalous, probs[:, 1:].argmax(1))]


def test_evaluate_on_scores_a_run_on_another_systems_logs(casper_run, shared, tmp_path, capsys):
    import shutil

    from colog.cli.main import main
    from colog.features.tokens import sequence_key, tokenize

    logs = tmp_path / "honey7"
    logs.mkdir()
    for name in ("auth.log", "daemon.log", "debug"):
        shutil.copy(shared / "honeynet-challenge7" / "logs" / name, logs / name)
    out = tmp_path / "cross"
    assert main(["evaluate", str(casper_run), "--on", str(logs), "--dataset", "honey7", "-o", str(out)]) == 0
    assert "scored with the run trained on casper" in capsys.readouterr().out
    m = json.loads((out / "metrics.json").read_text())
    assert (m["protocol"], m["dataset"], m["trained_on"]) == ("cross", "honey7", "casper")
    assert m["test"]["n"] == m["n_test"] == 105 + 55 + 260 and m["label_source"].startswith("keywords-substring")
    seen = set(json.loads((casper_run / "seen.json").read_text())["values"])
    errors = list(csv.DictReader(open(out / "errors.csv", newline="", encoding="utf-8")))
    assert m["test_unseen"]["key"] == "tokens" and 0 < m["test_unseen"]["n"] < m["test"]["n"]
    assert all((sequence_key(tokenize(r["message"])) not in seen) == (r["unseen"] == "true") for r in errors)
    assert len(errors) == round(m["test"]["n"] * (1 - m["test"]["accuracy"]))


def test_evaluate_on_needs_on_for_more_paths(casper_run, capsys):
    from colog.cli.main import main

    assert main(["evaluate", str(casper_run), "logs/"]) == 2 and "--on PATH" in capsys.readouterr().err


def test_a_corrected_false_positive_is_no_longer_flagged_after_fine_tuning(bundled, tmp_path, capsys):
    """The user's path: the bundled model flags lines the user says are normal; a fine-tune from it on their logs
    with the corrections stops flagging them and leaves (almost) every other verdict as it was."""
    import pyarrow.parquet as pq

    from colog.features.tokens import sequence_key, tokenize

    logs = bundled / "casper"
    lines = [line for path in sorted(logs.iterdir()) if path.name != "SOURCE" for line in file_lines(path, path.name)]
    before = list(Detector.load("linux-syslog").detect(lines))
    families = {}  # flagged lines by what the model reads of them
    for v in before:
        if v.label:
            families.setdefault(sequence_key(tokenize(v.message)), []).append(v)
    key = max(families, key=lambda k: (3 <= len(families[k]) < 20, families[k][0].probability))  # a rarer one

    def same(message):
        return sequence_key(tokenize(message)) == key

    fixes = tmp_path / "fixes.csv"
    with fixes.open("w", newline="") as fh:
        csv.writer(fh).writerows([["message", "label"]] + [[m, "normal"] for m in {v.message for v in families[key]}])
    out = tmp_path / "tuned"
    code = main(["train", str(logs), "--dataset", "casper", "--year", "2008", "--corrections", str(fixes),
                 "--init", "linux-syslog", "--epochs", "2", "--lr", "3e-4", "-o", str(out)])
    assert code == 0, capsys.readouterr().err
    config = json.loads((out / "config.json").read_text())
    assert config["init"] == "linux-syslog" and config["corrections"] == str(fixes.resolve())
    split = pq.read_table(out / "split.parquet").to_pylist()
    trained = {(r["file"], r["line"]) for r in split if r["split"] == "train"}
    after = list(Detector.load(out).detect(lines))
    corrected = [a for a in after if same(a.message)]
    assert any((a.file, a.line) in trained for a in corrected)
    assert not any(a.label for a in corrected if (a.file, a.line) in trained)  # the correction took
    assert sum(a.label for a in corrected) < len(families[key])
    others = [(b.label, a.label) for b, a in zip(before, after) if not same(b.message)]
    assert sum(x == y for x, y in others) >= 0.99 * len(others)  # the rest stays as it was


def test_a_killed_train_resumes_after_its_last_epoch_and_ends_as_an_unbroken_one(bundled, cache, tmp_path,
                                                                                 monkeypatch, caplog):
    from colog.training.checkpoint import Checkpoint

    config = ExperimentConfig(paths=[str(bundled / "bgl")], dataset="bgl", model=SMALL,
                              train=replace(TrainConfig(), epochs=2, lr=1e-3, batch_size=64, min_epoch_steps=0))
    whole = train_run(config, tmp_path / "whole", progress=False)
    real_save = Checkpoint.save

    def save_then_die(self, *args):
        real_save(self, *args)
        raise KeyboardInterrupt

    monkeypatch.setattr(Checkpoint, "save", save_then_die)
    with pytest.raises(KeyboardInterrupt):
        train_run(config, tmp_path / "run", progress=False)
    assert not (tmp_path / "run").exists() and (tmp_path / ".run.resume.safetensors").is_file()
    with safe_open(tmp_path / ".run.resume.safetensors", "pt") as saved:
        earlier_cpu = json.loads(saved.metadata()["colog.checkpoint"])["history"]["earlier_cpu_seconds"]
    monkeypatch.setattr(Checkpoint, "save", real_save)
    with caplog.at_level("INFO", logger="colog.training.loop"):
        resumed = train_run(config, tmp_path / "run", progress=False)
    assert "resuming after epoch 1" in caplog.text
    assert resumed["test"] == whole["test"] and resumed["test_unseen"] == whole["test_unseen"]
    assert resumed["best_epoch"] == whole["best_epoch"] and resumed["epochs"] == whole["epochs"] == 2
    assert resumed["train_cpu_seconds"] > earlier_cpu > 0  # the killed process's first epoch counts too
    assert not (tmp_path / ".run.resume.safetensors").exists()
