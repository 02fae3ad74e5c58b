import numpy as np
import pytest

from colog.evaluation import plots

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
FOUR = ["normal", "point", "collective", "both"]


def assert_png(path):
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC
    assert len(data) > 5000
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temp file left behind


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def test_confusion_matrices(tmp_path, rng):
    y_true = rng.integers(0, 4, 200)
    y_pred = np.where(rng.random(200) < 0.7, y_true, rng.integers(0, 4, 200))
    y_pred[y_pred == 3] = 0  # a class never predicted: an empty column
    plots.confusion_matrices(y_true, y_pred, FOUR, tmp_path / "cm.png")
    assert_png(tmp_path / "cm.png")


def test_confusion_matrices_with_an_absent_true_class(tmp_path):
    plots.confusion_matrices([0, 0, 1], [0, 1, 1], FOUR, tmp_path / "cm.png")
    assert_png(tmp_path / "cm.png")


def test_roc_pr_curves(tmp_path, rng):
    y = rng.random(300) < 0.2
    score = np.clip(y * 0.4 + rng.random(300) * 0.6, 0, 1)
    plots.roc_pr_curves(y, score, tmp_path / "roc.png")
    assert_png(tmp_path / "roc.png")


def test_roc_pr_curves_with_one_class_draws_a_message(tmp_path, rng, caplog):
    plots.roc_pr_curves(np.zeros(50, dtype=int), rng.random(50), tmp_path / "roc.png")
    assert_png(tmp_path / "roc.png")
    assert "only normal lines" in caplog.text


def test_pca_scatter_subsamples_deterministically(tmp_path, rng):
    vectors = rng.normal(size=(400, 16))
    labels = rng.integers(0, 4, 400)
    vectors[labels == 1] += 3
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    plots.pca_scatter(vectors, labels, FOUR, tmp_path / "a" / "pca.png", max_points=100, seed=3)
    plots.pca_scatter(vectors, labels, FOUR, tmp_path / "b" / "pca.png", max_points=100, seed=3)
    assert_png(tmp_path / "a" / "pca.png")
    assert (tmp_path / "a" / "pca.png").read_bytes() == (tmp_path / "b" / "pca.png").read_bytes()


def test_pca_scatter_with_one_dimension(tmp_path):
    plots.pca_scatter(np.arange(10.0).reshape(10, 1), [0] * 5 + [1] * 5, ["normal", "anomaly"],
                      tmp_path / "pca.png")
    assert_png(tmp_path / "pca.png")


def test_pca_scatter_rejects_mismatched_shapes(tmp_path):
    with pytest.raises(ValueError, match="N = 3 labels"):
        plots.pca_scatter(np.zeros((4, 2)), [0, 1, 0], ["normal", "anomaly"], tmp_path / "pca.png")


def test_training_curves(tmp_path):
    history = [{"epoch": e, "train_loss": 1.0 / e, "valid_macro_f1": 0.5 + 0.1 * min(e, 3), "lr": 1e-4}
               for e in range(1, 6)]
    plots.training_curves(history, tmp_path / "curves.png", best_epoch=3)
    assert_png(tmp_path / "curves.png")


def test_training_curves_mark_the_epoch_the_trainer_kept_not_the_first_tied_one(tmp_path, monkeypatch):
    from matplotlib.axes import Axes

    marked = []
    monkeypatch.setattr(Axes, "axvline", lambda self, x, **kw: marked.append((x, kw["label"])))
    history = [{"epoch": e, "train_loss": 1.0 / e, "valid_macro_f1": 1.0 if e >= 2 else 0.5} for e in range(1, 6)]
    plots.training_curves(history, tmp_path / "curves.png", best_epoch=4)  # 2..5 tie; the trainer kept 4
    assert marked == [(4, "kept: epoch 4 (1.0000)")]


def test_training_curves_need_an_epoch(tmp_path):
    with pytest.raises(ValueError, match="no epochs"):
        plots.training_curves([], tmp_path / "curves.png", best_epoch=1)
