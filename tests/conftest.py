"""Shared fixtures: the real logs (../shared/data), colog's bundled slices, a test cache and a small trained run."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
BUNDLED = Path(str(resources.files("colog") / "data"))


@pytest.fixture(scope="session")
def shared() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared/data is not present")
    return SHARED.resolve()


@pytest.fixture(scope="session")
def bundled() -> Path:
    return BUNDLED


@pytest.fixture
def write_log(tmp_path):
    """Write lines (str or bytes) to a file under tmp_path and return its path."""

    def _write(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            content = content.encode("utf-8")
        path.write_bytes(content)
        return path

    return _write


@pytest.fixture(scope="session")
def cache(tmp_path_factory):
    """A MessageStore cache of the test session's own: every test that embeds starts from it."""
    import os

    path = tmp_path_factory.mktemp("cache")
    old = os.environ.get("COLOG_CACHE")
    os.environ["COLOG_CACHE"] = str(path)
    yield path
    if old is None:
        del os.environ["COLOG_CACHE"]
    else:
        os.environ["COLOG_CACHE"] = old


@pytest.fixture(scope="session")
def run_scores():
    """How a saved run scores its own lines (evaluation's path): detection tests compare against it.

    Returns a function rundir -> (Prepared data, ModelInputs, probabilities (lines, classes)).
    """
    import numpy as np

    from colog.experiment.run import load_model_inputs
    from colog.training import predict

    def _scores(rundir: Path):
        run, data, inputs = load_model_inputs(rundir, progress=False)
        probs, _ = predict(run.model, inputs, np.arange(len(data.labels)))
        return data, inputs, probs

    return _scores


@pytest.fixture(scope="session")
def casper_run(bundled, cache, tmp_path_factory):
    """A small CoLog trained for 2 epochs on the bundled casper slice (5 files, context:1 windows)."""
    from dataclasses import replace

    from colog.config import ExperimentConfig
    from colog.experiment import train_run
    from colog.model import CoLogConfig
    from colog.training import TrainConfig

    small = CoLogConfig(hidden=64, heads=2, ffn=128)
    out = tmp_path_factory.mktemp("runs") / "casper"
    config = ExperimentConfig(paths=[str(bundled / "casper")], dataset="casper", year=2008, model=small,
                              train=replace(TrainConfig(), epochs=2, lr=1e-3, batch_size=64,
                                                            min_epoch_steps=0))
    train_run(config, out, progress=False)
    return out
