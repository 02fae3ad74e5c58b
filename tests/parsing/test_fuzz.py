"""Any bytes a log may hold, through every format: no crash, and every line kept, parsed or flagged unmatched."""

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from colog.errors import InputError
from colog.parsing import ParseConfig, format_names, parse_paths, resolve_format
from colog.parsing.readers import clean_line
from colog.parsing.templates import TemplateMiner

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "loghub-2k"
FORMATS = [resolve_format(name) for name in format_names()]
MINERS = [TemplateMiner(fmt.drain) for fmt in FORMATS]  # one per format, asked and never taught: no state grows


def _real_lines() -> list[str]:
    """A few real lines of every kind colog reads, to mutate: bundled slices, fixtures, and Loghub when present."""
    data = Path(__file__).resolve().parents[2] / "src" / "colog" / "data"
    lines = [*(data / "casper" / "auth.log").read_text().splitlines()[:20],
             *(data / "bgl" / "BGL_slice.log").read_text().splitlines()[:20],
             *(FIXTURES / "auth.journal.json").read_text().splitlines()[:10],
             *(FIXTURES / "zookeeper.docker.log").read_text().splitlines()[:10]]
    for log in sorted(SHARED.glob("*/*_2k.log")):
        lines += log.read_text(encoding="utf-8", errors="replace").splitlines()[:5]
    return lines


REAL = _real_lines()
# Lines each run of the suite fuzzes the formats with: 10,000 take 11-16 s on two slow cores, where 20,000 took
# 33 s; COLOG_FUZZ_LINES=1000000 for a long hunt.
LINES_PER_RUN = int(os.environ.get("COLOG_FUZZ_LINES", "10000"))
# A real line with a random span replaced, or random text outright (control bytes, unicode, JSON-ish braces).
mutated = st.builds(lambda line, at, cut, insert: line[:at % (len(line) + 1)] + insert + line[at % (len(line) + 1)
                                                                                              + cut:],
                    st.sampled_from(REAL), st.integers(0, 10_000), st.integers(0, 40),
                    st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40))
random_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=300)
lines = st.one_of(mutated, random_text, st.sampled_from(["{", "{}", '{"MESSAGE": 1}', '{"log": null, "time": 3}',
                                                         "<999>1 - - - - -", "[    0.000000] "]))


@pytest.mark.slow
@settings(max_examples=LINES_PER_RUN, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(lines)
def test_every_format_takes_any_line_without_crashing(line):
    for fmt, miner in zip(FORMATS, MINERS):
        fields = fmt.match(line)
        assert fields is None or isinstance(fields.message, str)
        if fields is not None:
            assert miner.match(fields.message) is None  # an empty miner knows no template
            text, new = miner.describe(fields.message)  # the masks run on it
            assert new and isinstance(text, str)


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(st.lists(lines, min_size=1, max_size=30))
def test_a_file_of_any_lines_keeps_every_line(tmp_path_factory, batch):
    path = tmp_path_factory.mktemp("fuzz") / "app.log"
    text = "\n".join(line.replace("\n", " ").replace("\r", " ") for line in batch) + "\n"
    path.write_bytes(text.encode("utf-8"))
    kept = sum(1 for line in text.split("\n") if clean_line(line.encode()).strip())  # as the reader splits
    if not kept:
        return
    for fmt in ("syslog", "journald", "hdfs", "<Date> <Time> <Level> <Content>"):
        try:
            table = parse_paths([path], ParseConfig(format=fmt, min_match=0.0), progress=False).table
        except InputError as exc:  # the one refusal allowed: a file whose bytes are mostly not text
            assert "binary file" in str(exc)
            return
        assert table.num_rows == kept
