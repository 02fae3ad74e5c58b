from datetime import datetime

import pytest

from colog.errors import CologError
from colog.parsing.fields import NO_YEAR
from colog.parsing.syslog import DmesgFormat, SyslogFormat
from colog.parsing.years import infer_years

SYSLOG = SyslogFormat()


def test_rfc3164_with_tag_and_pid():
    f = SYSLOG.match("Dec 28 13:11:46 ubuntu gdm[8057]: pam_unix(gdm-autologin:session): session opened")
    assert (f.host, f.component, f.pid) == ("ubuntu", "gdm", "8057")
    assert f.message == "pam_unix(gdm-autologin:session): session opened"
    assert f.timestamp == datetime(NO_YEAR, 12, 28, 13, 11, 46)


def test_rfc3164_without_tag_keeps_the_text_and_single_digit_day():
    f = SYSLOG.match("Jan  7 06:54:12 ubuntu syslogd 1.5.0#2ubuntu6: restart.")
    assert f.component is None and f.message == "syslogd 1.5.0#2ubuntu6: restart."
    assert f.timestamp.day == 7


def test_priority_gives_severity():
    f = SYSLOG.match("<11>Feb 29 01:02:03 host kernel: oops")  # 11 = user.err
    assert f.level == "err" and f.timestamp == datetime(NO_YEAR, 2, 29, 1, 2, 3)


def test_rfc5424():
    f = SYSLOG.match('<165>1 2003-10-11T22:14:15.003Z mymachine evntslog - ID47 [exampleSDID@32473 iut="3"] '
                     "An application event log entry")
    assert (f.host, f.component, f.level) == ("mymachine", "evntslog", "notice")
    assert f.message == "An application event log entry"
    assert f.timestamp == datetime(2003, 10, 11, 22, 14, 15, 3000)


def test_iso_timestamped_rsyslog_line_is_converted_to_utc():
    f = SYSLOG.match("2023-03-01T10:00:00+02:00 web1 sshd[42]: Accepted publickey for bob")
    assert f.timestamp == datetime(2023, 3, 1, 8, 0, 0)
    assert (f.component, f.pid, f.message) == ("sshd", "42", "Accepted publickey for bob")


def test_a_date_and_time_before_words_is_no_syslog_line_without_a_tag():
    """dpkg.log beside the syslog files in /var/log: with a space for the T, a header needs its `tag:`."""
    assert SYSLOG.match("2025-06-24 14:36:25 status triggers-pending libc-bin:amd64 2.36-9+deb12u10") is None
    assert SYSLOG.match("2025-06-24 14:36:25 startup archives unpack") is None
    f = SYSLOG.match("2023-03-01 10:00:00 web1 sshd[42]: Accepted publickey for bob")
    assert (f.timestamp, f.host, f.component) == (datetime(2023, 3, 1, 10, 0, 0), "web1", "sshd")
    assert SYSLOG.match("2023-03-01T10:00:00Z web1 no tag here").message == "no tag here"


def test_dmesg_with_and_without_uptime():
    assert SYSLOG.match("[    0.000000] Initializing cgroup subsys cpuset").component == "kernel"
    assert SYSLOG.match("Using PS3 machine description") is None
    assert DmesgFormat().match("Using PS3 machine description").component == "kernel"


def test_years_roll_over_and_stay_monotone():
    stamps = [datetime(NO_YEAR, 12, 28), datetime(NO_YEAR, 12, 31), datetime(NO_YEAR, 1, 2), None,
              datetime(NO_YEAR, 1, 7)]
    out = infer_years(stamps, first_year=2008, modified=datetime(2030, 1, 1))
    assert [t.year for t in out if t] == [2008, 2008, 2009, 2009]
    assert out[3] is None
    # From the modification time: the last line gets that year.
    out = infer_years(stamps, first_year=None, modified=datetime(2009, 3, 1))
    assert [t.year for t in out if t] == [2008, 2008, 2009, 2009]
    # A last line later in the year than the modification date belongs to the year before.
    out = infer_years([datetime(NO_YEAR, 11, 1)], None, modified=datetime(2009, 3, 1))
    assert out[0].year == 2008


@pytest.mark.parametrize("first_year", [-5, 0, 9999])  # 9999 rolls over into 10000, which datetime cannot hold
def test_years_outside_what_a_date_can_hold_are_a_user_error(first_year):
    stamps = [datetime(NO_YEAR, 12, 31), datetime(NO_YEAR, 1, 2)]
    with pytest.raises(CologError, match=f"years would run from {first_year} to {first_year + 1}"):
        infer_years(stamps, first_year=first_year, modified=datetime(2030, 1, 1))


def test_a_bad_year_from_the_command_line_names_the_file(write_log, capsys):
    from colog.cli.main import main

    path = write_log("auth.log", "Dec 31 23:59:59 ubuntu su[1]: session opened\nJan  1 00:00:01 ubuntu su[2]: x\n")
    assert main(["parse", str(path), "--year", "-5"]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and "outside 1-9999" in err and "internal error" not in err


def test_feb_29_in_a_common_year_is_clamped():
    out = infer_years([datetime(NO_YEAR, 2, 29)], first_year=2009, modified=datetime(2010, 1, 1))
    assert out[0] == datetime(2009, 2, 28)


def test_kernel_uptime_becomes_a_field_in_the_table(write_log):
    from colog.parsing import parse_paths

    path = write_log("kern.log", "Dec 28 13:11:40 ubuntu kernel: [    1.998800] EISA: Probing bus 0 at eisa.0\n"
                                 "[   12.5] Initializing cgroup subsys cpu\n"
                                 "Dec 28 13:11:41 ubuntu kernel: no uptime here\n")
    table = parse_paths([path], progress=False).table
    assert table["uptime"].to_pylist() == [1.9988, 12.5, None]
    assert table["message"].to_pylist() == ["EISA: Probing bus 0 at eisa.0", "Initializing cgroup subsys cpu",
                                           "no uptime here"]


def test_a_stream_rolls_its_years_over_as_a_whole_file_does():
    from colog.parsing.years import Rollover

    stamps = [datetime(NO_YEAR, 12, 28), datetime(NO_YEAR, 12, 31), datetime(NO_YEAR, 1, 2), datetime(NO_YEAR, 1, 7)]
    years = Rollover(2008)
    assert [years(t) for t in stamps] == infer_years(stamps, first_year=2008, modified=datetime(2030, 1, 1))
    late = Rollover(9999)
    late(datetime(NO_YEAR, 12, 31))
    with pytest.raises(CologError, match="would run from 9999 past 9999"):
        late(datetime(NO_YEAR, 1, 2))
