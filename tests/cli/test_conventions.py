"""One CLI convention: -o/--out everywhere, --version, global flags after the command, outputs typed by their
extension, every option explained, examples at the end of every help."""

import csv
import json

import pyarrow.parquet as pq
import pytest
import typer

from colog.cli.main import app, main

COMMANDS = typer.main.get_command(app).commands


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def options(command):
    return [p for p in COMMANDS[command].params if p.param_type_name == "option" and p.name != "help"]


@pytest.mark.parametrize("command", sorted(set(COMMANDS) - {"datasets", "evaluate", "serve", "models"}))
def test_every_output_is_dash_o_or_dash_dash_out_and_optional(command):
    out = [p for p in options(command) if p.name == "out"]
    assert len(out) == 1 and set(out[0].opts) == {"-o", "--out"} and not out[0].required


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_option_says_what_it_does_and_names_its_value(command):
    for param in options(command):
        assert param.help, f"{command} {param.opts} has no help text"
        assert param.is_flag or param.metavar, f"{command} {param.opts} shows its type as <...>"


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_help_ends_with_examples(capsys, command):
    code, out, _ = run(capsys, command, "--help")
    tail = out.rstrip().split("Examples:")[-1].strip().splitlines()
    assert code == 0 and "Examples:" in out and tail and all(line.strip().startswith(("colog ", "journalctl", "curl"))
                                                              for line in tail)
    assert "<bool>" not in out and "{" not in out.splitlines()[0]  # usage: `colog train [OPTIONS] PATH...`


def test_version_before_and_after_the_command(capsys):
    from colog import __version__

    assert run(capsys, "--version") == (0, f"colog {__version__}\n", "")
    assert run(capsys, "parse", "--version")[:2] == (0, f"colog {__version__}\n")


@pytest.mark.parametrize("where", ["before", "after"])
def test_verbose_before_or_after_the_command(capsys, bundled, where):
    argv = ["-v", "parse", bundled / "bgl"] if where == "before" else ["parse", bundled / "bgl", "--verbose"]
    code, _, err = run(capsys, *argv)
    assert code == 0 and "colog: parsed 4000 lines from 1 files" in err
    assert "colog: parsed" not in run(capsys, "parse", bundled / "bgl")[2]  # warnings only without it


def test_the_old_output_spelling_still_works_unlisted(capsys, bundled, tmp_path):
    target = tmp_path / "t.parquet"
    assert run(capsys, "parse", bundled / "bgl", "--output", target)[0] == 0
    assert pq.read_table(target).num_rows > 0
    assert "--output" not in run(capsys, "parse", "--help")[1]


def test_parse_output_type_follows_the_extension(capsys, bundled, tmp_path):
    for name in ("t.csv", "t.jsonl", "t.parquet"):
        assert run(capsys, "parse", bundled / "bgl", "-o", tmp_path / name)[0] == 0
    csv_lines = (tmp_path / "t.csv").read_text().splitlines()
    assert csv_lines[0].startswith('"file","line"') and csv_lines[1].endswith(',true,"bgl"')  # matched: true
    rows = [json.loads(line) for line in (tmp_path / "t.jsonl").read_text().splitlines()]
    assert len(rows) == len(csv_lines) - 1 == pq.read_table(tmp_path / "t.parquet").num_rows
    assert rows[0]["matched"] is True


def test_parse_to_stdout_keeps_the_summary_on_stderr(capsys, bundled):
    code, out, err = run(capsys, "parse", bundled / "bgl", "-o", "-", "--json")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(rows) == json.loads(err)["lines"] and rows[0]["file"]


def test_an_unknown_output_type_names_the_valid_ones(capsys, bundled, tmp_path):
    code, _, err = run(capsys, "parse", bundled / "bgl", "-o", tmp_path / "t.txt")
    assert code == 2 and "unknown output type '.txt'; use .csv, .json, .jsonl, .ndjson, .parquet" in err
    assert list(tmp_path.iterdir()) == []


def test_detect_writes_to_stdout_dev_null_parquet_and_csv(capsys, casper_run, bundled, tmp_path):
    log = bundled / "casper" / "auth.log"
    code, out, _ = run(capsys, "detect", casper_run, log, "-o", "-")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(rows) == 194 and rows[0]["file"] == "auth.log"
    assert run(capsys, "detect", casper_run, log, "-o", "/dev/null")[0] == 0
    assert run(capsys, "detect", casper_run, log, "-o", tmp_path / "v.parquet")[0] == 0
    table = pq.read_table(tmp_path / "v.parquet")
    assert table.num_rows == 194 and table["probability"].to_pylist() == [r["probability"] for r in rows]
    assert run(capsys, "detect", casper_run, log, "-o", tmp_path / "v.csv")[0] == 0
    with open(tmp_path / "v.csv", newline="", encoding="utf-8") as f:
        csv_rows = list(csv.DictReader(f))
    assert {r["matched"] for r in csv_rows} == {"true"} and {r["new_template"] for r in csv_rows} <= {"true", "false"}


def test_watch_refuses_parquet_it_cannot_append_to(capsys, casper_run, tmp_path):
    code, _, err = run(capsys, "watch", casper_run, tmp_path / "a.log", "-o", tmp_path / "v.parquet")
    assert code == 2 and "unknown output type '.parquet'" in err


def test_a_bad_format_string_is_one_error_before_any_file_is_read(capsys, shared):
    code, _, err = run(capsys, "parse", shared / "casper-rw", "--format", "<Date>_<Time>")
    assert code == 2 and err.splitlines() == ["colog: error: format '<Date>_<Time>' has no <Content> field"]


def test_datasets_json_help_says_what_it_prints(capsys):
    help_text = run(capsys, "datasets", "--help")[1]
    assert "presets as a JSON list" in help_text and "counts" not in help_text
