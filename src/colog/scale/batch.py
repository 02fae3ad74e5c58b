"""`colog detect --ray`: files spread over Ray Data actors, each file through the same path as `colog detect`.

Windows never cross files, so a file is the unit of work: each actor loads the run once and gives
every file a session of its own (`detection.batch.detect_file`), writing its verdicts to one JSONL
shard (`part-00000.jsonl` for the first file named, and so on), so the shards in order are the
single-process output. Each actor reads the MessageStore from its node's cache directory and adds
what it embeds there (shard names carry the process id, so actors never collide); on a cluster each
node builds its own cache, which costs SBERT time once per node instead of shipping vectors over the
network.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import numpy as np

from colog.detection.batch import Counts, FileResult, detect_file
from colog.detection.config import DetectConfig, Precision
from colog.errors import CologError
from colog.parsing.readers import LogFile


class DetectFiles:
    """A Ray Data actor: the Detector loaded once, then whole files in, one shard each out."""

    def __init__(self, rundir: str, out: str, detect: dict, precision: str):
        import torch

        from colog.detection import Detector

        torch.set_num_threads(1)  # an actor is a Ray worker process of its own, on one core: actors are the parallelism
        self.detector = Detector.load(rundir, precision=precision)
        self.out, self.config = Path(out), DetectConfig(**detect)

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        from colog.detection.output import verdict_writer

        results = []
        for path, name, index, explicit in zip(batch["path"], batch["name"], batch["index"], batch["explicit"]):
            session = self.detector.session(self.config)
            log = LogFile(Path(str(path)), str(name), bool(explicit))
            with verdict_writer(self.out / f"part-{int(index):05d}.jsonl") as writer:
                result = detect_file(session, log, writer.write)
                writer.write(session.close())  # nothing left after the file's end; saves new vectors
            results.append(result)
        return {"index": batch["index"], "lines": np.array([r.counts.lines for r in results]),
                "anomalies": np.array([r.counts.anomalies for r in results]),
                "unparsed": np.array([r.counts.unparsed for r in results]),
                "seconds": np.array([r.seconds for r in results]),
                "skipped": np.array([r.skipped for r in results], dtype=object),
                "guessed_year": np.array([r.guessed_year or 0 for r in results])}  # 0: none guessed


def detect_on_ray(rundir: Path, files: list[LogFile], out: Path, workers: int, config: DetectConfig,
                  precision: Precision | str = "fp32") -> list[FileResult]:
    """Detect every file on Ray (inside a `ray_session`); one result per file, in input order."""
    import ray

    if out.exists() and not out.is_dir():
        raise CologError(f"{out}: with --ray, -o names a directory for the JSONL shards")
    out.mkdir(parents=True, exist_ok=True)
    items = [{"path": str(f.path), "name": f.name, "index": i, "explicit": f.explicit} for i, f in enumerate(files)]
    ds = ray.data.from_items(items, override_num_blocks=len(items))
    rows = ds.map_batches(DetectFiles, batch_size=1, compute=ray.data.ActorPoolStrategy(size=workers), num_cpus=1,
                          fn_constructor_kwargs={"rundir": str(rundir.resolve()), "out": str(out.resolve()),
                                                 "detect": asdict(config), "precision": str(precision)}).take_all()
    rows = sorted(rows, key=lambda r: int(r["index"]))
    return [FileResult(files[int(r["index"])].name, Counts(int(r["lines"]), int(r["anomalies"]), int(r["unparsed"])),
                       float(r["seconds"]), str(r["skipped"]), int(r["guessed_year"]) or None) for r in rows]
