"""`colog watch`: a followed file that grows, rotates and is truncated; resuming from a saved state; stdin."""

import logging
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from colog.detection import Detector
from colog.detection.follow import Follower, WatchState, watch
from colog.errors import InputError

AUTH = (Path(__file__).resolve().parents[2] / "src/colog/data/casper/auth.log").read_text().splitlines(keepends=True)


class Watcher:
    """`watch` in a thread, collecting verdicts until stopped."""

    def __init__(self, detector, path, **kw):
        self.verdicts, self._stop = [], threading.Event()
        self.thread = threading.Thread(target=watch, args=(detector, path, self.verdicts.extend),
                                       kwargs={"stop": self._stop.is_set, "interval": 0.02, **kw})
        self.thread.start()

    def wait_for(self, n, timeout=60.0):
        end = time.monotonic() + timeout
        while len(self.verdicts) < n and time.monotonic() < end:
            time.sleep(0.02)
        assert len(self.verdicts) >= n, f"{len(self.verdicts)} verdicts, expected {n}"

    def stop(self):
        self._stop.set()
        self.thread.join(60)
        return self.verdicts


def append(path, lines):
    with path.open("a") as fh:
        fh.writelines(lines)
        fh.flush()


def test_follow_survives_rotation_and_truncation(casper_run, tmp_path):
    log = tmp_path / "auth.log"
    log.write_text("".join(AUTH[:10]))
    w = Watcher(Detector.load(casper_run), log, from_start=True)
    w.wait_for(9)  # context:1: the last line waits for the next one
    append(log, AUTH[10:15])
    w.wait_for(14)
    os.rename(log, tmp_path / "auth.log.1")  # logrotate: move away, start a new file
    append(tmp_path / "auth.log.1", AUTH[15:17])  # a late write to the old file is still read
    log.write_text("".join(AUTH[17:24]))
    w.wait_for(23)
    time.sleep(0.2)
    log.write_text("".join(AUTH[24:27]))  # copytruncate: the same file, shorter
    w.wait_for(25)
    verdicts = w.stop()
    numbers = [v.line for v in verdicts]
    assert numbers == [*range(1, 18), *range(1, 8), *range(1, 4)]  # every line once, in order


def test_restart_with_state_neither_skips_nor_repeats(casper_run, tmp_path):
    log, state = tmp_path / "auth.log", tmp_path / "watch.json"
    log.write_text("".join(AUTH[:10]))
    detector = Detector.load(casper_run)
    first = Watcher(detector, log, from_start=True, state_path=state)
    first.wait_for(9)
    assert [v.line for v in first.stop()] == list(range(1, 11))
    saved = WatchState.load(state)
    assert saved.line == 10 and saved.offset == log.stat().st_size and saved.recent[-1][0] == 10
    append(log, AUTH[10:15])
    second = Watcher(Detector.load(casper_run), log, state_path=state)
    second.wait_for(4)
    assert [v.line for v in second.stop()] == list(range(11, 16))


def test_state_of_another_file_is_refused(casper_run, tmp_path):
    from colog.errors import CologError

    state = tmp_path / "watch.json"
    WatchState(str(tmp_path / "other.log"), 0, 0, 0, 0).save(state)
    (tmp_path / "auth.log").write_text(AUTH[0])
    with pytest.raises(CologError, match="holds the state of"):
        watch(Detector.load(casper_run), tmp_path / "auth.log", lambda v: None, state_path=state)


def test_watch_reads_standard_input(casper_run, tmp_path):
    lines = "".join(AUTH[:30]) + "\x00\x01\x02\xff" * 20 + "\n"
    env = {**os.environ, "COLOG_CACHE": os.environ["COLOG_CACHE"]}
    done = subprocess.run([sys.executable, "-m", "colog.cli.main", "watch", str(casper_run), "-",
                           "--name", "auth.log"], input=lines.encode("latin-1"), capture_output=True,
                          timeout=300, env=env)
    assert done.returncode == 0, done.stderr.decode()
    out = done.stdout.decode().splitlines()
    assert len(out) == 31 and '"class": "unparsed"' in out[-1]
    assert "watch: 31 lines" in done.stderr.decode()


def test_a_log_not_there_yet_is_waited_for_with_a_warning(tmp_path, caplog):
    log = tmp_path / "auth.log"
    with caplog.at_level(logging.WARNING, logger="colog"):
        follower = Follower(log)
    assert "does not exist yet; waiting" in caplog.text
    assert follower.poll() == ([], False)
    log.write_text("".join(AUTH[:3]))  # created later: read from its first line
    lines, _ = follower.poll()
    assert [line.line for line in lines] == [1, 2, 3]
    follower.close()
    with pytest.raises(InputError, match="does not exist, so the log cannot appear"):
        Follower(tmp_path / "no-such-dir" / "auth.log")


def test_a_quiet_logs_last_line_is_not_held_for_its_context(casper_run, tmp_path):
    log = tmp_path / "auth.log"
    log.write_text("".join(AUTH[:5]))  # context:1: line 5 waits for a line 6 that never comes
    w = Watcher(Detector.load(casper_run), log, from_start=True, flush_after=0.3)
    w.wait_for(5, timeout=30)
    append(log, AUTH[5:7])  # later lines get their verdicts as usual, once each
    w.wait_for(6, timeout=30)
    assert [v.line for v in w.stop()] == [1, 2, 3, 4, 5, 6, 7]


def _lines_in(out: Path) -> list[int]:
    import json

    if not out.exists():
        return []
    rows = []
    for text in out.read_text().splitlines():
        try:
            rows.append(json.loads(text)["line"])
        except ValueError:
            pass
    return rows


def _wait_lines(out: Path, n: int, timeout: float = 120.0) -> None:
    end = time.monotonic() + timeout
    while len(_lines_in(out)) < n and time.monotonic() < end:
        time.sleep(0.05)


def test_a_hard_kill_and_a_restart_give_every_line_exactly_one_verdict(casper_run, tmp_path):
    log, state, out = tmp_path / "auth.log", tmp_path / "watch.json", tmp_path / "v.jsonl"
    log.write_text("".join(AUTH[:40]))
    env = {**os.environ, "COLOG_CACHE": os.environ["COLOG_CACHE"]}
    command = [sys.executable, "-m", "colog.cli.main", "watch", str(casper_run), str(log), "--state", str(state),
               "-o", str(out), "--interval", "0.02", "--flush-after", "0.5"]
    first = subprocess.Popen([*command, "--from-start"], env=env, stderr=subprocess.DEVNULL)
    _wait_lines(out, 40)
    append(log, AUTH[40:60])
    _wait_lines(out, 60)
    first.kill()  # SIGKILL: no clean stop, the state may lag the output by up to a second
    first.wait(30)
    append(log, AUTH[60:80])
    second = subprocess.Popen(command, env=env, stderr=subprocess.DEVNULL)
    _wait_lines(out, 80)
    second.terminate()
    second.wait(60)
    assert _lines_in(out) == list(range(1, 81))
