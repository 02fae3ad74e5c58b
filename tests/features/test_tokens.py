import numpy as np

from colog.features.tokens import PAD, UNK, TokenTable, Vocabulary, tokenize, train_word2vec


def test_tokenize_strips_digits_and_punctuation():
    assert tokenize("Failed password for root from 10.0.0.1 port 22: ssh2!") == \
        ["failed", "password", "for", "root", "from", "port", "ssh"]
    assert len(tokenize("a " * 100, max_len=60)) == 60


def test_vocabulary_keeps_pad_and_unk_apart(tmp_path):
    vocab = Vocabulary.fit([["disk", "full"], ["disk", "ok"]])
    assert vocab.encode(["disk", "never-seen"])[1] == UNK != PAD
    vocab.save(tmp_path / "v.json")
    assert Vocabulary.load(tmp_path / "v.json").words == vocab.words


def test_word2vec_is_deterministic_and_pad_is_zero():
    corpus = [["session", "opened", "for", "user"], ["session", "closed", "for", "user"]] * 20
    vocab = Vocabulary.fit(corpus)
    a = train_word2vec(corpus, vocab, dim=16, seed=3)
    b = train_word2vec(corpus, vocab, dim=16, seed=3)
    assert a.shape == (len(vocab), 16) and np.array_equal(a, b)
    assert not a[PAD].any() and a[UNK].any()


def test_token_table_pads_each_batch_to_its_longest_message():
    vocab = Vocabulary.fit([["a", "b", "c"]])
    table = TokenTable.build([tokenize(m) for m in ["a b c", "b", "123"]], vocab)
    ids, mask = table.batch(np.array([1, 2]))
    assert ids.shape == (2, 1) and mask.tolist() == [[True], [False]]  # the digits-only message is empty
    ids, mask = table.batch(np.array([0, 1]))
    assert ids.tolist() == [vocab.encode(["a", "b", "c"]), [vocab.index["b"], PAD, PAD]]


def test_source_token_separates_the_same_text_in_different_log_types():
    import pyarrow as pa

    from colog.features.inputs import LineMessages

    table = pa.table({"file": ["kern.log", "messages", "kern.log.1"], "message": ["Cannot find map file."] * 3})
    with_source = LineMessages.of(table)
    assert with_source.ids.tolist() == [0, 1, 0]
    assert with_source.tokens(0) == ["<kern>", "cannot", "find", "map", "file"]
    assert LineMessages.of(table, source_token=False).ids.tolist() == [0, 0, 0]
