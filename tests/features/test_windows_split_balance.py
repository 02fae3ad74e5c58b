import numpy as np
import pyarrow as pa
import pytest

from colog.errors import CologError
from colog.features.balance import balance
from colog.features.split import SplitConfig, split_lines, unseen_mask
from colog.features.windows import gather
from colog.labeling import WindowSpec, group_ids, window_index


def test_window_index_respects_files_and_current_line():
    groups = group_ids(["a", "a", "a", "b", "b"])
    idx = window_index(groups, WindowSpec("context", 1), include_current=True)
    assert idx.tolist() == [[-1, 0, 1], [0, 1, 2], [1, 2, -1], [-1, 3, 4], [3, 4, -1]]
    idx = window_index(groups, WindowSpec("background", 2), include_current=False)
    assert idx.tolist() == [[-1, -1], [-1, 0], [0, 1], [-1, -1], [-1, 3]]


def test_gather_reads_vectors_by_message_id_and_keeps_positions():
    vectors = np.arange(6, dtype=np.float32).reshape(3, 2)  # 3 unique messages
    message_ids = np.array([2, 0, 1])
    index = np.array([[-1, -1, 0], [-1, 0, 1], [-1, 1, 2]])
    out, mask = gather(index, message_ids, vectors, np.array([0, 2]))
    assert mask.tolist() == [[False, False, True], [False, True, True]]  # positions kept, padding masked
    assert out.tolist() == [[[0, 0], [0, 0], [4, 5]], [[0, 0], [0, 1], [2, 3]]]


def _table(n, files=None, stamps=None):
    from datetime import datetime, timedelta

    files = files or ["syslog"] * n
    stamps = stamps or [datetime(2020, 1, 1) + timedelta(minutes=i) for i in range(n)]
    return pa.table({"file": files, "line": list(range(1, n + 1)), "timestamp": stamps})


def test_paper_split_is_stratified_disjoint_and_seeded():
    labels = np.array([0] * 80 + [1] * 20)
    a = split_lines(_table(100), labels, SplitConfig("paper", seed=1))
    assert np.bincount(a).tolist() == [60, 20, 20]
    assert [int((labels[a == s] == 1).sum()) for s in range(3)] == [12, 4, 4]
    assert np.array_equal(a, split_lines(_table(100), labels, SplitConfig("paper", seed=1)))
    assert not np.array_equal(a, split_lines(_table(100), labels, SplitConfig("paper", seed=2)))


def test_chronological_split_keeps_time_order_within_each_file_group():
    from datetime import datetime, timedelta

    n = 50
    # Two rotations of syslog, the older one (syslog.1) listed second, plus an auth.log.
    files = ["syslog"] * 20 + ["syslog.1"] * 20 + ["auth.log"] * 10
    t0 = datetime(2020, 1, 1)
    stamps = ([t0 + timedelta(hours=10 + i) for i in range(20)] + [t0 + timedelta(hours=i) for i in range(20)]
              + [t0 + timedelta(hours=i) for i in range(10)])
    split = split_lines(_table(n, files, stamps), np.zeros(n, dtype=int), SplitConfig("chronological"))
    for group in (range(0, 40), range(40, 50)):
        rows = sorted(group, key=lambda i: stamps[i])
        assert list(split[rows]) == sorted(split[rows])  # train, then valid, then test in time order
    assert (split[20:40][:10] == 0).all()  # syslog.1 is older: it starts the training split


def test_chronological_split_orders_undated_rotations_oldest_first():
    # casper's dmesg rotations carry no timestamps: dmesg.3 is the oldest, dmesg (no suffix) the newest
    files = ["dmesg"] * 10 + ["dmesg.0"] * 10 + ["dmesg.3"] * 10 + ["dmesg.1.gz"] * 10
    table = pa.table({"file": files, "line": [i % 10 + 1 for i in range(40)], "timestamp": [None] * 40},
                     schema=pa.schema([("file", pa.string()), ("line", pa.int64()), ("timestamp", pa.timestamp("us"))]))
    split = split_lines(table, np.zeros(40, dtype=int), SplitConfig("chronological"))
    by_file = {f: sorted(set(split[[i for i, g in enumerate(files) if g == f]].tolist())) for f in dict.fromkeys(files)}
    assert by_file == {"dmesg.3": [0], "dmesg.1.gz": [0], "dmesg.0": [0, 1], "dmesg": [1, 2]}


def test_chronological_split_gives_undated_lines_their_predecessors_time():
    from datetime import datetime, timedelta

    # a service log whose every other line is a stack trace's continuation (no timestamp of its own)
    t0 = datetime(2020, 1, 1)
    stamps = [t0 + timedelta(minutes=i) if i % 2 == 0 else None for i in range(100)]
    split = split_lines(_table(100, None, stamps), np.zeros(100, dtype=int), SplitConfig("chronological"))
    assert np.bincount(split).tolist() == [60, 20, 20]
    assert (split[1::2] == split[0::2]).all()  # each continuation line sits with the line it continues
    assert list(split) == sorted(split)


def test_rotation_age_reads_the_suffix():
    from colog.features.split import rotation_age

    assert [rotation_age(n) for n in ("syslog", "syslog.0", "auth.log.2.gz", "logs/kern.log.11", "a.log")] == \
        [-1, 0, 2, 11, -1]


def test_split_errors():
    with pytest.raises(CologError, match="too few"):
        split_lines(_table(5), np.zeros(5, dtype=int), SplitConfig())
    with pytest.raises(CologError, match="unknown protocol"):
        split_lines(_table(20), np.zeros(20, dtype=int), SplitConfig("random"))
    # Twelve one-line logs: each file group's 60 % rounds to its one line, so nothing is left for valid or test.
    files = [f"f{i}.log" for i in range(12)]
    with pytest.raises(CologError, match="the valid split is empty"):
        split_lines(_table(12, files), np.zeros(12, dtype=int), SplitConfig("chronological"))


def test_unseen_mask():
    keys = np.array([1, 1, 2, 3, 2, 4])
    split = np.array([0, 2, 0, 2, 2, 1])
    assert unseen_mask(keys, split).tolist() == [False, False, False, True, False, False]


def test_tomek_removes_majority_side_of_links_on_training_rows_only():
    vectors = np.array([[0.0], [0.1], [5.0], [5.02], [10.0], [5.01]], dtype=np.float32)
    # training rows 0-13: message 0 normal ten times, 2 normal once, 1, 3, 4 anomalous once each; row 14
    # (message 5, which would sit between 2 and 3) is not passed in. By distinct pairs the anomalies are the
    # majority (3 to 2), by lines the minority (3 to 11).
    message_ids = np.array([0] * 10 + [2, 1, 3, 4, 5])
    labels = np.array([0] * 10 + [0, 1, 1, 1, 0])
    train = np.arange(14)
    kept = balance(train, message_ids, labels, vectors, "tomek")
    # 2 (normal, 5.0) and 3 (anomaly, 5.02) are each other's nearest neighbours: the normal line goes, as on lines.
    # 1 (anomaly, 0.1) is nearest to message 0, but 0's nearest line is its own copy: no link, nothing removed.
    assert kept.tolist() == [*range(10), 11, 12, 13]
    assert balance(train, message_ids, labels, vectors, "none").tolist() == train.tolist()


def test_tomek_finds_the_links_it_would_find_on_lines():
    from imblearn.under_sampling import TomekLinks

    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(40, 3)).astype(np.float32)
    message_ids = rng.integers(0, 40, 300)
    labels = (message_ids % 5 == 0).astype(np.int64)
    labels[rng.choice(300, 10, replace=False)] ^= 1  # some messages occur with both labels
    train = np.arange(300)
    on_lines = TomekLinks().fit(vectors[message_ids], labels)
    on_lines.fit_resample(vectors[message_ids], labels)
    assert set(balance(train, message_ids, labels, vectors, "tomek").tolist()) == set(on_lines.sample_indices_)
