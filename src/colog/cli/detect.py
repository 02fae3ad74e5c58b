"""`colog detect`, `colog watch` and `colog serve`: a trained run on new logs, in batch, live and over HTTP."""

from __future__ import annotations

import logging
import signal
import time
from pathlib import Path
from typing import Optional

import typer

logger = logging.getLogger("colog.detect")

RUNDIR = typer.Argument(..., help="A run directory written by `colog train` (or `colog demo`).")
THRESHOLD = typer.Option(0.5, "--threshold", help="Flag a line when P(anomalous) is at least this.")
EXPLAIN = typer.Option(False, "--explain", help="Add the neighbouring lines and words the model attended to most.")
MAX_LINE = typer.Option(1 << 20, "--max-line-bytes", min=1, help="Longer lines get class 'unparsed'.")
PRECISION = typer.Option("fp32", "--precision",
                         help="fp32 (the scores `colog evaluate` gives), int8 (the network's matrix products in int8: "
                              "faster on CPUs; probabilities within ~0.01) or bf16 (autocast; pays only on CPUs with "
                              "fast bf16 matrix products).")


def register(app: typer.Typer) -> None:
    app.command("detect")(detect)
    app.command("watch")(watch)
    app.command("serve")(serve)


class Tally:
    """Counts for the summary line on stderr."""

    def __init__(self):
        self.lines = self.anomalies = self.unparsed = 0
        self.start = time.perf_counter()

    def add(self, verdicts) -> None:
        self.lines += len(verdicts)
        self.anomalies += sum(v.label for v in verdicts)
        self.unparsed += sum(v.cls == "unparsed" for v in verdicts)

    def line(self, what: str) -> str:
        seconds = time.perf_counter() - self.start
        return (f"{what}: {self.lines:,} lines, {self.anomalies:,} anomalous, {self.unparsed:,} unparsed; "
                f"{seconds:.1f} s, {self.lines / max(seconds, 1e-9):,.0f} lines/s")


def detect(rundir: Path = RUNDIR,
           paths: list[Path] = typer.Argument(..., help="Log files or directories."),
           out: Optional[Path] = typer.Option(None, "--output", "-o",
                                              help="verdicts.jsonl or verdicts.csv (default: JSON lines on stdout)."),
           threshold: float = THRESHOLD, explain: bool = EXPLAIN, max_line_bytes: int = MAX_LINE,
           precision: str = PRECISION,
           use_ray: bool = typer.Option(False, "--ray", help="Spread the files over Ray workers; -o names a "
                                                              "directory of JSONL shards, one per file."),
           address: Optional[str] = typer.Option(None, "--address", help="With --ray: join this cluster."),
           workers: int = typer.Option(2, "--workers", min=1,
                                       help="With --ray: detector actors (one CPU each).")) -> None:
    """One verdict per input line, in input order: file, line, label, class, probability, template_id."""
    from colog.detection import Detector
    from colog.detection.output import format_of, verdict_writer
    from colog.errors import FormatError
    from colog.parsing.readers import discover
    from colog.progress import progress_bar

    files = discover(paths)
    if use_ray:
        return _detect_on_ray(rundir, files, out, address, workers, threshold, explain, precision, max_line_bytes)
    format_of(out)  # a bad output name fails before any work
    detector = Detector.load(rundir, precision=precision)
    session = detector.session(explain, threshold, strict=True)
    tally = Tally()
    total = sum(f.path.stat().st_size for f in files)
    skipped: list[str] = []
    with verdict_writer(out) as writer, progress_bar(total=total, unit="B", unit_scale=True, desc="detect") as bar:
        def emit(verdicts) -> None:
            writer.write(verdicts)
            tally.add(verdicts)

        for log in files:
            done = 0
            try:
                for verdicts, read in session.feed_file(log.path, log.name, max_line_bytes):
                    emit(verdicts)
                    bar.update(read - done)
                    done = read
            except FormatError as exc:
                if log.explicit:
                    raise
                logger.warning("skipping %s", exc)  # a README beside the logs, as `colog parse` skips it
                skipped.append(str(exc))
            bar.update(log.path.stat().st_size - done)
        if len(skipped) == len(files):  # nothing was a log: an error, as in `colog parse`, not "0 lines"
            raise FormatError(_nothing_parsed(skipped))
        emit(session.close())
    typer.echo(tally.line("detect"), err=True)


def _detect_on_ray(rundir, files, out, address, workers, threshold, explain, precision, max_line_bytes) -> None:
    from colog.detection import Detector
    from colog.errors import CologError, FormatError
    from colog.scale.batch import detect_on_ray
    from colog.scale.cluster import ray_session

    if out is None:
        raise CologError("--ray writes one JSONL shard per file: pass -o DIRECTORY")
    Detector.load(rundir)  # a broken run directory fails here, not inside every worker
    tally = Tally()
    with ray_session(address):
        rows = detect_on_ray(rundir, files, out, workers, threshold, explain, precision, max_line_bytes)
    skipped = [row["skipped"] for row in rows if row["skipped"]]
    for reason in skipped:
        logger.warning("skipping %s", reason)
    if len(skipped) == len(rows):
        raise FormatError(_nothing_parsed(skipped))
    tally.lines, tally.anomalies = sum(r["lines"] for r in rows), sum(r["anomalies"] for r in rows)
    tally.unparsed = sum(r["unparsed"] for r in rows)
    typer.echo(tally.line(f"detect --ray ({workers} workers, {len(rows)} files -> {out}/part-*.jsonl)"), err=True)


def _nothing_parsed(reasons: list[str]) -> str:
    more = f" (and {len(reasons) - 1} more files skipped)" if len(reasons) > 1 else ""
    return f"no log lines to detect on: {reasons[0]}{more}"


def watch(rundir: Path = RUNDIR,
          path: str = typer.Argument("-", help="The log file to follow, or - for standard input."),
          from_start: bool = typer.Option(False, "--from-start", help="Read the file from its first line."),
          state: Optional[Path] = typer.Option(None, "--state",
                                               help="JSON file to resume from and save to (file position, "
                                                    "templates): a restart continues after the last line emitted."),
          name: str = typer.Option("-", "--name", help="File name of standard input (its type is the source "
                                                       "token, e.g. auth.log)."),
          out: Optional[Path] = typer.Option(None, "--output", "-o", help="Append verdicts here (.jsonl or .csv) "
                                                                           "instead of standard output."),
          interval: float = typer.Option(0.01, "--interval", min=0.0, help="Seconds between polls of a quiet file."),
          threshold: float = THRESHOLD, explain: bool = EXPLAIN, precision: str = PRECISION) -> None:
    """Follow a growing log (rotation- and truncation-safe) or standard input; verdicts as lines arrive."""
    from colog.detection import Detector
    from colog.detection.follow import watch as follow
    from colog.detection.output import format_of, verdict_writer

    format_of(out)
    detector = Detector.load(rundir, precision=precision)
    tally = Tally()
    signal.signal(signal.SIGTERM, _interrupt)
    target = None if path == "-" else Path(path)
    with verdict_writer(out, append=True) as writer:
        def emit(verdicts) -> None:
            writer.write(verdicts)
            writer.stream.flush()
            tally.add(verdicts)

        follow(detector, target, emit, name=name, from_start=from_start, state_path=state, interval=interval,
               explain=explain, threshold=threshold)
    typer.echo(tally.line("watch"), err=True)


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def serve(rundir: Path = RUNDIR,
          host: str = typer.Option("127.0.0.1", "--host", help="Address to bind (0.0.0.0 exposes the service)."),
          port: int = typer.Option(8000, "--port", min=0, max=65535),
          max_body_bytes: int = typer.Option(8 << 20, "--max-body-bytes", min=1, help="Larger requests get HTTP 413."),
          precision: str = PRECISION) -> None:
    """HTTP service: POST /v1/detect, GET /healthz, GET /v1/model; OpenAPI docs at /docs."""
    from colog.detection import Detector
    from colog.detection.service import create_app
    from colog.errors import CologError

    detector = Detector.load(rundir, precision=precision)
    app = create_app(detector, max_body_bytes)
    try:
        import uvicorn
    except ImportError as exc:
        raise CologError("colog serve needs the [serve] extra: pip install 'colog[serve]'") from exc
    typer.echo(f"serving {rundir} on http://{host}:{port} (docs: /docs)", err=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")
