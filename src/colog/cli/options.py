"""Options several commands share, each declared once: its default read from the config dataclass it fills,
choices from the configs' Enums, and one builder from parsed options to an ExperimentConfig.

A command that trains CoLog names the groups of options it takes with `@experiment(...)` and receives
them as one `config: ExperimentConfig`; its own options stay in its signature.
"""

from __future__ import annotations

import functools
import inspect
import typing
from copy import copy
from dataclasses import MISSING, fields, replace
from enum import Enum
from pathlib import Path
from typing import Any, Callable, NamedTuple, Optional

import typer

from colog.config import SIZES, ExperimentConfig, Task
from colog.detection.config import DetectConfig, Precision
from colog.features.balance import Balance
from colog.features.split import Protocol, SplitConfig
from colog.model.config import CoLogConfig
from colog.training.config import TrainConfig


def default(cls: type, name: str) -> Any:
    """The default of field `name` of dataclass `cls`."""
    f = next(f for f in fields(cls) if f.name == name)
    return f.default if f.default is not MISSING else f.default_factory()


def choices(kind: type[Enum]) -> str:
    """The metavar of an option whose values are an Enum's: [a|b|c]."""
    return "[" + "|".join(member.value for member in kind) + "]"


def out(help: str, default: Path | None = None) -> Any:
    """`-o/--out`: every command's output, a file or a directory."""
    return typer.Option(default, "--out", "-o", help=help, metavar="PATH")


# The data every command reads.
PATHS = typer.Argument(..., metavar="PATH", help="Log files or directories (searched recursively; .gz, .bz2, .xz read as "
                                                  "they are), or - for standard input.")
FORMAT = typer.Option(None, "--format", "-f", metavar="FORMAT",
                      help="auto, a preset name (colog datasets), syslog, or a header string '<Date> ... <Content>'.")
DATASET = typer.Option(None, "--dataset", "-d", metavar="NAME",
                       help="A dataset preset (colog datasets): its format and label rule.")
YEAR = typer.Option(None, "--year", metavar="YEAR", help="Year of each file's first line when headers carry none "
                                                         "(default: inferred back from the file's modification time).")
RULE = typer.Option(None, "--rule", "-r", metavar="RULE", help="column | level[:L,...] | keywords:FILE|DIR|@set "
                                                               "| keywords-substring:... | labels:FILE.csv "
                                                               "| blocks:FILE.csv")
JSON = typer.Option(False, "--json", help="Print the summary as one JSON object on stdout.")
STDIN_NAME = typer.Option("-", "--name", metavar="NAME",
                          help="The file name standard input (-) stands for: its type picks the keyword lists and the "
                               "source token, as auth.log's does.")

# How a trained run judges lines (detect, watch, serve).
THRESHOLD = typer.Option(default(DetectConfig, "threshold"), "--threshold", metavar="P",
                         help="Flag a line when P(anomalous) is at least this.")
EXPLAIN = typer.Option(default(DetectConfig, "explain"), "--explain",
                       help="Explain each flagged line: the words whose removal, and the window lines whose "
                            "masking, lower P(anomalous) most, each with its signed change.")
MAX_LINE = typer.Option(default(DetectConfig, "max_line_bytes"), "--max-line-bytes", min=1, metavar="BYTES",
                        help="Longer lines get class 'unparsed'.")
PRECISION = typer.Option(Precision.fp32, "--precision", metavar=choices(Precision),
                         help="fp32: the scores `colog evaluate` gives; int8: the network's matrix products in int8 "
                              "(faster on CPUs; probabilities within ~0.01); bf16: autocast (pays only on CPUs with "
                              "fast bf16 matrix products).")
RUNDIR = typer.Argument(..., metavar="RUNDIR", help="A run directory written by `colog train` (or `colog demo`).")
MODEL = typer.Option(None, "--model", "-m", metavar="RUNDIR|NAME",
                     help="The model that detects: a run directory or a bundled model's name (colog models); the "
                          "arguments are then all logs.")


class Shared(NamedTuple):
    """A shared option of the commands that train CoLog: its type and its Typer declaration."""

    annotation: Any
    option: Any


SHARED: dict[str, Shared] = {
    "paths": Shared(list[Path], PATHS),
    "dataset": Shared(Optional[str], DATASET),
    "rule": Shared(Optional[str], RULE),
    "fmt": Shared(Optional[str], FORMAT),
    "year": Shared(Optional[int], YEAR),
    "task": Shared(Task, typer.Option(default(ExperimentConfig, "task"), "--task", metavar=choices(Task),
                                      help="point: 2 classes; collective: the paper's 4 (normal, point, collective, "
                                           "both).")),
    "protocol": Shared(Protocol, typer.Option(default(SplitConfig, "protocol"), "--protocol", metavar=choices(Protocol),
                                              help="paper: random stratified 60/20/20; chronological: the earliest "
                                                   "60 % train, the latest 20 % test.")),
    "window": Shared(str, typer.Option(default(ExperimentConfig, "window"), "--window", "-w", metavar="KIND:W",
                                       help="background:W or context:W (the paper: context:1).")),
    "current_line": Shared(Optional[bool], typer.Option(
        default(ExperimentConfig, "include_current"), "--current-line/--no-current-line",
        help="Put the line itself in its window (default: yes for the point task, no for collective, as the paper).")),
    "balance": Shared(Balance, typer.Option(default(ExperimentConfig, "balance"), "--balance", metavar=choices(Balance),
                                            help="Undersampling of the training split (the paper: tomek).")),
    "isolate_splits": Shared(bool, typer.Option(default(ExperimentConfig, "isolate_splits"), "--isolate-splits",
                                                help="Paper protocol: windows take no neighbour from another split "
                                                     "(their labels and vectors), to measure how much the paper's "
                                                     "windows leak; the chronological protocol always isolates.")),
    "hide_later_splits": Shared(bool, typer.Option(default(ExperimentConfig, "hide_later_splits"),
                                                   "--hide-later-splits",
                                                   help="Paper protocol: windows take no neighbour of a later split "
                                                        "(training < validation < test), so nothing of the test "
                                                        "lines reaches training and the test lines keep the paper's "
                                                        "windows: the leak alone.")),
    "corrections": Shared(Optional[Path], typer.Option(None, "--corrections", metavar="FILE.csv",
                                                       help="Your corrections of the rule's labels: a CSV of "
                                                            "file,line,label or message,label.")),
    "init": Shared(Optional[str], typer.Option(None, "--init", metavar="RUNDIR|NAME",
                                               help="Fine-tune from this run or bundled model (its vocabulary, "
                                                    "sizes and weights) instead of starting afresh; give a few "
                                                    "--epochs.")),
    "refit": Shared(bool, typer.Option(default(ExperimentConfig, "refit"), "--refit",
                                       help="Once validation has chosen the number of epochs, fit the vocabulary, "
                                            "word vectors, templates, balancing and network again on the training "
                                            "and validation lines together for that many epochs (under "
                                            "--protocol chronological: the period nearest the test's). colog "
                                            "benchmark refits every baseline that learns too, a network for the "
                                            "epochs its own validation chose.")),
    "no_source_token": Shared(bool, typer.Option(not default(ExperimentConfig, "source_token"), "--no-source-token",
                                                 help="Do not lead the tokens with the file type (the paper's "
                                                      "input).")),
    "seed": Shared(int, typer.Option(default(SplitConfig, "seed"), "--seed", metavar="N",
                                     help="Seed of the split, word2vec and the network.")),
    "window_positions": Shared(bool, typer.Option(
        default(CoLogConfig, "window_positions"), "--window-positions",
        help="Add a learned vector per window row position, so the model knows which row is the line's own "
             "(--current-line) and which came before or after (the paper's network reads it nearly as a set).")),
    "unk_dropout": Shared(float, typer.Option(
        CoLogConfig.shipped().unk_dropout, "--unk-dropout", metavar="P",
        help="In training, read each word as the unknown word with probability P, so that a word the model never "
             "saw says nothing either way (trained without it, unknown words on another machine's logs push "
             "towards anomalous); 0 trains the paper's network.")),
    "window_dropout": Shared(float, typer.Option(
        default(CoLogConfig, "window_dropout"), "--window-dropout", metavar="P",
        help="In training, mask out each window row with probability P, so that a verdict does not hang on "
             "which neighbours a line happens to have (on other logs its neighbours differ).")),
    "bit_heads": Shared(bool, typer.Option(default(CoLogConfig, "bit_heads"), "--bit-heads",
                                           help="4-class task: the line's and the window's anomaly bits from two "
                                                "heads (their product is the class distribution), not one softmax.")),
    # The network's sizes; the defaults are the paper's. A smaller network trains faster on few cores.
    "layers": Shared(int, typer.Option(default(CoLogConfig, "layers"), "--layers", metavar="T",
                                       help="Collaborative blocks T (the paper: 2).")),
    "heads": Shared(int, typer.Option(default(CoLogConfig, "heads"), "--heads", metavar="H",
                                      help="Attention heads (the paper: 4); they must divide --hidden.")),
    "hidden": Shared(int, typer.Option(default(CoLogConfig, "hidden"), "--hidden", metavar="D",
                                       help="The streams' width d (the paper: 256).")),
    "ffn": Shared(int, typer.Option(default(CoLogConfig, "ffn"), "--ffn", metavar="D",
                                    help="Feed-forward width in each block (the paper: 2048).")),
    "dropout": Shared(float, typer.Option(default(CoLogConfig, "dropout"), "--dropout", metavar="P",
                                          help="Dropout in every block (the paper: 0.1).")),
    "no_semantic": Shared(bool, typer.Option(False, "--no-semantic", help="Ablation: drop the word modality.")),
    "no_sequence": Shared(bool, typer.Option(False, "--no-sequence", help="Ablation: drop the window modality.")),
    "no_impressed": Shared(bool, typer.Option(False, "--no-impressed", help="Ablation: self-attention only.")),
    "no_mal": Shared(bool, typer.Option(False, "--no-mal", help="Ablation: no modality adaptation layer.")),
    "no_balancing_layer": Shared(bool, typer.Option(False, "--no-balancing-layer",
                                                    help="Ablation: mean pooling instead of the balancing layer.")),
    "epochs": Shared(int, typer.Option(default(TrainConfig, "epochs"), "--epochs", metavar="N",
                                       help="At most this many epochs (early stopping may end sooner; the paper: "
                                            "20).")),
    "batch_size": Shared(int, typer.Option(default(TrainConfig, "batch_size"), "--batch-size", metavar="N",
                                           help="Training lines per step (the paper: 32).")),
    "lr": Shared(float, typer.Option(default(TrainConfig, "lr"), "--lr", metavar="RATE",
                                     help="Adam's learning rate (the paper: 5e-5).")),
    "min_epoch_steps": Shared(int, typer.Option(default(TrainConfig, "min_epoch_steps"), "--min-epoch-steps",
                                                metavar="N", help="An epoch repeats passes over the distinct training "
                                                                  "inputs until it has this many steps (0: one "
                                                                  "pass).")),
}

DATA = ("paths", "dataset", "rule", "fmt", "year")
RUN = ("task", "protocol", "window", "current_line", "isolate_splits", "hide_later_splits", "balance",
       "no_source_token")
# CoLog's options beyond the paper's network
OURS = ("window_positions", "bit_heads", "unk_dropout", "window_dropout")
ABLATIONS = ("no_semantic", "no_sequence", "no_impressed", "no_mal", "no_balancing_layer")
RETRAIN = ("corrections", "init")
REFIT = ("refit",)  # training's own commands only: a study or a search reads validation after the fit
SCHEDULE = ("epochs", "batch_size", "lr", "min_epoch_steps")


def experiment_config(values: dict[str, Any]) -> ExperimentConfig:
    """The run config the options ask for; options a command does not take keep their defaults. A bad value
    stops here with one line, before any data is read."""
    v = {name: shared.option.default for name, shared in SHARED.items()} | values
    if v["no_semantic"] and v["no_sequence"]:
        raise typer.BadParameter("--no-semantic and --no-sequence together leave nothing to learn from")
    split = SplitConfig(protocol=v["protocol"], seed=v["seed"])
    model = replace(CoLogConfig(), **{size: v[size] for size in SIZES}, window_positions=v["window_positions"],
                    bit_heads=v["bit_heads"], unk_dropout=v["unk_dropout"], window_dropout=v["window_dropout"],
                    semantic=not v["no_semantic"], sequence=not v["no_sequence"], impressed=not v["no_impressed"],
                    mal=not v["no_mal"], balancing_layer=not v["no_balancing_layer"])
    train = replace(TrainConfig(), epochs=v["epochs"], batch_size=v["batch_size"], lr=v["lr"], seed=v["seed"],
                    min_epoch_steps=v["min_epoch_steps"])
    return ExperimentConfig(paths=[str(Path(p).resolve()) for p in v["paths"]], dataset=v["dataset"],
                            format=v["fmt"], rule=v["rule"], year=v["year"], task=v["task"], window=v["window"],
                            include_current=v["current_line"], isolate_splits=v["isolate_splits"],
                            hide_later_splits=v["hide_later_splits"],
                            balance=v["balance"], source_token=not v["no_source_token"], split=split, model=model,
                            train=train, corrections=str(Path(v["corrections"]).resolve()) if v["corrections"] else None,
                            init=v["init"], refit=v["refit"])


def experiment(*groups: tuple[str, ...], defaults: dict[str, Any] | None = None,
               fixed: dict[str, Any] | None = None) -> Callable[[Callable], Callable]:
    """Give a command the shared options of `groups` and call it with `config`, the ExperimentConfig they make.

    `defaults` changes an option's default for this command; `fixed` sets values of options it does not take.
    The command's own arguments come first on its command line, then the shared options, then its own.
    """
    names = [name for group in groups for name in group]

    def decorate(command: Callable) -> Callable:
        hints = typing.get_type_hints(command)
        own = [p.replace(annotation=hints.get(p.name, p.annotation))
               for p in inspect.signature(command).parameters.values() if p.name != "config"]
        shared = []
        for name in names:
            option = copy(SHARED[name].option)
            if defaults and name in defaults:
                option.default = defaults[name]
            shared.append(inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=option,
                                            annotation=SHARED[name].annotation))
        arguments = [p for p in own if isinstance(p.default, typer.models.ArgumentInfo)]
        params = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in arguments] + shared + \
                 [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in own if p not in arguments]

        @functools.wraps(command)
        def run(**kwargs: Any) -> Any:
            values = {name: kwargs.pop(name) for name in names}
            return command(config=experiment_config((fixed or {}) | values), **kwargs)

        run.__signature__ = inspect.Signature(params)
        run.__annotations__ = {p.name: p.annotation for p in params}
        return run

    return decorate
