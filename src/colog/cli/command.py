"""What every `colog` command shares: global flags after the command name, old flag spellings kept as hidden
aliases, a usage line and option types people read, and examples at the end of its help."""

from __future__ import annotations

import logging
from typing import Callable

import typer
from typer.core import TyperArgument, TyperCommand

# Old spellings -> today's: scripts that use them keep working; help shows one name per option.
ALIASES = {"--output": "--out"}
VERBOSE = ("-v", "--verbose")


def set_verbose(on: bool) -> None:
    """Progress details (counts, sizes, reasons) on stderr, or warnings only."""
    logging.getLogger("colog").setLevel(logging.INFO if on else logging.WARNING)


def show_version(on: bool) -> None:
    if on:
        from colog import __version__

        typer.echo(f"colog {__version__}")
        raise typer.Exit()


class Command(TyperCommand):
    """A colog command: `-v`/`--verbose` and `--version` are taken after the command name as before it, and
    `ALIASES` are rewritten before parsing."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for param in self.params:
            if isinstance(param, TyperArgument):  # its metavar names it and its help says what it takes
                param.display_type_rich = lambda ctx: None

    def parse_args(self, ctx, args: list[str]) -> list[str]:
        kept: list[str] = []
        for i, arg in enumerate(args):
            if arg == "--":  # everything after it is a value, never a flag
                kept += args[i:]
                break
            name, eq, value = arg.partition("=")
            if arg in VERBOSE:
                set_verbose(True)
            elif arg == "--version":
                show_version(True)
            else:
                kept.append(ALIASES.get(name, name) + eq + value if name.startswith("--") else arg)
        return super().parse_args(ctx, kept)

    def collect_usage_pieces(self, ctx) -> list[str]:
        """`[OPTIONS] RUNDIR PATH...`: arguments by their metavar, optional ones in brackets."""
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if isinstance(param, TyperArgument):
                name = (param.metavar or param.name.upper()) + ("..." if param.nargs != 1 else "")
                pieces.append(name if param.required else f"[{name}]")
        return pieces


def register(app: typer.Typer, name: str, command: Callable, examples: list[str]) -> None:
    """Add `command` to `app` as `name`, its help ending in the example lines."""
    epilog = "Examples:\n\n\b\n" + "\n".join(f"  {line}" for line in examples)  # \b: click keeps the lines
    app.command(name, cls=Command, epilog=epilog)(command)
