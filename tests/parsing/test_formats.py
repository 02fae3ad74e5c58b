import csv
from datetime import datetime

import pytest

from colog.errors import FormatError
from colog.parsing.formats import LOGHUB_PRESETS, compile_header, user_format

SYSTEMS = ["HDFS", "Hadoop", "Spark", "Zookeeper", "OpenStack", "BGL", "HPC", "Thunderbird", "Windows", "Linux",
           "Mac", "Android", "HealthApp", "Apache", "OpenSSH", "Proxifier"]


def test_there_is_a_preset_per_loghub_system():
    assert sorted(LOGHUB_PRESETS) == sorted(s.lower() for s in SYSTEMS)


@pytest.mark.parametrize("system", SYSTEMS)
def test_preset_extracts_loghub_content_exactly(shared, system):
    fmt = LOGHUB_PRESETS[system.lower()]
    folder = shared / "loghub-2k" / system
    raw = (folder / f"{system}_2k.log").read_text(encoding="utf-8").splitlines()
    with open(folder / f"{system}_2k.log_structured.csv", newline="", encoding="utf-8") as fh:
        truth = list(csv.DictReader(fh))
    for row in truth[:300]:
        fields = fmt.match(raw[int(row["LineId"]) - 1])
        assert fields is not None, row
        assert fields.message == row["Content"].strip()


@pytest.mark.parametrize("system, expected", [
    ("hdfs", datetime(2008, 11, 9, 20, 36, 15)),
    ("bgl", datetime(2005, 6, 3, 15, 42, 50, 675872)),
    ("zookeeper", datetime(2015, 7, 29, 17, 41, 44, 747000)),
    ("apache", datetime(2005, 12, 4, 4, 47, 44)),
])
def test_preset_timestamps(shared, system, expected):
    name = {"hdfs": "HDFS", "bgl": "BGL", "zookeeper": "Zookeeper", "apache": "Apache"}[system]
    first = (shared / "loghub-2k" / name / f"{name}_2k.log").read_text().splitlines()[0]
    assert LOGHUB_PRESETS[system].match(first).timestamp == expected


def test_bgl_fields_and_empty_message():
    line = "KERNDTLB 1118536327 2005.06.11 R30-M0-N9-C:J16-U01 2005-06-11-17.32.07.581048 R30-M0-N9-C:J16-U01 RAS KERNEL FATAL"
    fields = LOGHUB_PRESETS["bgl"].match(line)
    assert (fields.alert, fields.level, fields.component, fields.message) == ("KERNDTLB", "FATAL", "KERNEL", "")


def test_presets_reject_each_others_lines():
    hdfs = "081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 for block blk_1 terminating"
    assert LOGHUB_PRESETS["hdfs"].match(hdfs) is not None
    for other in ("hadoop", "spark", "zookeeper", "bgl", "windows", "apache", "healthapp"):
        assert LOGHUB_PRESETS[other].match(hdfs) is None, other


def test_user_format_string():
    fmt = user_format("<Date> <Time> [<Level>] <Content>")
    fields = fmt.match("2024-01-02 03:04:05 [ERROR] disk full on /dev/sda1")
    assert (fields.level, fields.message) == ("ERROR", "disk full on /dev/sda1")
    assert fmt.match("no header here") is None


@pytest.mark.parametrize("header, message", [("<Date> <Time> <Level>", "no <Content>"),
                                            ("<Content> <Date>", "must be the last"),
                                            ("<Date> <Date> <Content>", "distinct")])
def test_malformed_format_strings(header, message):
    with pytest.raises(FormatError, match=message):
        compile_header(header)


def test_long_line_matches_on_its_header_only():
    line = "081109 203615 148 INFO dfs.DataNode: " + "y " * 3_000_000
    fields = LOGHUB_PRESETS["hdfs"].match(line)
    assert fields is not None and len(fields.message) == len(("y " * 3_000_000).strip())
