"""What real machines write: compressed rotations, standard input, journald and Docker JSON lines."""

import bz2
import gzip
import json
import lzma
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from colog.errors import FormatError
from colog.parsing import ParseConfig, parse_paths, resolve_format

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def colog(*argv, stdin: bytes = b"") -> subprocess.CompletedProcess:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    return subprocess.run([sys.executable, "-m", "colog.cli.main", *map(str, argv)], input=stdin,
                          capture_output=True, env=env, timeout=300)


def test_compressed_rotations_read_as_they_are(bundled, tmp_path):
    raw = (bundled / "casper" / "auth.log").read_bytes()
    (tmp_path / "auth.log").write_bytes(raw)
    (tmp_path / "auth.log.1.gz").write_bytes(gzip.compress(raw))
    (tmp_path / "auth.log.2.bz2").write_bytes(bz2.compress(raw))
    (tmp_path / "auth.log.3.xz").write_bytes(lzma.compress(raw))
    table = parse_paths([tmp_path], ParseConfig(year=2008), progress=False).table
    by_file = {}
    for row in table.select(["file", "message"]).to_pylist():
        by_file.setdefault(row["file"], []).append(row["message"])
    assert sorted(by_file) == ["auth.log", "auth.log.1.gz", "auth.log.2.bz2", "auth.log.3.xz"]
    assert all(messages == by_file["auth.log"] for messages in by_file.values()) and len(by_file["auth.log"]) == 194


def test_a_truncated_gzip_is_one_error(bundled, tmp_path):
    broken = tmp_path / "auth.log.1.gz"
    broken.write_bytes(gzip.compress((bundled / "casper" / "auth.log").read_bytes())[:500])
    with pytest.raises(Exception, match="cannot read"):
        parse_paths([broken], progress=False)


def test_standard_input_parses_under_the_name_given(bundled):
    log = (bundled / "casper" / "kern.log").read_bytes()
    done = colog("parse", "-", "--name", "kern.log", "--year", "2008", "--json", stdin=gzip.compress(log))
    summary = json.loads(done.stdout)
    assert done.returncode == 0 and summary["lines"] == log.count(b"\n") and summary["format"] == "syslog"
    done = colog("label", "-", "--name", "kern.log", "--dataset", "casper", "--json", stdin=log)
    assert done.returncode == 0 and json.loads(done.stdout)["labels"]["anomaly"] > 0  # kern's keyword list applied


def test_journald_json_lines():
    result = parse_paths([FIXTURES / "auth.journal.json"], progress=False)
    rows = result.table.to_pylist()
    assert result.formats == {"auth.journal.json": "journald"} and all(r["matched"] for r in rows)
    first = rows[0]
    assert (first["timestamp"], first["host"], first["component"], first["pid"], first["level"]) == \
        (datetime(2008, 12, 28, 13, 11, 46), "ubuntu", "gdm", "8057", "info")
    assert first["message"] == "pam_unix(gdm-autologin:session): session opened for user ubuntu by (uid=0)"
    assert rows[6]["message"] == "pam_unix(su:auth): bad \ufffd byte"  # MESSAGE as an array of byte values


def test_docker_json_file_lines():
    rows = parse_paths([FIXTURES / "zookeeper.docker.log"], progress=False).table.to_pylist()
    assert {r["format"] for r in rows} == {"docker"} and all(r["matched"] for r in rows)
    assert rows[0]["message"] == "2015-07-29 17:41:41,544 - INFO  [main:QuorumPeerConfig@334] - Defaulting to " \
                                 "majority quorums"  # the newline json-file keeps is gone
    assert rows[0]["timestamp"] == datetime(2015, 7, 29, 17, 41, 41, 544000) and rows[0]["component"] == "stdout"


def test_any_json_lines_by_their_field_names(write_log):
    line = {"@timestamp": "2024-05-01T10:00:00.5+02:00", "log": {"level": "error"}, "host": {"name": "web1"},
            "msg": "disk full on /dev/sda1"}
    path = write_log("app.json", json.dumps(line) + "\n" + json.dumps({**line, "msg": None}) + "\n")
    spec = "json:message=msg,timestamp=@timestamp,level=log.level,host=host.name"
    rows = parse_paths([path], ParseConfig(format=spec), progress=False).table.to_pylist()
    assert (rows[0]["message"], rows[0]["level"], rows[0]["host"]) == ("disk full on /dev/sda1", "error", "web1")
    assert rows[0]["timestamp"] == datetime(2024, 5, 1, 8, 0, 0, 500000)  # naive UTC
    assert rows[1]["matched"] is False  # no message: kept, flagged


@pytest.mark.parametrize("spec, message", [("json:timestamp=ts", "names no message field"),
                                           ("json:message=msg,colour=c", "'colour=c' is not COLUMN=FIELD")])
def test_a_malformed_json_format_is_one_error(spec, message):
    with pytest.raises(FormatError, match=message):
        resolve_format(spec)


def test_detect_reads_journald_from_standard_input(casper_run):
    journal = (FIXTURES / "auth.journal.json").read_bytes()
    done = colog("detect", casper_run, "-", "--name", "auth.log", stdin=journal)
    verdicts = [json.loads(line) for line in done.stdout.splitlines()]
    assert done.returncode == 0 and len(verdicts) == 61 and {v["file"] for v in verdicts} == {"auth.log"}
    assert all(v["matched"] and v["probability"] is not None for v in verdicts)
