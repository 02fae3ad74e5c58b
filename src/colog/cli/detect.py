"""`colog detect`, `colog watch` and `colog serve`: a trained run on new logs, in batch, live and over HTTP."""

from __future__ import annotations

import json
import logging
import signal
import socket
import time
from pathlib import Path
from typing import Optional

import typer

from colog.cli import options
from colog.cli.command import register as add
from colog.detection.config import DetectConfig, Precision
from colog.detection.familiarity import Familiarity
from colog.detection.verdict import Verdict
from colog.detection.summary import Summary

logger = logging.getLogger("colog.detect")

VERDICTS_OUT = options.out("verdicts.jsonl, .csv or .parquet (default, or -: JSON lines on stdout).")


def register(app: typer.Typer) -> None:
    add(app, "detect", detect, ["colog detect runs/casper /var/log/auth.log /var/log/auth.log.2.gz -o verdicts.jsonl",
                                "journalctl -o json --since today | colog detect runs/casper - --name syslog",
                                "colog detect runs/casper /var/log/ --ray --workers 4 -o shards/"])
    add(app, "watch", watch, ["colog watch runs/casper /var/log/syslog --state watch.json -o live.jsonl",
                              "journalctl -f -o cat | colog watch runs/casper - --name syslog"])
    add(app, "serve", serve, ["colog serve runs/casper --port 8000",
                              "curl -s localhost:8000/v1/detect -H 'content-type: application/json' "
                              "-d '{\"lines\": [\"...\"], \"file\": \"auth.log\"}'"])


class Tally:
    """Counts for the summary line on stderr."""

    def __init__(self):
        from colog.detection.batch import Counts

        self.counts = Counts()
        self.start = time.perf_counter()

    def line(self, what: str) -> str:
        seconds = time.perf_counter() - self.start
        c = self.counts
        return (f"{what}: {c.lines:,} lines, {c.anomalies:,} anomalous, {c.unparsed:,} unparsed; "
                f"{seconds:.1f} s, {c.lines / max(seconds, 1e-9):,.0f} lines/s")


def detect(given: list[Path] = typer.Argument(..., metavar="[RUNDIR] PATH",
                                             help="A run directory (or a bundled model's name; without one, the "
                                                  "bundled general model), then log files or directories (.gz, .bz2, "
                                                  ".xz read as they are), or - for standard input."),
           model: Optional[str] = options.MODEL,
           name: str = options.STDIN_NAME,
           out: Optional[Path] = VERDICTS_OUT,
           threshold: float = options.THRESHOLD, explain: bool = options.EXPLAIN, max_line_bytes: int = options.MAX_LINE,
           precision: Precision = options.PRECISION, year: Optional[int] = options.YEAR,
           summary: Optional[Path] = typer.Option(None, "--summary", metavar="FILE",
                                                  help="Also write what was flagged, by template, host and hour, "
                                                       "repeats folded: FILE.md or FILE.json."),
           fail_on_anomaly: bool = typer.Option(False, "--fail-on-anomaly",
                                                help="Exit 1 when a line is flagged (cron, CI); errors exit 2."),
           use_ray: bool = typer.Option(False, "--ray", help="Spread the files over Ray workers; -o names a "
                                                              "directory of JSONL shards, one per file."),
           address: Optional[str] = typer.Option(None, "--address", metavar="ADDRESS",
                                                 help="With --ray: join this cluster (auto, ray://host:10001)."),
           workers: int = typer.Option(2, "--workers", min=1, metavar="N",
                                       help="With --ray: detector actors (one CPU each).")) -> None:
    """One verdict per input line, in input order: where, when, what, and how likely it is anomalous."""
    from colog.parsing.readers import discover

    config = DetectConfig(explain=explain, threshold=threshold, strict=True, max_line_bytes=max_line_bytes, year=year)
    if summary is not None and summary.suffix.lower() not in (".md", ".json"):
        raise typer.BadParameter(f"--summary {summary}: name a .md or .json file")
    rundir, paths = _model_and_inputs(given, model, 1)
    if not paths:
        raise typer.BadParameter("name the logs to detect on after the run directory (or - for standard input)")
    files = discover(paths, name)
    found = Summary()
    if use_ray:
        _detect_on_ray(rundir, files, out, address, workers, config, precision, found)
    else:
        _detect(rundir, files, out, config, precision, found)
    if summary is not None:
        found.write(summary)
    if fail_on_anomaly and found.flagged:
        raise typer.Exit(1)


def _detect(rundir: Path, files: list, out: Path | None, config: DetectConfig, precision: Precision,
            found: Summary) -> None:
    from colog.artifacts import output_kind
    from colog.detection import Detector
    from colog.detection.batch import detect_file, require_some_log
    from colog.detection.output import verdict_writer
    from colog.progress import progress_bar

    output_kind(out)  # a bad output name fails before any work
    detector = Detector.load(rundir, precision=precision)
    session = detector.session(config)
    familiarity = Familiarity(detector.known_types())
    tally = Tally()
    results = []

    def emit(verdicts) -> None:
        writer.write(verdicts)
        found.add(verdicts)
        for warning in familiarity.add(verdicts):
            logger.warning(warning)

    with verdict_writer(out) as writer, progress_bar(total=sum(f.size for f in files), unit="B", unit_scale=True,
                                                     desc="detect") as bar:
        for log in files:
            left = log.size  # bytes on disk: a compressed file reads more, so the bar stops at its size

            def advance(n: int) -> None:
                nonlocal left
                step = min(n, left)
                left -= step
                bar.update(step)

            results.append(detect_file(session, log, emit, advance))
            tally.counts.merge(results[-1].counts)
            if results[-1].skipped:
                logger.warning("skipping %s", results[-1].skipped)  # a README beside the logs
            bar.update(left)  # a skipped file's unread bytes
        require_some_log(results)
        last = session.close()
        emit(last)
        tally.counts.add(last)
    _warn_guessed_years(results)
    for warning in familiarity.finish():
        logger.warning(warning)
    found.signals = familiarity.to_dict()
    typer.echo(tally.line("detect"), err=True)


def _warn_guessed_years(results: list) -> None:
    """Once for every file whose headers carried no year, as parse says it."""
    from colog.parsing.years import guessed_years_warning

    warning = guessed_years_warning({r.file: r.guessed_year for r in results if r.guessed_year is not None})
    if warning:
        logger.warning(warning)


def _detect_on_ray(rundir: Path, files: list, out: Path | None, address: str | None, workers: int,
                   config: DetectConfig, precision: Precision, found: Summary) -> None:
    from colog.detection import Detector
    from colog.detection.batch import require_some_log
    from colog.errors import CologError
    from colog.scale.batch import detect_on_ray
    from colog.scale.cluster import ray_session

    if out is None:
        raise CologError("--ray writes one JSONL shard per file: pass -o DIRECTORY")
    familiarity = Familiarity(Detector.load(rundir).known_types())  # a broken run fails here, not in every worker
    tally = Tally()
    with ray_session(address):
        results = detect_on_ray(rundir, files, out, workers, config, precision)
    for r in results:
        tally.counts.merge(r.counts)
        if r.skipped:
            logger.warning("skipping %s", r.skipped)
    require_some_log(results)
    _warn_guessed_years(results)
    for shard in sorted(out.glob("part-*.jsonl")):  # the summary reads back what the workers wrote
        with shard.open(encoding="utf-8") as fh:
            verdicts = [Verdict.from_dict(json.loads(line)) for line in fh]
        found.add(verdicts)
        familiarity.add(verdicts)
    for warning in familiarity.finish():
        logger.warning(warning)
    found.signals = familiarity.to_dict()
    typer.echo(tally.line(f"detect --ray ({workers} workers, {len(results)} files -> {out}/part-*.jsonl)"), err=True)


def watch(given: Optional[list[str]] = typer.Argument(None, metavar="[RUNDIR] [PATH]", show_default=False,
                                                      help="A run directory (or a bundled model's name; without "
                                                           "one, the bundled general model), then the log file to "
                                                           "follow (default: - for standard input)."),
          model: Optional[str] = options.MODEL,
          from_start: bool = typer.Option(False, "--from-start", help="Read the file from its first line."),
          state: Optional[Path] = typer.Option(None, "--state", metavar="FILE",
                                               help="JSON file to resume from and save to (file position, "
                                                    "templates): a restart continues after the last line emitted."),
          name: str = options.STDIN_NAME,
          out: Optional[Path] = options.out("Append verdicts here (.jsonl or .csv; default, or -: standard output)."),
          interval: float = typer.Option(0.01, "--interval", min=0.0, metavar="SECONDS",
                                         help="Seconds between polls of a quiet file."),
          flush_after: float = typer.Option(2.0, "--flush-after", min=0.0, metavar="SECONDS",
                                            help="A line waiting for the lines after it (a context window) gets its "
                                                 "verdict after this long without a new line."),
          threshold: float = options.THRESHOLD, explain: bool = options.EXPLAIN, max_line_bytes: int = options.MAX_LINE,
          precision: Precision = options.PRECISION) -> None:
    """Follow a growing log (rotation- and truncation-safe) or standard input; verdicts as lines arrive."""
    from colog.artifacts import output_kind
    from colog.detection import Detector
    from colog.detection.follow import watch as follow
    from colog.detection.output import last_line, verdict_writer

    config = DetectConfig(explain=explain, threshold=threshold, max_line_bytes=max_line_bytes)
    output_kind(out, ("jsonl", "csv"))
    rundir, rest = _model_and_inputs(given or [], model, 0)
    if len(rest) > 1:
        raise typer.BadParameter(f"watch follows one log; got {', '.join(map(str, rest))}")
    path = str(rest[0]) if rest else "-"
    target = None if path == "-" else Path(path)
    # after a hard kill the output may hold lines the saved state does not: they are not emitted again
    emitted = last_line(out, target.name if target else name) if state is not None else 0
    detector = Detector.load(rundir, precision=precision)
    tally = Tally()
    signal.signal(signal.SIGTERM, _interrupt)
    with verdict_writer(out, append=True) as writer:
        familiarity = Familiarity(detector.known_types())

        def emit(verdicts) -> None:
            writer.write(verdicts)
            writer.stream.flush()
            tally.counts.add(verdicts)
            for warning in familiarity.add(verdicts):
                logger.warning(warning)

        follow(detector, target, emit, config, name=name, from_start=from_start, state_path=state, interval=interval,
               flush_after=flush_after, emitted_through=emitted)
    typer.echo(tally.line("watch"), err=True)


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def _model_and_inputs(given: list, model: str | None, least: int) -> tuple[Path, list]:
    """The model that detects and the inputs left: --model; else a run directory (or bundled model name) given
    first, when `least` inputs follow it; else the bundled general model, said in one line."""
    from colog.rundir import DEFAULT_MODEL, bundled_models, is_model, model_path

    if model is not None:
        return model_path(model), list(given)
    if given and is_model(given[0]):
        if len(given) <= least:
            raise typer.BadParameter(f"{given[0]} is a model: name the logs after it")
        return model_path(given[0]), list(given[1:])
    default = bundled_models().get(DEFAULT_MODEL)
    if default is None:
        raise typer.BadParameter("no run directory given, and this installation bundles no model")
    typer.echo(f"colog: using the bundled model {DEFAULT_MODEL} (system logs: syslog, auth, kern, daemon, messages, "
               "dmesg ...; `colog models` says what it knows)", err=True)
    return default, list(given)


def serve(given: Optional[str] = typer.Argument(None, metavar="[RUNDIR]", show_default=False,
                                                help="A run directory, or a bundled model's name (default: the "
                                                     "bundled general model)."),
          host: str = typer.Option("127.0.0.1", "--host", metavar="ADDRESS",
                                   help="Address to bind (0.0.0.0 exposes the service)."),
          port: int = typer.Option(8000, "--port", min=0, max=65535, metavar="PORT", help="Port to listen on."),
          max_body_bytes: int = typer.Option(8 << 20, "--max-body-bytes", min=1, metavar="BYTES",
                                             help="Larger requests get HTTP 413."),
          precision: Precision = options.PRECISION) -> None:
    """HTTP service: POST /v1/detect, GET /healthz, GET /v1/model, GET /metrics (Prometheus); docs at /docs."""
    from colog.detection import Detector
    from colog.detection.service import create_app
    from colog.errors import CologError

    rundir = _model_and_inputs([given] if given else [], None, 0)[0]
    detector = Detector.load(rundir, precision=precision)
    app = create_app(detector, max_body_bytes)
    try:
        import uvicorn
    except ImportError as exc:
        raise CologError("colog serve needs the [serve] extra: pip install 'colog[serve]'") from exc
    try:  # bound here, so a port in use is one line, before "serving" is said
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        sock = socket.create_server((host, port), family=family)
    except OSError as exc:
        raise CologError(f"cannot listen on {host}:{port} ({exc.strerror or exc})") from exc
    typer.echo(f"serving {rundir} on http://{host}:{port} (docs: /docs, metrics: /metrics)", err=True)
    uvicorn.Server(uvicorn.Config(app, log_level="warning")).run(sockets=[sock])
