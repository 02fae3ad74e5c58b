import numpy as np
import pyarrow as pa
import pytest

from colog.labeling.datasets import DATASETS, get_dataset, load_labeled
from colog.errors import FormatError, InputError, UnknownNameError
from colog.labeling import parse_rule


def _table(**cols):
    n = len(next(iter(cols.values())))
    base = {"file": ["a.log"] * n, "line": list(range(1, n + 1)), "message": [""] * n, "level": [None] * n,
            "alert": [None] * n}
    base.update(cols)
    return pa.table(base)


def test_column_rule():
    table = _table(alert=["-", "KERNDTLB", "-", "APPREAD"])
    assert parse_rule("column").apply(table).tolist() == [0, 1, 0, 1]
    with pytest.raises(FormatError, match="needs an alert column"):
        parse_rule("column").apply(_table(message=["x"]))


def test_level_rule_default_set_and_paper_set():
    table = _table(level=["INFO", "WARN", "ERROR", "fatal", None])
    assert parse_rule("level").apply(table).tolist() == [0, 1, 1, 1, 0]
    assert parse_rule("level:WARN").apply(table).tolist() == [0, 1, 0, 0, 0]


def test_keyword_rule_word_boundary_vs_substring(tmp_path):
    words = tmp_path / "neg.txt"
    words.write_text("error\nkilled by\n")
    table = _table(message=["Errorless run", "process killed by signal", "an ERROR occurred", "fine"])
    assert parse_rule(f"keywords:{words}").apply(table).tolist() == [0, 1, 1, 0]
    assert parse_rule(f"keywords-substring:{words}").apply(table).tolist() == [1, 1, 1, 0]
    # which terms fired: the labels' reasons, one set per line, empty exactly where the label is normal
    assert parse_rule(f"keywords:{words}").fired(table) == [set(), {"killed by"}, {"error"}, set()]
    assert parse_rule(f"keywords-substring:{words}").fired(table) == [{"error"}, {"killed by"}, {"error"}, set()]


def test_keyword_lists_follow_the_file_type():
    rule = parse_rule("keywords-substring:@colog-reference")
    table = _table(file=["auth.log.1", "daemon.log", "mystery.txt"],
                   message=["Did not receive identification string from 1.2.3.4"] * 3)
    # the phrase is in auth.txt, not daemon.txt; a type without a list stays normal.
    assert rule.apply(table).tolist() == [1, 0, 0]


def test_user_labels_csv(tmp_path):
    csv = tmp_path / "labels.csv"
    csv.write_text("file,line,label\na.log,2,anomaly\na.log,3,0\n")
    assert parse_rule(f"labels:{csv}").apply(_table(message=["x", "y", "z"])).tolist() == [0, 1, 0]
    csv.write_text("file,line,label\nother.log,1,1\n")
    with pytest.raises(InputError, match="none of its"):
        parse_rule(f"labels:{csv}").apply(_table(message=["x"]))


def test_hdfs_block_labels(tmp_path):
    labels = tmp_path / "anomaly_label.csv"
    labels.write_text("BlockId,Label\nblk_-123,Anomaly\nblk_456,Normal\n")
    table = _table(message=["Receiving block blk_-123 src", "Deleting block blk_456", "no block"])
    assert parse_rule(f"blocks:{labels}").apply(table).tolist() == [1, 0, 0]


@pytest.mark.parametrize("spec, message", [("nosuch", "unknown label rule 'nosuch'; valid: .*column"),
                                           ("keywords:/no/such/file.txt", "no such file"),
                                           ("keywords:@nosuch", "unknown keyword set"),
                                           ("keywords:@colog-reference/nosuch", "valid: .*auth")])
def test_bad_rules(spec, message):
    with pytest.raises((UnknownNameError, InputError), match=message):
        parse_rule(spec)


def test_unknown_dataset_lists_the_valid_ones():
    with pytest.raises(UnknownNameError, match="valid: .*casper.*zookeeper"):
        get_dataset("casperr")


def test_every_preset_rule_and_format_resolves():
    from colog.parsing import resolve_format

    for d in DATASETS.values():
        resolve_format(d.format)
        if d.rule and not d.rule.startswith("blocks:"):
            parse_rule(d.rule)


# The counts of ../shared/data/MANIFEST.md: the paper's Table 2 for Casper and Nssal.
@pytest.mark.parametrize("folder, dataset, rule, anomalies", [
    ("casper-rw", "casper", None, 1_212),
    ("honeynet-challenge7", "honey7", None, 572),
    ("bgl-20k", "bgl", None, 1_458),
    ("zookeeper-20k", "zookeeper", "level:WARN", 13_060),
    ("zookeeper-20k", "zookeeper", None, 13_226),
    ("spark-40k", "spark", None, 2_062),
])
def test_labels_reproduce_the_manifest_counts(shared, folder, dataset, rule, anomalies):
    table, summary, _ = load_labeled([shared / folder], dataset, rule=rule)
    assert summary["labels"]["anomaly"] == anomalies
    assert int(np.sum(table["label"].to_numpy())) == anomalies
    assert set(table["label_source"].to_pylist()) == {summary["label_source"]}


@pytest.mark.slow
def test_nssal_reproduces_the_paper(shared):
    _, summary, _ = load_labeled([shared / "dfrws-2009-nssal"], "nssal")
    assert summary["labels"]["anomaly"] == 15_732


def test_corrections_relabel_a_message_whatever_its_numbers_and_a_line_by_file_and_number(tmp_path):
    from colog.labeling.rules import Corrected

    table = _table(message=["tty3 main process (6873) killed", "tty5 main process (12) killed", "disk full"],
                   alert=["X", "X", "-"])
    by_message = tmp_path / "m.csv"
    by_message.write_text("message,label\ntty1 main process (1) killed,normal\n")
    rule = Corrected(parse_rule("column"), by_message)
    labels, named = rule.apply_named(table)
    assert labels.tolist() == [0, 0, 0] and named.tolist() == [True, True, False]
    assert rule.source == "column:alert+corrections:m.csv"
    by_line = tmp_path / "l.csv"
    by_line.write_text("file,line,label\n/var/log/a.log,3,anomaly\n")
    assert Corrected(parse_rule("column"), by_line).apply(table).tolist() == [1, 1, 1]
    none = tmp_path / "none.csv"
    none.write_text("message,label\nnever said,normal\n")
    with pytest.raises(InputError, match="none of its corrections"):
        Corrected(parse_rule("column"), none).apply(table)
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("text,label\nx,1\n")
    with pytest.raises(InputError, match="file,line,label or message,label"):
        Corrected(parse_rule("column"), wrong).apply(table)
