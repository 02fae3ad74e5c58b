"""Entry point: the Typer app, logging to stderr, process-wide settings, and the one place errors become exit
codes."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading

import typer

from colog.cli import benchmark, data, demo, detect, models, study, train, tune
from colog.cli.command import set_verbose, show_version
from colog.errors import CologError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False, rich_markup_mode=None,
                  help="colog: log anomaly detection with collaborative transformers (CoLog). "
                       "-v and --version work after a command's name too.")


@app.callback()
def _options(verbose: bool = typer.Option(False, "--verbose", "-v", help="Log progress details to stderr."),
             version: bool = typer.Option(False, "--version", is_eager=True, callback=show_version,
                                          help="Print colog's version and exit.")) -> None:
    set_verbose(verbose)


def process_settings() -> None:
    """Settings that hold for the whole process, made here and nowhere in the library: models load from disk
    only, and Ray's own progress lines and log copies stay out of colog's output."""
    for name, value in (("HF_HUB_OFFLINE", "1"), ("TRANSFORMERS_OFFLINE", "1"), ("RAY_DEDUP_LOGS", "0"),
                        ("RAY_DATA_DISABLE_PROGRESS_BARS", "1")):
        os.environ.setdefault(name, value)
    logging.getLogger("ray.data").setLevel(logging.ERROR)


data.register(app)
demo.register(app)
train.register(app)
detect.register(app)
models.register(app)
benchmark.register(app)
study.register(app)
tune.register(app)


class Terminated(BaseException):
    """SIGTERM (systemd stopping a unit, `timeout`, `kill`), raised where the process is, so that the `finally`
    blocks that remove half-written outputs run as they do on Ctrl-C."""


def _terminate(signum, frame) -> None:
    raise Terminated


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; user errors print one line on stderr and exit non-zero (COLOG_DEBUG=1: traceback)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("colog: %(message)s"))
    root = logging.getLogger("colog")
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    process_settings()
    debug = os.environ.get("COLOG_DEBUG") == "1"
    command = typer.main.get_command(app)
    main_thread = threading.current_thread() is threading.main_thread()  # only it may set a signal handler
    previous = signal.signal(signal.SIGTERM, _terminate) if main_thread else None
    try:
        # Typer turns Ctrl-C into Exit(130) and, outside standalone mode, returns an exit's code: keep it.
        code = command.main(args=argv, prog_name="colog", standalone_mode=False)
        if code == 130:
            print("colog: interrupted", file=sys.stderr)
        return code if isinstance(code, int) else 0
    except typer.Exit as exc:
        return exc.exit_code
    except typer.TyperException as exc:  # usage errors (Typer carries its own click): usage, hint, reason
        if exc.format_message():
            exc.show()
        return exc.exit_code  # 2 for usage errors; `colog` alone printed its help and lands here too
    except typer.Abort:
        print("colog: aborted", file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        print("colog: interrupted", file=sys.stderr)
        return 130
    except Terminated:
        print("colog: terminated", file=sys.stderr)
        return 128 + signal.SIGTERM
    except CologError as exc:
        if debug:
            raise
        print(f"colog: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except Exception as exc:  # a bug, not a user error: still one line unless debugging
        if debug:
            raise
        print(f"colog: internal error: {type(exc).__name__}: {exc} (COLOG_DEBUG=1 shows the traceback)",
              file=sys.stderr)
        return 1
    finally:
        root.removeHandler(handler)
        if main_thread:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    sys.exit(main())
