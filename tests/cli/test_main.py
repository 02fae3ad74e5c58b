import pytest

from colog.cli.main import main


@pytest.mark.parametrize("argv, reason", [
    (["detect", "x", "--model", "y"], "No such option: --model"),
    (["train"], "Missing argument 'paths'"),
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
def train_config(monkeypatch, capsys):
    """The ExperimentConfig `colog train ARGV` builds, caught before any work is done."""
    import colog.experiment
    from colog.errors import CologError

    def stop(config, out, overwrite=False):
        seen.append(config)
        raise CologError("stopped before training")

    def _config(argv):
        seen.clear()
        assert main(["train", "x", *argv]) == 2
        assert "stopped before training" in capsys.readouterr().err
        return seen[0]

    seen = []
    monkeypatch.setattr(colog.experiment, "train_run", stop)
    return _config


@pytest.mark.parametrize("task, flag, included", [
    ("point", [], True), ("collective", [], False),  # the paper's windows
    ("collective", ["--current-line"], True), ("point", ["--no-current-line"], False),
])
def test_train_current_line_flag_decides_whether_the_window_holds_the_line(train_config, task, flag, included):
    config = train_config(["--task", task, *flag])
    assert config.includes_current is included
    assert config.to_dict()["include_current"] == (None if not flag else included)


@pytest.mark.parametrize("flag, on", [([], False), (["--window-positions"], True)])
def test_train_window_positions_flag_reaches_the_model_config(train_config, flag, on):
    assert train_config(["--task", "collective", *flag]).model.window_positions is on
