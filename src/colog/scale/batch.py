"""`colog detect --ray`: files spread over Ray Data actors, each file through the same Detector path.

Windows never cross files, so a file is the unit of work: each actor loads the run once and gives
every file a session of its own, writing its verdicts to one JSONL shard (`part-00000.jsonl` for
the first file named, and so on), so the shards in order are the single-process output. Each actor
reads the MessageStore from its node's cache directory and adds what it embeds there (shard names
carry the process id, so actors never collide); on a cluster each node builds its own cache, which
costs SBERT time once per node instead of shipping vectors over the network.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import numpy as np

from colog.detection.lines import MAX_LINE_BYTES
from colog.errors import CologError, FormatError


class DetectFiles:
    """A Ray Data actor: the Detector loaded once, then whole files in, one shard each out."""

    def __init__(self, rundir: str, out: str, threshold: float, explain: bool, precision: str, max_bytes: int):
        import torch

        from colog.detection import Detector

        torch.set_num_threads(1)  # one core per actor: the actors are the parallelism
        self.detector = Detector.load(rundir, precision=precision)
        self.out, self.threshold, self.explain, self.max_bytes = Path(out), threshold, explain, max_bytes

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        from colog.detection.output import verdict_writer

        lines_out, anomalies, unparsed, seconds, skipped = [], [], [], [], []
        for path, name, index, explicit in zip(batch["path"], batch["name"], batch["index"], batch["explicit"]):
            start = time.perf_counter()
            session = self.detector.session(self.explain, self.threshold, strict=True)
            n = flagged = bad = 0
            try:
                with verdict_writer(self.out / f"part-{int(index):05d}.jsonl") as writer:
                    for verdicts, _ in session.feed_file(Path(str(path)), str(name), self.max_bytes):
                        writer.write(verdicts)
                        n, flagged = n + len(verdicts), flagged + sum(v.label for v in verdicts)
                        bad += sum(v.cls == "unparsed" for v in verdicts)
                    writer.write(session.close())  # nothing left after the file's end; saves new vectors
                reason = ""
            except FormatError as exc:
                if explicit:
                    raise
                reason = str(exc)  # a README beside the logs: skipped, as `colog detect` skips it
            lines_out.append(n)
            anomalies.append(flagged)
            unparsed.append(bad)
            seconds.append(time.perf_counter() - start)
            skipped.append(reason)
        return {"index": batch["index"], "lines": np.array(lines_out), "anomalies": np.array(anomalies),
                "unparsed": np.array(unparsed), "seconds": np.array(seconds), "skipped": np.array(skipped, dtype=object)}


def detect_on_ray(rundir: Path, files: list, out: Path, workers: int, threshold: float = 0.5,
                  explain: bool = False, precision: str = "fp32", max_bytes: int = MAX_LINE_BYTES) -> list[dict]:
    """Detect every file on Ray (inside a `ray_session`); returns one summary row per file, in input order."""
    import ray

    if out.exists() and not out.is_dir():
        raise CologError(f"{out}: with --ray, -o names a directory for the JSONL shards")
    out.mkdir(parents=True, exist_ok=True)
    items = [{"path": str(f.path), "name": f.name, "index": i, "explicit": f.explicit} for i, f in enumerate(files)]
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False  # colog prints its own summary; Ray's progress lines are noise here
    context.enable_operator_progress_bars = False
    logging.getLogger("ray.data").setLevel(logging.ERROR)
    ds = ray.data.from_items(items, override_num_blocks=len(items))
    results = ds.map_batches(DetectFiles, batch_size=1, compute=ray.data.ActorPoolStrategy(size=workers), num_cpus=1,
                             fn_constructor_kwargs={"rundir": str(rundir.resolve()), "out": str(out.resolve()),
                                                    "threshold": threshold, "explain": explain,
                                                    "precision": precision, "max_bytes": max_bytes}).take_all()
    rows = sorted(({k: (v.item() if hasattr(v, "item") else v) for k, v in r.items()} for r in results),
                  key=lambda r: r["index"])
    for row in rows:
        row["file"] = files[row["index"]].name
    return rows
