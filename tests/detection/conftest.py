"""A small CoLog run on the bundled casper logs, trained once for all detection tests."""

from dataclasses import replace

import pytest

from colog.experiment import ExperimentConfig, train_run
from colog.model import CoLogConfig
from colog.training import TrainConfig

SMALL = CoLogConfig(hidden=64, heads=2, ffn=128)


@pytest.fixture(scope="session")
def casper_run(bundled, cache, tmp_path_factory):
    """CoLog trained for 2 epochs on the bundled casper slice (5 files, context:1 windows)."""
    out = tmp_path_factory.mktemp("runs") / "casper"
    config = ExperimentConfig(paths=[str(bundled / "casper")], dataset="casper", year=2008, model=SMALL,
                              train=replace(TrainConfig(), epochs=2, lr=1e-3, batch_size=64))
    train_run(config, out, progress=False)
    return out
