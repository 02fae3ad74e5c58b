import pytest

from colog.errors import InputError
from colog.parsing.readers import binary_reason, clean_line, discover, file_type, read_lines


def test_clean_line_decodes_with_replacement_and_neutralises_controls():
    assert clean_line(b"caf\xe9 ok\r\n") == "caf\ufffd ok"
    assert clean_line(b"a\x00\x00b\x07c\n") == "ab c"


def test_read_lines_keeps_true_line_numbers_and_skips_blank(write_log):
    path = write_log("x.log", "one\n\n   \nfour\n")
    assert list(read_lines(path)) == [(1, "one"), (4, "four")]


def test_megabyte_line_is_read_whole(write_log):
    path = write_log("big.log", "start " + "x" * 10_000_000 + "\nnext\n")
    lines = list(read_lines(path))
    assert len(lines) == 2 and len(lines[0][1]) == 10_000_006


@pytest.mark.parametrize("head, what", [(b"\x28\xb5\x2f\xfdrest", "zstd"), (b"\x89PNG\r\n\x1a\n....", "PNG"),
                                        (b"LPKSHHRH\x02\x00\x00\x00" + bytes(64), "journalctl -o json"),
                                        (bytes(range(256)) * 4, "not text")])
def test_binary_files_are_recognised(head, what):
    assert what in binary_reason(head)


def test_utf8_and_latin1_logs_are_text(shared):
    head = (shared / "casper-rw/logs/auth.log").read_bytes()[:8192]
    assert binary_reason(head) is None
    assert binary_reason("Jan  1 00:00:00 höst sshd[1]: naïve ünïcode".encode()) is None


def test_discover_walks_directories_sorted_and_skips_empty_and_binary(tmp_path, write_log):
    write_log("d/b.log", "b\n")
    write_log("d/a.log", "a\n")
    write_log("d/empty.log", "")
    write_log("d/img.png", b"\x89PNG\r\n\x1a\nxxxx")
    write_log("d/.hidden", "h\n")
    assert [f.name for f in discover([tmp_path / "d"])] == ["a.log", "b.log"]


@pytest.mark.parametrize("content, message", [("", "empty file"),
                                              (b"\x1f\x8b\x08\x00" + bytes(100), "cannot read"),  # a broken gzip
                                              (b"\x28\xb5\x2f\xfd" + bytes(100), "zstd")])
def test_named_empty_or_binary_file_is_an_error(write_log, content, message):
    path = write_log("bad.log", content)
    with pytest.raises(InputError, match=message):
        discover([path])


def test_missing_path_and_empty_directory_are_errors(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        discover([tmp_path / "nope"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no readable, non-empty text log files"):
        discover([tmp_path / "empty"])


@pytest.mark.parametrize("name, kind", [("auth.log.1", "auth"), ("syslog.0", "syslog"), ("dmesg", "dmesg"),
                                        ("Spark_40k.log", "spark"), ("logs/kern.log", "kern"),
                                        ("secure", "auth"), ("secure-20261205.gz", "auth"), ("authlog.0.gz", "auth"),
                                        ("messages-20261205", "messages"), ("my-app.log", "my-app"),
                                        ("app-2026.log", "app-2026")])
def test_file_type(name, kind):
    assert file_type(name) == kind
