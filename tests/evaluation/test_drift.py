"""colog.evaluation.drift and scripts/split_drift.py: what zookeeper's later lines hold that training does not."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from colog.evaluation.drift import drift_markdown, split_drift
from colog.parsing.fields import DrainSettings

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "split_drift.py"


def test_a_word_training_ties_to_one_label_is_named_where_unseen_lines_carry_the_other():
    messages = [f"send failed for peer {i}" for i in range(30)] + [f"open request {i}" for i in range(30)] \
        + ["session opened for send 7", "request from old client dropped", "send failed for peer 99", "send timeout"]
    labels = np.array([1] * 30 + [0] * 30 + [0, 1, 1, 1])
    split = np.array([0] * 60 + [2, 2, 2, 2])
    keys = np.array([1] * 30 + [2] * 30 + [3, 4, 1, 5])  # the third test line has a training twin: not unseen
    table = pa.table({"message": messages})
    drift = split_drift(table, labels, split, keys, "template", DrainSettings())
    test = drift["unseen"]["test"]
    assert (test["n"], test["anomalies"]) == (3, 2)
    assert test["anomalies_without_evidence"] == 1  # "send timeout" holds "send"; the old client line no such word
    page = "\n".join(drift_markdown("d", drift, splits=("test",)))
    assert "2 of them anomalous (1 of those hold no word training ties to anomalies" in page
    # the old client line missed and every other test line right: normal F1 2/3, anomalous 4/5
    assert test["evidence_bound"] == pytest.approx((2 / 3 + 4 / 5) / 2)
    assert "missing only those would score macro-F1 0.7333." in page
    words = {w["word"]: w for w in test["misleading_words"]}
    assert words["for"] == {"word": "for", "train_lines": 30, "train_anomalous": 30, "lines_against": 1}
    assert words["request"]["train_anomalous"] == 0 and words["request"]["lines_against"] == 1
    assert "peer" not in words  # no unseen line holds it
    assert list(words) == ["for", "request", "send"]  # ties in word order, whatever the set order of a line's words
    assert drift["splits"][1] == {"split": "valid", "n": 0, "anomalies": 0, "first": None, "last": None}


def test_zookeepers_test_period_holds_client_sessions_training_never_shows(shared, tmp_path):
    out = tmp_path / "zookeeper.json"
    done = subprocess.run([sys.executable, str(SCRIPT), str(shared / "zookeeper-20k"), "--dataset", "zookeeper",
                           "-o", str(out)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    drift = json.loads(out.read_text())
    train, _, test = drift["splits"]
    assert train["last"] < test["first"] and (train["n"], test["n"]) == (12_000, 4_000)
    groups = {g["template"]: g for g in drift["unseen"]["test"]["groups"]}
    old_client = next(g for t, g in groups.items() if t.startswith("Connection request from old client"))
    assert old_client["n"] == old_client["anomalies"] > 0  # WARN by its level, a field the model never reads
    assert 0 < drift["unseen"]["test"]["anomalies_without_evidence"] < drift["unseen"]["test"]["anomalies"]
    assert any(t.startswith("Accepted socket connection") and g["anomalies"] == 0 for t, g in groups.items())
    words = {w["word"]: w for w in drift["unseen"]["test"]["misleading_words"]}
    assert words["for"]["train_anomalous"] == words["for"]["train_lines"]  # every training line with it is WARN
    page = "\n".join(drift_markdown("zookeeper", drift, splits=("test",)))
    assert "| `for` |" in page and "valid:" not in page and "### zookeeper" in done.stdout
    refit = drift["refit"]["test"]  # validation's period shows most of the test period's new templates
    assert 0 < refit["n"] < drift["unseen"]["test"]["n"] and refit["anomalies_without_evidence"] <= refit["anomalies"]
    assert "groups" not in refit  # counted only: a --refit model's view needs no reading material
    assert f"With the validation lines in training too (`--refit`): {refit['n']:,} such lines" in page
    assert drift["unseen"]["test"]["evidence_bound"] < refit["evidence_bound"] <= 1
    assert "Protocol chronological, labels `level:WARN,ERROR,FATAL`." in page


def test_a_bad_dataset_is_one_line_and_writes_nothing(tmp_path):
    out = tmp_path / "x.json"
    done = subprocess.run([sys.executable, str(SCRIPT), str(tmp_path), "--dataset", "nosuch", "-o", str(out)],
                          capture_output=True, text=True)
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1 and not out.exists()


@pytest.mark.parametrize("top", [1, 3])
def test_the_page_keeps_the_top_rows(top):
    drift = {"key": "template", "splits": [], "unseen": {"test": {"n": 5, "anomalies": 0, "groups": [
        {"template": f"t{i} | x", "n": 1, "anomalies": 0} for i in range(5)], "misleading_words": []}}}
    page = drift_markdown("d", drift, splits=("test",), top=top)
    assert sum(line.startswith("| 1 |") for line in page) == top and "`t0 \\| x`" in page[-top]


def test_a_table_cell_is_one_line_with_its_pipes_escaped_and_long_text_cut():
    from colog.artifacts import markdown_cell

    assert markdown_cell("a | b\nc") == "a \\| b c"
    assert markdown_cell("x`y|z", code=True) == "`x'y\\|z`"
    assert markdown_cell("abcdef", limit=3) == "abc …" and markdown_cell(None) == ""
