"""`colog models` and `colog pack`: the models colog ships, and a run packed into one."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from colog.cli import options
from colog.cli.command import register as add
from colog.config import ExperimentConfig
from colog.features.tokens import Vocabulary


def register(app: typer.Typer) -> None:
    add(app, "models", models, ["colog models", "colog models --json | jq '.[].trained_on'"])
    add(app, "pack", pack, ["colog pack runs/casper -o models/casper   # then: colog detect models/casper app.log"])


def describe_model(path: Path) -> dict:
    """What a bundled model is, from its own files (no weights loaded)."""
    config = json.loads((path / "config.json").read_text(encoding="utf-8"))
    metrics = json.loads((path / "metrics.json").read_text(encoding="utf-8"))
    vocab = Vocabulary(json.loads((path / "vocab.json").read_text(encoding="utf-8")))
    return {"name": path.name, "path": str(path), "task": config["task"], "window": config["window"],
            "trained_on": ExperimentConfig.from_dict(config).trained_on,
            "label_source": metrics.get("label_source"),
            "file_types": vocab.source_types,
            "vocabulary": len(vocab), "megabytes": round(sum(f.stat().st_size for f in path.iterdir()) / 1e6, 1),
            "card": str(path / "MODEL.md") if (path / "MODEL.md").is_file() else None}


def models(as_json: bool = typer.Option(False, "--json", help="Print the models as a JSON list on stdout.")) -> None:
    """List the models bundled with colog: `colog detect FILE` uses the first without a run directory."""
    from colog.rundir import DEFAULT_MODEL, bundled_models

    rows = [describe_model(path) for path in bundled_models().values()]
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        typer.echo("no bundled model in this installation")
        return
    for r in rows:
        default = " (the default)" if r["name"] == DEFAULT_MODEL else ""
        typer.echo(f"{r['name']}{default}: {r['task']} task, trained on {', '.join(r['trained_on'])}; "
                   f"labels {r['label_source']}; file types {', '.join(r['file_types'])}; {r['megabytes']} MB; "
                   f"card: {r['card']}")


def pack(rundir: Path = options.RUNDIR,
         out: Path = options.out("The directory to write (created whole or not at all)."),
         overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing directory.")) -> None:
    """Pack what detection reads of a run into a directory of its own: a model to ship or bundle."""
    from colog.rundir import PACKED_FILES, pack_run

    if out is None:
        raise typer.BadParameter("name the directory to write with -o DIR")
    pack_run(rundir, out, overwrite)
    typer.echo(f"packed {rundir} into {out} ({', '.join(PACKED_FILES)})")
