import os
import signal
import subprocess
import sys
import time

import pytest

from colog.cli.main import main
from colog.model import CoLogConfig


@pytest.mark.parametrize("argv, reason", [
    (["detect", "x", "--modle", "y"], "No such option: --modle"),
    (["train"], "Missing argument 'PATH'"),
    (["train", "x", "--epochs", "abc"], "Invalid value for '--epochs'"),
    (["serve", "x", "--port", "99999"], "Invalid value for '--port'"),
    (["serve", "x", "--max-body-bytes", "0"], "Invalid value for '--max-body-bytes'"),
    (["watch", "x", "y", "--interval", "-1"], "Invalid value for '--interval'"),
    (["detect", "x", "y", "--max-line-bytes", "0"], "Invalid value for '--max-line-bytes'"),
    (["detect", "x", "y", "--ray", "--workers", "0"], "Invalid value for '--workers'"),
    (["tune", "x", "--out", "t", "--num-samples", "0"], "Invalid value for '--num-samples'"),
    (["tune", "x", "--out", "t", "--cpus-per-trial", "0"], "Invalid value for '--cpus-per-trial'"),
    (["tune", "x", "--out", "t", "--best-epochs", "0"], "Invalid value for '--best-epochs'"),
    (["benchmark", "x", "--out", "b", "--seeds", "0,-1"], "expected one or more integers >= 0"),
    (["study", "window", "x", "--out", "s", "--sizes", "0,1"], "expected window sizes W >= 1"),
    (["study", "window", "x", "--out", "s", "--sizes", "1,40"], "window 'context:40' spans 81 lines"),
    (["study", "train-ratio", "x", "--out", "s", "--ratios", "0.5,0.95"], "training shares must lie in (0, 0.9)"),
    (["study", "robustness", "x", "--out", "s", "--ratios", "1.5"], "mutated shares must lie in [0, 1]"),
])
def test_usage_errors_exit_2_with_the_reason_not_an_internal_error(capsys, argv, reason):
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2 and reason in err and "internal error" not in err and "Traceback" not in err


def test_no_arguments_prints_help_and_exits_2(capsys):
    code = main([])
    out, err = capsys.readouterr()
    assert code == 2 and "Usage" in out + err and "internal error" not in err


def test_demo_with_a_bad_flag_stops_before_writing_anything(capsys, tmp_path):
    out = tmp_path / "demo"
    code = main(["demo", "--epochs", "0", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and "training epochs=0" in err and "internal error" not in err
    assert not out.exists()


@pytest.fixture
def caught_config(monkeypatch, capsys):
    """The ExperimentConfig `colog COMMAND ARGV` builds, caught before any work is done."""
    import contextlib

    import colog.experiment
    import colog.comparison.benchmark
    import colog.comparison.studies
    import colog.scale.cluster
    import colog.scale.tune
    from colog.errors import CologError

    def stop(config, *_, **__):
        seen.append(config)
        raise CologError("stopped before training")

    def _config(argv):
        seen.clear()
        assert main(argv) == 2
        assert "stopped before training" in capsys.readouterr().err
        return seen[0]

    seen = []
    monkeypatch.setattr(colog.experiment, "train_run", stop)
    monkeypatch.setattr(colog.comparison.benchmark, "run_benchmark", stop)
    monkeypatch.setattr(colog.comparison.studies, "run_study", lambda name, config, *a, **k: stop(config))
    monkeypatch.setattr(colog.scale.tune, "run_tune", stop)
    monkeypatch.setattr(colog.scale.cluster, "ray_session", lambda address: contextlib.nullcontext())
    return _config


@pytest.mark.parametrize("task, flag, included", [
    ("point", [], True), ("collective", [], False),  # the paper's windows
    ("collective", ["--current-line"], True), ("point", ["--no-current-line"], False),
])
def test_train_current_line_flag_decides_whether_the_window_holds_the_line(caught_config, task, flag, included):
    config = caught_config(["train", "x", "--task", task, *flag])
    assert config.includes_current is included
    assert config.to_dict()["include_current"] == (None if not flag else included)


@pytest.mark.parametrize("flag, on", [([], False), (["--window-positions"], True)])
def test_train_window_positions_flag_reaches_the_model_config(caught_config, flag, on):
    assert caught_config(["train", "x", "--task", "collective", *flag]).model.window_positions is on


@pytest.mark.parametrize("command", [["train", "x"], ["benchmark", "x", "--out", "b"],
                                     ["study", "ablation", "x", "--out", "s"], ["tune", "x", "--out", "t"]])
def test_every_command_that_trains_colog_takes_its_options(caught_config, command):
    default = caught_config([*command, "--task", "collective"])  # colog's network: the paper's, words dropped
    assert default.model == CoLogConfig.shipped() and default.options == "--unk-dropout 0.1"
    assert not default.includes_current and not default.model.window_positions
    paper = caught_config([*command, "--task", "collective", "--unk-dropout", "0"])
    assert paper.model == CoLogConfig() and paper.options == ""
    ours = caught_config([*command, "--task", "collective", "--current-line", "--window-positions", "--bit-heads",
                          "--unk-dropout", "0.2", "--window-dropout", "0.2"])
    assert ours.includes_current and ours.model.window_positions and ours.model.bit_heads
    assert (ours.model.unk_dropout, ours.model.window_dropout) == (0.2, 0.2)
    assert ours.options == "--current-line --window-positions --bit-heads --unk-dropout 0.2 --window-dropout 0.2"


@pytest.mark.parametrize("command", [["train", "x"], ["benchmark", "x", "--out", "b"],
                                     ["study", "ablation", "x", "--out", "s"]])
def test_network_sizes_reach_the_model_and_name_the_figures(caught_config, command):
    paper = caught_config(command).model
    assert (paper.layers, paper.heads, paper.hidden, paper.ffn, paper.dropout) == (2, 4, 256, 2048, 0.1)
    sizes = ["--layers", "1", "--heads", "2", "--hidden", "64", "--ffn", "512", "--dropout", "0.2"]
    small = caught_config([*command, "--window-positions", "--unk-dropout", "0", *sizes])
    assert (small.model.layers, small.model.heads, small.model.hidden, small.model.ffn,
            small.model.dropout) == (1, 2, 64, 512, 0.2)
    assert small.options == "--window-positions --layers 1 --heads 2 --hidden 64 --ffn 512 --dropout 0.2"
    assert caught_config([*command, "--ffn", "2048", "--hidden", "256"]).options == "--unk-dropout 0.1"  # sizes said


def test_sigterm_removes_the_half_written_run_and_says_so(bundled, cache, tmp_path):
    """systemd, `timeout` and `kill` stop a process with SIGTERM: it ends like Ctrl-C, one line and no
    half-written run directory left beside the one asked for."""
    env = {**os.environ, "COLOG_CACHE": str(cache)}
    run = subprocess.Popen([sys.executable, "-m", "colog.cli.main", "train", str(bundled / "casper"), "--dataset",
                            "casper", "--epochs", "20", "-o", str(tmp_path / "run")], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    end = time.monotonic() + 120
    while not list(tmp_path.glob(".run.*")) and run.poll() is None and time.monotonic() < end:
        time.sleep(0.05)
    assert list(tmp_path.glob(".run.*")), "the run never started writing"
    run.send_signal(signal.SIGTERM)
    _, err = run.communicate(timeout=120)
    assert run.returncode == 128 + signal.SIGTERM
    assert err.decode().strip().splitlines()[-1] == "colog: terminated"
    assert list(tmp_path.iterdir()) == []
