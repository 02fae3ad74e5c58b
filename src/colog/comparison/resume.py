"""An interrupted benchmark seed goes on where it stopped: the methods it finished, and the fit it was in.

A seed fits every method before its rows are merged into results.json; killed in its last method (CoLog: an hour
and more on a CPU), it would start again from the first. Under OUT/.resume each seed under way keeps the rows of
the methods it finished and the checkpoint of the fit in progress, tied to a fingerprint of the seed's config and
test lines; they go once the seed's rows are in results.json.
"""

from __future__ import annotations

import contextlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from colog.artifacts import write_json
from colog.config import ExperimentConfig
from colog.training.checkpoint import Checkpoint

RESUME = ".resume"


@dataclass
class SeedProgress:
    """One seed's finished rows and fit checkpoints, in their own folder."""

    folder: Path
    fingerprint: str

    @classmethod
    def of(cls, out: Path, config: ExperimentConfig, test_digest: str) -> "SeedProgress":
        """The progress of the seed `config` (split and training seeded) fits, in the output directory `out`."""
        fingerprint = config.digest(test_digest).hexdigest()
        name = f"{config.dataset or 'logs'}-{config.split.protocol}-seed{config.split.seed}-{fingerprint[:12]}"
        return cls(out / RESUME / name, fingerprint)

    def finished(self) -> dict[str, dict]:
        """The rows of the methods this seed finished before it was interrupted, by method."""
        try:
            saved = json.loads((self.folder / "rows.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return saved["rows"] if isinstance(saved, dict) and saved.get("fingerprint") == self.fingerprint else {}

    def add(self, row: dict) -> None:
        """Keep a finished method's row; its fit's checkpoint has served."""
        rows = self.finished() | {row["method"]: row}
        self.folder.mkdir(parents=True, exist_ok=True)
        write_json({"fingerprint": self.fingerprint, "rows": rows}, self.folder / "rows.json")
        self.checkpoint(row["method"]).clear()

    def checkpoint(self, method: str) -> Checkpoint:
        return Checkpoint(self.folder / f"{method}.safetensors", f"{self.fingerprint}/{method}")

    def clear(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
        with contextlib.suppress(OSError):  # .resume itself, unless another run keeps a seed there
            self.folder.parent.rmdir()
