"""`colog benchmark` on the bundled BGL slice: every method learns, on the same test lines, in the documented schema."""

import json

import pytest

from colog.comparison.baselines import ORDER, method_names
from colog.cli.main import main
from colog.errors import UnknownNameError
from colog.comparison.benchmark import RESULT_KEYS

SMALL = ("--heads", "2", "--hidden", "64", "--ffn", "128")


@pytest.fixture(scope="module")
def bench(bundled, cache, tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    # 75 steps an epoch: one pass for CoLog (batches of 32), eight for the deep baselines (256), past the warm-up;
    # CoLog at a quarter of the paper's width: at full width its fit took half of this fixture's time
    code = main(["benchmark", str(bundled / "bgl"), "--dataset", "bgl", "--seeds", "0", "--epochs", "3",
                 "--min-epoch-steps", "75", *SMALL, "--out", str(out)])
    assert code == 0
    return out, json.loads((out / "results.json").read_text())


def test_every_method_beats_the_majority_class(bench):
    _, results = bench
    assert [r["method"] for r in results] == list(ORDER)
    normal = 1 - results[0]["n_test_anomalies"] / results[0]["n_test"]
    majority = normal / (1 + normal)  # macro-F1 of calling every line normal: F1(normal) / 2
    for r in results:
        assert r["macro_f1"] > majority, (r["method"], r["macro_f1"], majority)


def test_results_schema_and_same_test_lines(bench):
    out, results = bench
    for r in results:
        assert set(RESULT_KEYS) <= set(r)
        assert all(0.0 <= r[k] <= 1.0 for k in ("macro_f1", "anomaly_f1", "macro_precision", "macro_recall",
                                                 "accuracy"))
    assert len({r["test_ids_sha1"] for r in results}) == 1 and len({r["n_test"] for r in results}) == 1
    assert len({r["n_test_unseen"] for r in results}) == 1 and results[0]["unseen_key"] == "template"
    assert 0 < results[0]["n_test_unseen"] < results[0]["n_test"]
    assert all(0.0 <= r["unseen_macro_f1"] <= 1.0 for r in results)
    table = (out / "results.md").read_text()
    assert "| method | bgl (paper) |" in table and table.count("**") >= 2
    assert "never occurs in training" in table
    assert "Unseen test lines (anomalous) per seed: bgl (paper) " in table
    assert (out / "results.png").stat().st_size > 1000
    # cost per line in CPU time, which a paused or shared machine does not move; colog trains for longest
    assert all(r["train_cpu_seconds"] >= 0 and r["infer_cpu_seconds"] >= 0 for r in results)
    assert max(results, key=lambda r: r["train_cpu_seconds"])["method"] in ("colog", "pylogsentiment", "transformer")
    assert f"### CPU seconds per line, every thread (mean over the {len(results)} of {len(results)} rows" in table


def test_rows_written_before_cpu_time_was_recorded_keep_the_wall_clock():
    from colog.comparison.tables import markdown_table

    row = {"method": "dt", "dataset": "bgl", "protocol": "paper", "seed": 0, "macro_f1": 0.9, "anomaly_f1": 0.8,
           "train_seconds": 2.0, "infer_seconds": 1.0, "n_train": 100, "n_test": 10, "unseen_macro_f1": None}
    assert "### seconds per line, wall clock" in markdown_table([row])
    assert "| dt | 2.00e-02 | 1.00e-01 |" in markdown_table([row])
    timed = markdown_table([row, {**row, "seed": 1, "train_cpu_seconds": 4.0, "infer_cpu_seconds": 3.0}])
    assert "mean over the 1 of 2 rows that record them" in timed and "| dt | 4.00e-02 | 3.00e-01 |" in timed


def test_results_of_another_dataset_are_kept(bench, bundled):
    out, _ = bench
    code = main(["benchmark", str(bundled / "casper"), "--dataset", "casper", "--year", "2008", "--seeds", "0",
                 "--methods", "lr,keyword_rule", "--out", str(out)])
    assert code == 0
    merged = json.loads((out / "results.json").read_text())
    assert {r["dataset"] for r in merged} == {"bgl", "casper"}
    rule = [r for r in merged if r["dataset"] == "casper" and r["method"] == "keyword_rule"][0]
    assert rule["macro_f1"] == 1.0 and rule["note"] == "the labelling rule itself"  # keyword labels: leakage
    assert "casper (paper)" in (out / "results.md").read_text()


def test_colog_with_options_is_a_row_of_its_own(bench, bundled, tmp_path):
    out, _ = bench
    (tmp_path / "results.json").write_text((out / "results.json").read_text())
    code = main(["benchmark", str(bundled / "bgl"), "--dataset", "bgl", "--seeds", "0", "--epochs", "1",
                 "--min-epoch-steps", "0", "--methods", "colog", "--window-positions", *SMALL, "--out", str(tmp_path)])
    assert code == 0
    colog = [r for r in json.loads((tmp_path / "results.json").read_text())
             if r["dataset"] == "bgl" and r["method"] == "colog"]
    small = "--unk-dropout 0.1 " + " ".join(f"{flag} {value}" for flag, value in zip(SMALL[::2], SMALL[1::2]))
    assert sorted(r["options"] for r in colog) == [small, f"--window-positions {small}"]  # the other is kept
    table = (tmp_path / "results.md").read_text()
    assert f"| colog ({small}) |" in table and f"| colog (--window-positions {small}) |" in table


def test_unknown_method_is_named():
    with pytest.raises(UnknownNameError, match="unknown method 'rnn'"):
        method_names("lr,rnn")


def test_the_torch_free_list_of_names_is_every_method():
    from colog.comparison.baselines import METHODS

    assert set(ORDER) == set(METHODS) and len(ORDER) == len(METHODS)


def test_deep_baselines_train_under_colog_s_schedule(bench):
    _, results = bench
    deep = [r for r in results if r["method"] in ("lstm", "cnn", "transformer", "bilstm_attn", "pylogsentiment")]
    assert len(deep) == 5 and all(r["epochs"] == 3 and r["min_epoch_steps"] == 75 for r in deep)


def test_an_interrupted_run_keeps_the_seeds_it_finished(bundled, cache, tmp_path, monkeypatch):
    import colog.comparison.benchmark as benchmark

    real_make = benchmark.make

    def make(name, seed):
        method = real_make(name, seed)
        fit = method.fit

        def fit_or_stop(features, train, valid):
            if seed == 1:
                raise KeyboardInterrupt
            return fit(features, train, valid)
        method.fit = fit_or_stop
        return method

    monkeypatch.setattr(benchmark, "make", make)
    code = main(["benchmark", str(bundled / "casper"), "--dataset", "casper", "--year", "2008", "--seeds", "0,1",
                 "--methods", "lr,dt", "--out", str(tmp_path)])
    assert code == 130  # "colog: interrupted"
    saved = json.loads((tmp_path / "results.json").read_text())
    assert sorted((r["method"], r["seed"]) for r in saved) == [("dt", 0), ("lr", 0)]


def test_rows_scored_before_the_macro_fix_merge_on_todays_definition(tmp_path):
    from colog.comparison.tables import merge_results

    base = {"method": "svm", "dataset": "spark", "protocol": "chronological", "task": "point"}
    old = [{**base, "seed": 0, "n_test_unseen": 1, "n_test_unseen_anomalies": 1, "unseen_macro_f1": 0.5},  # right
           {**base, "seed": 1, "n_test_unseen": 4, "n_test_unseen_anomalies": 4, "unseen_macro_f1": 0.4},  # wrong
           {**base, "seed": 2, "n_test_unseen": 4, "n_test_unseen_anomalies": 2, "unseen_macro_f1": 0.5}]  # 2 classes
    (tmp_path / "results.json").write_text(json.dumps(old))
    merged = merge_results(tmp_path / "results.json", [{**base, "method": "dt", "seed": 0, "unseen_macro_f1": 1.0}])
    assert [r["unseen_macro_f1"] for r in merged] == [1.0, 0.4, 0.5, 1.0]


@pytest.mark.parametrize("text", ["{not json", '{"method": "svm"}', "[1, 2]"])
def test_earlier_results_that_cannot_be_merged_are_refused_before_any_fit(bundled, tmp_path, capsys, text):
    (tmp_path / "results.json").write_text(text)
    code = main(["benchmark", str(bundled / "casper"), "--dataset", "casper", "--year", "2008", "--seeds", "0",
                 "--methods", "lr", "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and "results.json" in err and "--out" in err and "Traceback" not in err
    assert (tmp_path / "results.json").read_text() == text  # the earlier file is kept, not overwritten
    assert not (tmp_path / "results.md").exists()


def test_a_seed_killed_in_its_colog_fit_resumes_there_and_scores_as_an_unbroken_one(bundled, cache, tmp_path,
                                                                                     monkeypatch, caplog):
    import colog.comparison.benchmark as benchmark
    from colog.training.checkpoint import Checkpoint

    args = ["benchmark", str(bundled / "casper"), "--dataset", "casper", "--year", "2008", "--seeds", "0",
            "--methods", "lr,colog", "--epochs", "2", "--min-epoch-steps", "0", *SMALL]  # three fits of it
    assert main(args + ["--out", str(tmp_path / "whole")]) == 0
    whole = json.loads((tmp_path / "whole" / "results.json").read_text())

    fitted, real_make, real_save = [], benchmark.make, Checkpoint.save

    def make(name, seed):
        fitted.append(name)
        return real_make(name, seed)

    def save_then_die(self, *args):
        real_save(self, *args)
        raise KeyboardInterrupt  # killed right after the first epoch's checkpoint

    monkeypatch.setattr(benchmark, "make", make)
    monkeypatch.setattr(Checkpoint, "save", save_then_die)
    out = tmp_path / "killed"
    assert main(args + ["--out", str(out)]) == 130 and not (out / "results.json").exists()
    (progress,) = (out / ".resume").iterdir()  # lr's row, and the state of CoLog's fit under way
    assert sorted(p.name for p in progress.iterdir()) == ["colog.safetensors", "rows.json"]

    monkeypatch.setattr(Checkpoint, "save", real_save)
    with caplog.at_level("INFO", logger="colog.training.loop"):
        assert main(args + ["--out", str(out)]) == 0
    assert "resuming after epoch 1 from" in caplog.text
    assert fitted == ["lr", "colog", "colog"]  # lr's row was kept, not fitted again
    resumed = json.loads((out / "results.json").read_text())
    for mine, theirs in zip(resumed, whole):
        assert mine["method"] == theirs["method"]
        assert {k: mine[k] for k in RESULT_KEYS if "seconds" not in k} == \
               {k: theirs[k] for k in RESULT_KEYS if "seconds" not in k}
    assert not (out / ".resume").exists()


def test_clearing_a_seeds_progress_keeps_another_runs(tmp_path):
    from colog.comparison.resume import RESUME, SeedProgress

    mine, theirs = (SeedProgress(tmp_path / RESUME / name, name) for name in ("bgl-seed3", "spark-seed3"))
    for progress in (mine, theirs):
        (progress.folder / "lr.safetensors").parent.mkdir(parents=True)
        (progress.folder / "lr.safetensors").write_bytes(b"a fit's state")
        progress.add({"method": "lr", "macro_f1": 0.5})
        assert not (progress.folder / "lr.safetensors").exists()  # the method finished: its checkpoint has served
    assert mine.finished() == {"lr": {"method": "lr", "macro_f1": 0.5}}
    assert SeedProgress(mine.folder, "another config").finished() == {}  # rows of another fingerprint: none
    mine.clear()
    assert not mine.folder.exists() and theirs.finished()  # a benchmark beside it into the same directory
    theirs.clear()
    assert not (tmp_path / RESUME).exists()
