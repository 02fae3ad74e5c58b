import pytest

from colog.cli.main import main


@pytest.mark.parametrize("argv, reason", [
    (["detect", "x", "--model", "y"], "No such option: --model"),
    (["train"], "Missing argument 'paths'"),
    (["train", "x", "--epochs", "abc"], "Invalid value for '--epochs'"),
])
def test_usage_errors_exit_2_with_the_reason_not_an_internal_error(capsys, argv, reason):
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2 and reason in err and "internal error" not in err and "Traceback" not in err


def test_no_arguments_prints_help_and_exits_2(capsys):
    code = main([])
    out, err = capsys.readouterr()
    assert code == 2 and "Usage" in out + err and "internal error" not in err
