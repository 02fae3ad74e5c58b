"""A run directory: the files `colog train` writes, written and checked in one place.

config.json (the ExperimentConfig, with its format version), model.json + model.safetensors (the
network, the frozen word vectors included), vocab.json, word2vec.safetensors, templates.json (the Drain
state and the formats new lines are parsed by), split.parquet (file, line and split of every line),
seen.json (the training lines' novelty keys: what other logs' unseen lines are told by), metrics.json and
history.json. plots/, errors_valid.csv, errors.csv and report.html are for people and never
read back.
Evaluation, detection, the HTTP service and Ray's actors all load a run through `load_run`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import torch
from safetensors import SafetensorError
from safetensors.torch import load_file

from colog.artifacts import read_json, staged_dir, write_json, write_parquet, write_safetensors
from colog.config import ExperimentConfig
from colog.errors import CologError
from colog.features.tokens import Vocabulary
from colog.model import CoLog, CoLogConfig
from colog.parsing.templates import TemplateMiner

MODEL_FILES = ("config.json", "model.json", "model.safetensors", "vocab.json", "templates.json", "metrics.json")
PACKED_FILES = (*MODEL_FILES, "seen.json")  # what detection reads: a packed model, such as a bundled one, holds these
BUNDLED = Path(__file__).parent / "models"  # the models shipped inside colog, one directory each
DEFAULT_MODEL = "linux-syslog"


class RunError(CologError):
    """A run directory that is missing, incomplete, or written by another version."""


@dataclass
class SavedRun:
    """A loaded run: its config, network, vocabulary, template state and recorded figures."""

    path: Path
    config: ExperimentConfig
    model: CoLog
    vocab: Vocabulary
    templates: dict  # {"formats": {file: format}, "format": the commonest, "drain": TemplateMiner state}
    metrics: dict
    classes: list[str]

    def miner(self) -> TemplateMiner:
        """A fresh TemplateMiner holding the run's templates (each caller continues its own)."""
        return TemplateMiner.from_state(self.templates.get("drain"))

    def split(self) -> pa.Table:
        """(file, line, split) of every line the run was trained and tested on."""
        path = self.path / "split.parquet"
        if not path.is_file():
            raise RunError(f"{self.path}: missing split.parquet (the recorded split); evaluate needs it")
        try:
            return pq.read_table(path)
        except (OSError, pa.ArrowException) as exc:
            raise RunError(f"{path}: unreadable recorded split ({exc})") from exc

    def history(self) -> list[dict]:
        """One record per training epoch."""
        return read_json(self.path / "history.json", "training history")

    def seen(self) -> tuple[str, np.ndarray]:
        """(key name, the training lines' keys): a line of other logs whose key is not among them is unseen."""
        seen = read_json(self.path / "seen.json", "training keys (made before `colog evaluate --on` existed: "
                                                  "train the run again)")
        try:
            return str(seen["key"]), np.asarray(seen["values"], dtype=np.int64)
        except (KeyError, TypeError, ValueError) as exc:
            raise RunError(f"{self.path / 'seen.json'}: malformed training keys ({exc})") from exc


def bundled_models() -> dict[str, Path]:
    """The models shipped inside colog, by name."""
    if not BUNDLED.is_dir():
        return {}
    return {p.name: p for p in sorted(BUNDLED.iterdir()) if (p / "config.json").is_file()}


def is_model(arg: str | Path) -> bool:
    """A run directory (or packed model: one with a config.json), or a bundled model's name: what detection loads
    (a broken one is then refused naming what it lacks)."""
    return (Path(arg) / "config.json").is_file() or str(arg) in bundled_models()


def model_path(arg: str | Path) -> Path:
    """A run directory as given, or the directory of the bundled model named `arg`."""
    models = bundled_models()
    if str(arg) in models and not Path(arg).is_dir():
        return models[str(arg)]
    return Path(arg)


def pack_run(rundir: Path, out: Path, overwrite: bool = False) -> None:
    """Copy what detection reads of a run (PACKED_FILES) into `out`, which appears whole or not at all: a model to
    ship, without the training split, plots and reports."""
    import shutil

    run = load_run(rundir)  # a broken run is refused before anything is written
    missing = [f for f in PACKED_FILES if not (run.path / f).is_file()]
    if missing:
        raise RunError(f"{rundir}: cannot pack (missing: {', '.join(missing)})")
    with staged_dir(out, overwrite) as tmp:
        for name in PACKED_FILES:
            shutil.copyfile(run.path / name, tmp / name)


def load_run(path: str | Path) -> SavedRun:
    """Load a run directory made by `colog train`, a packed one, or a bundled model by name; anything missing or
    foreign is one RunError naming it."""
    path = model_path(path)
    if not path.is_dir():
        names = ", ".join(bundled_models()) or "none in this installation"
        raise RunError(f"{path}: no such run directory (bundled models: {names})")
    missing = [f for f in MODEL_FILES if not (path / f).is_file()]
    if missing:
        raise RunError(f"{path}: not a complete colog run directory (missing: {', '.join(missing)})")
    config = ExperimentConfig.from_dict(read_json(path / "config.json", "run config"))
    vocab = Vocabulary.load(path / "vocab.json")
    model_config = CoLogConfig.from_dict(read_json(path / "model.json", "model config"))
    try:
        weights = load_file(str(path / "model.safetensors"))
        model = CoLog(model_config, weights.get("embed.weight"))
        model.load_state_dict(weights)
    except (SafetensorError, RuntimeError, KeyError, OSError, ValueError) as exc:
        raise RunError(f"{path}: model.safetensors does not load into model.json's network ({exc})") from exc
    if model_config.semantic and len(vocab) != model.embed.num_embeddings:
        raise RunError(f"{path}: vocab.json has {len(vocab)} words, the model {model.embed.num_embeddings}")
    templates = read_json(path / "templates.json", "template state")
    if not isinstance(templates, dict):
        raise RunError(f"{path / 'templates.json'}: expected a JSON object with formats and the Drain state")
    metrics = read_json(path / "metrics.json", "metrics")
    classes = metrics.get("classes") if isinstance(metrics, dict) else None
    if not isinstance(classes, list) or len(classes) != model_config.n_classes:
        raise RunError(f"{path}: metrics.json names classes {classes}, the model has {model_config.n_classes}")
    return SavedRun(path, config, model.eval(), vocab, templates, metrics, classes)


def save_run(path: Path, config: ExperimentConfig, model: CoLog, vocab: Vocabulary, word_vectors: np.ndarray,
             split: pa.Table, templates: dict, seen: tuple[str, np.ndarray], metrics: dict,
             history: list[dict]) -> None:
    """Write every file `load_run` reads into `path` (a staged directory: it appears whole or not at all)."""
    write_json(config.to_dict(), path / "config.json")
    write_parquet(split, path / "split.parquet")
    vocab.save(path / "vocab.json")
    write_safetensors({"vectors": torch.from_numpy(word_vectors)}, path / "word2vec.safetensors")
    # model.safetensors holds every weight, the frozen embedding too: it loads on its own.
    write_safetensors(model.state_dict(), path / "model.safetensors", {"format_version": "1"})
    write_json(model.config.to_dict(), path / "model.json")
    write_json(templates, path / "templates.json")
    write_json({"key": seen[0], "values": np.unique(seen[1]).tolist()}, path / "seen.json")
    write_json(metrics, path / "metrics.json")
    write_json(history, path / "history.json")
