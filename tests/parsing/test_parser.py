import pytest

from colog.errors import FormatError, UnknownNameError
from colog.parsing import LOG_SCHEMA, ParseConfig, parse_paths, resolve_format


LOGHUB = ["HDFS", "Hadoop", "Spark", "Zookeeper", "OpenStack", "BGL", "HPC", "Thunderbird", "Windows", "Linux", "Mac",
          "Android", "HealthApp", "Apache", "OpenSSH", "Proxifier"]


@pytest.mark.parametrize("folder", LOGHUB)
def test_auto_detection_gives_each_loghub_sample_its_own_preset(shared, folder):
    result = parse_paths([shared / "loghub-2k" / folder / f"{folder}_2k.log"], progress=False)
    summary = result.summary()
    assert result.formats == {f"{folder}_2k.log": folder.lower()}
    assert summary["matched"] >= 0.99 * summary["lines"]


@pytest.mark.parametrize("dataset", ["casper-rw", "dfrws-2009-nssal", "honeynet-challenge7"])
def test_auto_detection_gives_every_os_log_the_syslog_grammar(shared, dataset):
    from colog.parsing.readers import discover

    for log in discover([shared / dataset / "logs"]):
        result = parse_paths([log.path], progress=False)
        summary = result.summary()
        wanted = {"syslog", "dmesg"} if log.name.startswith("dmesg") else {"syslog"}
        assert summary["format"] in wanted and summary["matched"] >= 0.99 * summary["lines"], (log.name, summary)


def test_a_syslog_line_without_a_pid_parses(write_log):
    line = "Apr 22 12:17:14 ubuntu sudo:  student : TTY=pts/0 ; PWD=/home/student ; USER=root ; COMMAND=/bin/ls"
    table = parse_paths([write_log("auth.log", line + "\n")], ParseConfig(year=2009), progress=False).table
    row = table.to_pylist()[0]
    assert (row["matched"], row["component"], row["pid"], row["host"]) == (True, "sudo", None, "ubuntu")
    assert row["message"].startswith("student : TTY=pts/0") and row["timestamp"].year == 2009


def test_the_year_from_a_files_modification_time_is_said_once(write_log, caplog):
    logs = [write_log(f"syslog.{i}", "Apr 22 12:17:14 ubuntu cron[1]: tick\n") for i in range(3)]
    parse_paths(logs, progress=False)
    said = [r.message for r in caplog.records if "modification time" in r.getMessage()]
    assert len(said) == 1 and "--year" in said[0]
    caplog.clear()
    parse_paths(logs, ParseConfig(year=2009), progress=False)
    assert not [r for r in caplog.records if "modification time" in r.getMessage()]


def test_loghub_hosts_land_in_the_host_column(shared):
    for system in ("Linux", "OpenSSH"):
        row = parse_paths([shared / "loghub-2k" / system / f"{system}_2k.log"], progress=False).table.to_pylist()[0]
        assert row["host"] in ("combo", "LabSZ") and row["level"] is None and row["component"].startswith("sshd")


def test_syslog_directory_parses_every_line_with_templates(shared):
    result = parse_paths([shared / "casper-rw"], ParseConfig(year=2008), progress=False)
    table = result.table
    assert table.schema == LOG_SCHEMA
    assert table.num_rows == 11_086  # MANIFEST.md
    assert result.skipped == ["SOURCE.txt"]
    assert set(result.formats.values()) == {"syslog"}
    rows = table.to_pylist()
    auth = [r for r in rows if r["file"] == "logs/auth.log"]
    assert auth[0]["line"] == 1 and auth[0]["timestamp"].year == 2008
    assert auth[-1]["timestamp"].year == 2009  # Dec 28 -> Jan: the year rolled over
    years = [r["timestamp"].year for r in auth]
    assert years == sorted(years)  # monotone (the raw times are not: a clock change at 21:17 -> 21:07)
    # Same template id <=> same template text, and far fewer templates than lines.
    pairs = {(r["template_id"], r["template"]) for r in rows}
    assert len(pairs) == len({p[0] for p in pairs}) == result.n_templates < 1000


def test_dmesg_without_timestamps_is_parsed_as_kernel_messages(shared):
    result = parse_paths([shared / "dfrws-2009-nssal/logs/dmesg"], progress=False)
    assert result.formats == {"dmesg": "dmesg"}
    assert result.table["component"][0].as_py() == "kernel"


def test_unmatched_lines_are_kept_and_flagged(write_log):
    path = write_log("hdfs.log",
                     "081109 203615 148 INFO dfs.DataNode: PacketResponder 1 terminating\n"
                     "java.io.IOException: Connection reset by peer\n"
                     "081109 203616 149 WARN dfs.DataNode: Got exception\n")
    table = parse_paths([path], progress=False).table
    assert table["matched"].to_pylist() == [True, False, True]
    assert table["message"][1].as_py() == "java.io.IOException: Connection reset by peer"
    assert table["line"].to_pylist() == [1, 2, 3]


def test_control_bytes_and_bad_utf8_do_not_break_parsing(write_log):
    path = write_log("auth.log", b"Jan  1 00:00:01 h sshd[1]: bad \xff\xfe user \x00\x00name\n"
                                 b"Jan  1 00:00:02 h sshd[1]: ok\x1b[0m\n")
    table = parse_paths([path], progress=False).table
    assert table.num_rows == 2 and all(table["matched"].to_pylist())
    assert "\ufffd" in table["message"][0].as_py() and "\x00" not in table["message"][0].as_py()


def test_ten_megabyte_line_is_parsed(write_log):
    path = write_log("auth.log", "Jan  1 00:00:01 h app: " + "z" * 10_000_000 + "\nJan  1 00:00:02 h app: ok\n")
    table = parse_paths([path], progress=False).table
    assert table.num_rows == 2 and len(table["message"][0].as_py()) == 10_000_000


@pytest.mark.parametrize("fmt", ["syslog", "spark", "android", "proxifier", "openssh", "mac", "openstack", "journald"])
def test_a_ten_megabyte_token_is_one_parameter_under_every_format(fmt):
    """Several presets' masks backtrack quadratically on one long run (20k characters 0.7 s, 80k 15 s); a run of
    LONG_TOKEN characters or more becomes a parameter before they see it."""
    from colog.parsing.templates import TemplateMiner

    miner = TemplateMiner(resolve_format(fmt).drain)
    for token in ("a" * 10_000_000, "1" * 10_000_000):
        assert miner.template(miner.add(f"start {token} end")) == "start <*> end"


def test_format_that_matches_too_little_is_an_error(shared):
    with pytest.raises(FormatError, match=r"format 'bgl' matches 0% .*e\.g\. "):
        parse_paths([shared / "loghub-2k/HDFS/HDFS_2k.log"], ParseConfig(format="bgl"), progress=False)


def test_unknown_text_is_an_error_that_names_the_best_try(write_log):
    path = write_log("notes.txt", "just some prose\nwithout any header\n")
    with pytest.raises(FormatError, match=r"no known format matches \(none matches any of the first 2 lines\)"):
        parse_paths([path], progress=False)
    mixed = write_log("mixed.txt", "Jan  1 00:00:00 h su[1]: x\n" + "prose\n" * 29)  # 1 of 30: under 5 %
    with pytest.raises(FormatError, match=r"no known format matches \(best syslog at 3%\)"):
        parse_paths([mixed], progress=False)


def test_user_format_string_and_unknown_names(write_log):
    path = write_log("app.log", "2024-01-02 03:04:05 [ERROR] disk full\n2024-01-02 03:04:06 [INFO] ok\n")
    table = parse_paths([path], ParseConfig(format="<Date> <Time> [<Level>] <Content>"), progress=False).table
    assert table["level"].to_pylist() == ["ERROR", "INFO"]
    with pytest.raises(UnknownNameError, match="valid: .*hdfs"):
        resolve_format("nosuch")


def test_template_state_round_trips_through_json(shared):
    """A miner rebuilt from its JSON state assigns the same ids and templates as the original."""
    import json

    from colog.parsing.fields import DrainSettings
    from colog.parsing.templates import TemplateMiner

    messages = [line.split(": ", 1)[-1] for line in
                (shared / "loghub-2k/HDFS/HDFS_2k.log").read_text().splitlines()]
    original = TemplateMiner(DrainSettings(0.5, 4, (r"blk_-?\d+", r"\d+\.\d+\.\d+\.\d+(:\d+)?")))
    for m in messages[:1000]:
        original.add(m)
    rebuilt = TemplateMiner.from_state(json.loads(json.dumps(original.to_state())))
    assert [original.add(m) for m in messages[1000:]] == [rebuilt.add(m) for m in messages[1000:]]
    assert original.n_templates == rebuilt.n_templates
    assert all(original.template(i) == rebuilt.template(i) for i in original.drain.id_to_cluster)
