"""Shared fixtures: paths to the real logs (../shared/data) and to colog's bundled slices."""

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
