import json
import os

import pyarrow.parquet as pq
import pytest

from colog.cli.main import main


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_datasets_lists_presets_with_rules(capsys):
    code, out, _ = run(capsys, "datasets", "--json")
    rows = {r["name"]: r for r in json.loads(out)}
    assert code == 0
    assert rows["zookeeper"]["rule"] == "level:WARN,ERROR,FATAL" and "WARN alone" in rows["zookeeper"]["note"]
    assert rows["bgl"]["rule"] == "column" and rows["casper"]["format"] == "syslog"


def test_parse_writes_a_logtable_and_json_counts(capsys, shared, tmp_path):
    out_file = tmp_path / "t.parquet"
    code, out, _ = run(capsys, "parse", shared / "loghub-2k/BGL/BGL_2k.log", "--dataset", "bgl", "-o", out_file,
                       "--json")
    summary = json.loads(out)
    assert code == 0
    assert summary["lines"] == summary["matched"] == 2000 and summary["format"] == "bgl"
    assert summary["templates"] > 50
    table = pq.read_table(out_file)
    for col in ("file", "line", "timestamp", "host", "component", "level", "message", "template_id", "template",
                "matched"):
        assert col in table.column_names
    assert [p.name for p in tmp_path.iterdir()] == ["t.parquet"]  # no temp file left behind


def test_label_raw_logs_and_a_parsed_table(capsys, bundled, tmp_path):
    parsed = tmp_path / "casper.parquet"
    assert run(capsys, "parse", bundled / "casper", "-o", parsed, "--year", "2008")[0] == 0
    code, out, _ = run(capsys, "label", parsed, "--dataset", "casper", "--window", "background:1", "--json",
                       "-o", tmp_path / "labeled.parquet")
    from_table = json.loads(out)
    code2, out2, _ = run(capsys, "label", bundled / "casper", "--dataset", "casper", "--json")
    from_raw = json.loads(out2)
    assert code == code2 == 0
    assert from_table["labels"]["anomaly"] == from_raw["labels"]["anomaly"] == 604
    assert sum(from_table["labels"]["classes"].values()) == from_raw["lines"]
    assert "class" in pq.read_table(tmp_path / "labeled.parquet").column_names


def test_human_summary(capsys, bundled):
    code, out, _ = run(capsys, "label", bundled / "bgl", "--dataset", "bgl")
    assert code == 0 and "216 anomalies (5.4%) by column:alert" in out


@pytest.fixture
def bad_inputs(tmp_path, shared):
    (tmp_path / "emptydir").mkdir()
    (tmp_path / "empty.log").write_bytes(b"")
    (tmp_path / "logs.zst").write_bytes(b"\x28\xb5\x2f\xfd" + os.urandom(2000))  # gzip, bzip2, xz: read as logs
    (tmp_path / "pic.png").write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(2000))
    hdfs = shared / "loghub-2k/HDFS/HDFS_2k.log"
    return tmp_path, hdfs


@pytest.mark.parametrize("case, expected", [
    (lambda d, h: ["parse", d / "missing.log"], "no such file or directory"),
    (lambda d, h: ["parse", d / "emptydir"], "no readable, non-empty text log files"),
    (lambda d, h: ["parse", d / "empty.log"], "empty file"),
    (lambda d, h: ["parse", d / "logs.zst"], "zstd-compressed"),
    (lambda d, h: ["parse", d / "pic.png"], "PNG image"),
    (lambda d, h: ["parse", h, "--format", "<Date> <Time> <Level>"], "has no <Content> field"),
    (lambda d, h: ["parse", h, "--format", "bgl"], "format 'bgl' matches 0% of the first 200 lines; e.g. '081109"),
    (lambda d, h: ["parse", h, "--dataset", "nosuch"], "unknown dataset 'nosuch'; valid: android, apache"),
    (lambda d, h: ["label", h, "--rule", "vibes"], "unknown label rule 'vibes'; valid: "),
    (lambda d, h: ["label", h], "pass --dataset NAME or --rule RULE"),
    (lambda d, h: ["label", h, "--dataset", "hpc"], "dataset 'hpc' has no label rule"),
    (lambda d, h: ["label", h, "--rule", "level", "--window", "ahead:2"], "window 'ahead:2' is malformed"),
    (lambda d, h: ["parse", h, "-o", d / "no/such/dir/t.parquet"], "output directory"),
    (lambda d, h: ["parse", h, "-o", d], "is a directory"),
    # the commands that write a directory: none is made before the logs are read
    (lambda d, h: ["benchmark", d / "missing.log", "--dataset", "casper", "-o", d / "bench"], "no such file"),
    (lambda d, h: ["study", "window", d / "missing.log", "--dataset", "casper", "-o", d / "study"], "no such file"),
    (lambda d, h: ["train", d / "missing.log", "--dataset", "casper", "-o", d / "run"], "no such file"),
])
def test_bad_input_gives_one_line_and_nonzero_exit(capsys, bad_inputs, case, expected):
    tmp, hdfs = bad_inputs
    before = sorted(p.name for p in tmp.iterdir())
    code, out, err = run(capsys, *case(tmp, hdfs))
    assert code != 0
    assert expected in err, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert sorted(p.name for p in tmp.iterdir()) == before  # nothing half-written


def test_unwritable_output(capsys, bad_inputs):
    if os.geteuid() == 0:
        pytest.skip("root can write anywhere")
    tmp, hdfs = bad_inputs
    locked = tmp / "locked"
    locked.mkdir(mode=0o500)
    code, _, err = run(capsys, "parse", hdfs, "-o", locked / "t.parquet")
    assert code != 0 and "not writable" in err


def test_debug_env_shows_the_traceback(capsys, bad_inputs, monkeypatch):
    monkeypatch.setenv("COLOG_DEBUG", "1")
    tmp, _ = bad_inputs
    from colog.errors import InputError

    with pytest.raises(InputError):
        main(["parse", str(tmp / "missing.log")])


def test_read_only_filesystem_output(capsys, bad_inputs):
    _, hdfs = bad_inputs
    code, _, err = run(capsys, "parse", hdfs, "-o", "/proc/colog-test.parquet")
    assert code != 0 and "cannot write" in err and len(err.strip().splitlines()) == 1


def test_demo_runs_on_bundled_data(capsys, tmp_path, cache):
    code, out, _ = run(capsys, "demo", "--out", tmp_path, "--epochs", "1", "--min-epoch-steps", "0")
    assert code == 0
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["casper"]["labels"]["anomaly"] == 604 and summary["bgl"]["labels"]["anomaly"] == 216
    assert (tmp_path / "casper.parquet").exists() and "most frequent anomalous templates" in out
    assert (tmp_path / "casper-run" / "report.html").is_file()
    assert "== detect on auth.log: 194 lines" in out and "macro-F1" in out
