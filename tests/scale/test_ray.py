"""Scale-out on a local Ray: a 2-trial search with 1 epoch, and detection over 20 files equal to the single path."""

import json

import pytest

pytest.importorskip("ray")

from colog.cli.main import main  # noqa: E402
from colog.errors import CologError  # noqa: E402
from colog.scale.tune import parse_grid  # noqa: E402


@pytest.fixture(scope="module")
def twenty_files(bundled, tmp_path_factory):
    """The bundled casper logs cut into 20 files (auth.log.00 ...: the file type stays the source token)."""
    folder = tmp_path_factory.mktemp("twenty")
    names = ["auth.log", "daemon.log", "kern.log", "syslog.3"]
    for name in names:
        lines = (bundled / "casper" / name).read_text().splitlines(keepends=True)
        step = -(-len(lines) // 5)
        for i in range(5):
            (folder / f"{name}.{i:02d}").write_text("".join(lines[i * step:(i + 1) * step]))
    assert len(list(folder.iterdir())) == 20
    return folder


def test_detect_on_ray_matches_the_single_process_path(casper_run, twenty_files, tmp_path, capsys):
    single = tmp_path / "single.jsonl"
    assert main(["detect", str(casper_run), str(twenty_files), "-o", str(single)]) == 0
    shards = tmp_path / "shards"
    assert main(["detect", str(casper_run), str(twenty_files), "--ray", "--workers", "2", "-o", str(shards)]) == 0
    assert "detect --ray (2 workers, 20 files" in capsys.readouterr().err
    parts = sorted(shards.glob("part-*.jsonl"))
    assert len(parts) == 20
    ray_rows = [json.loads(l) for p in parts for l in p.read_text().splitlines()]
    one_rows = [json.loads(l) for l in single.read_text().splitlines()]
    assert len(ray_rows) == len(one_rows)
    for a, b in zip(ray_rows, one_rows):  # the same verdicts; probabilities up to float rounding
        assert abs(a.pop("probability") - b.pop("probability")) < 1e-4 and a == b


def test_tune_two_trials_and_trains_the_best(bundled, cache, tmp_path):
    out = tmp_path / "tune"
    code = main(["tune", str(bundled / "bgl"), "--dataset", "bgl", "--grid", "layers=1 heads=2 hidden=16,32",
                 "--epochs", "1", "--best-epochs", "1", "--min-epoch-steps", "0",
                 "--out", str(out)])
    assert code == 0
    best = json.loads((out / "best_config.json").read_text())
    assert best["trials"] == 2 and best["failed"] == 0 and best["best"]["hidden"] in (16, 32)
    assert (out / "trials.csv").read_text().count("\n") == 3 and (out / "search.png").stat().st_size > 1000
    assert (out / "best" / "model.safetensors").is_file() and (out / "best" / "templates.json").is_file()
    run_config = json.loads((out / "best" / "config.json").read_text())
    assert run_config["model"]["hidden"] == best["best"]["hidden"] and run_config["model"]["layers"] == 1


def test_grid_text_is_checked():
    assert parse_grid("layers=1,2 heads=2 hidden=64")["layers"] == [1, 2]
    with pytest.raises(CologError, match="not divisible"):
        parse_grid("heads=3 hidden=64")
    with pytest.raises(CologError, match="expected paper, small"):
        parse_grid("depth=3")
