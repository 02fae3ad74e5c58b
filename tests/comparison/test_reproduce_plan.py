"""scripts/reproduce_results.sh --plan: the colog commands still to run, nothing run, nothing written."""

import json
import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_plan_lists_what_results_lacks_and_runs_nothing(tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "scripts", repo / "scripts")
    shutil.copy(ROOT / "pyproject.toml", repo)
    (repo / ".venv").symlink_to(ROOT / ".venv")  # setup.sh finds it installed and only checks
    rows = [{"dataset": "honey7", "seed": s, "method": m, "options": ""} for s in (3, 4, 5) for m in ("svm", "colog")]
    rows += [{"dataset": "honey7", "seed": s, "method": "svm", "options": "--refit"} for s in (3, 4, 5)]
    (repo / "results" / "chrono").mkdir(parents=True)
    (repo / "results" / "chrono" / "results.json").write_text(json.dumps(rows))
    (repo / "results" / "leak" / "casper-shared-s4").mkdir(parents=True)
    (repo / "results" / "leak" / "casper-shared-s4" / "metrics.json").write_text("{}")
    fold = repo / "runs" / "lodo" / "on-casper-s3"  # a leave-one-out fold finished here, not yet archived
    fold.mkdir(parents=True)
    (fold / "metrics.json").write_text("{}")
    env = {k: v for k, v in os.environ.items() if k != "COLOG"}
    done = subprocess.run(["bash", "scripts/reproduce_results.sh", "--plan"], cwd=repo, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    plan = done.stdout.splitlines()
    assert all(line.startswith("colog ") for line in plan)
    bench = [line for line in plan if " benchmark " in line and "--protocol chronological" in line]
    assert not any("--dataset honey7" in line and "--methods" not in line for line in bench)  # in results/
    assert any("--dataset honey7" in line and "--unk-dropout 0.1" in line for line in bench)
    paper = [line.split("--dataset ")[1].split()[0] for line in bench
             if line.endswith("--methods colog --unk-dropout 0")]
    assert "casper" in paper and "honey7" not in paper  # the paper's network is recorded as no options: done
    refit = [line for line in bench if "--refit" in line and "--methods colog " in line]
    assert [line.split("--dataset ")[1].split()[0] for line in refit] == ["bgl", "zookeeper", "honey7"]
    assert all("--seeds 3,4,5" in line for line in refit)  # honey7's refit baselines do not count as CoLog's
    baselines = [line for line in bench if "--refit" in line and line not in refit]
    assert [line.split("--dataset ")[1].split()[0] for line in baselines] == ["bgl", "zookeeper"]
    methods = [line.split("--methods ")[1].split()[0].split(",") for line in baselines]
    assert all("svm" in m and "colog" not in m and "keyword_rule" not in m for m in methods)
    assert any("--dataset casper" in line and "--seeds 3,4,5" in line for line in bench)
    leak = [line for line in plan if "-o runs/results/leak/casper-shared-" in line]
    assert [line.split()[-2].rsplit("-", 1)[1] for line in leak] == ["s3", "s5"]
    hidden = [line for line in plan if "-o runs/results/leak/casper-hidden-" in line]
    assert len(hidden) == 3 and all("--hide-later-splits" in line for line in hidden)
    option = [line for line in plan if "runs/results/options4/casper-current-line-window-positions-" in line]
    assert [("--hide-later-splits" in line, line.split()[-2][-2:]) for line in option] == [
        (False, "s3"), (False, "s4"), (False, "s5"), (True, "s3"), (True, "s4"), (True, "s5")]
    assert plan.index(option[-1]) < plan.index(next(line for line in plan if "--protocol paper" in line
                                                    and "--dataset spark" in line))
    assert any(line.startswith("colog train ") and "runs/lodo/without-honey7-s3" in line for line in plan)
    assert plan.index(bench[0]) < plan.index(leak[0])  # the headline's rows before the 4-class runs
    assert not any("runs/lodo/without-casper-s3 " in line for line in plan)
    assert any("runs/lodo/without-casper-s4 " in line for line in plan)
    # nothing written: no log, no run, and the finished fold not archived into results/ either
    assert [p.relative_to(repo) for p in (repo / "runs").rglob("*")] == [Path("runs/lodo"), fold.relative_to(repo),
                                                                         fold.relative_to(repo) / "metrics.json"]
    assert not (repo / "results" / "lodo").exists() and not (repo / "docs").exists()
