"""Resuming an interrupted fit: the training loop's whole state after each epoch, in one safetensors file.

A fit stopped by a killed process (a queue of hours, a closed laptop) resumes after the last epoch it finished and
goes on exactly as an uninterrupted fit would: the weights, Adam's moments, the best epoch's weights, the schedule's
counters and every random generator a training step draws from are saved. The file is written atomically, so a
kill mid-write leaves the previous epoch's. `fingerprint` names what was being fitted; a file written for anything
else is not resumed from.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.torch import safe_open
from torch import nn

from colog.artifacts import remove_leftovers, write_safetensors

META_KEY = "colog.checkpoint"
# What the metadata holds; a checkpoint of another layout (written by another colog) is not resumed from. Files
# written before the layout was numbered are this one.
LAYOUT = 1


@dataclass
class LoopState:
    """What `Trainer.fit` needs to go on: its tensors and the JSON-ready rest (counters, history, generators)."""

    tensors: dict[str, torch.Tensor]
    meta: dict


@dataclass
class Checkpoint:
    """Where a fit keeps its state, and what it must have been written for to be resumed from."""

    path: Path
    fingerprint: str

    def save(self, model: nn.Module, optimizer: torch.optim.Optimizer, best_state: dict[str, torch.Tensor],
             rng: np.random.Generator, meta: dict) -> None:
        tensors = {f"model.{k}": v for k, v in model.state_dict().items()}
        tensors |= {f"best.{k}": v for k, v in best_state.items()}
        for index, state in optimizer.state_dict()["state"].items():
            tensors |= {f"adam.{index}.{k}": v for k, v in state.items()}
        tensors["torch_rng"] = torch.get_rng_state()
        meta = meta | {"layout": LAYOUT, "fingerprint": self.fingerprint, "rng": rng.bit_generator.state,
                       "module_rngs": {name: generator.bit_generator.state
                                       for name, generator in module_generators(model).items()}}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        remove_leftovers(self.path)  # of a write a SIGKILL cut short
        write_safetensors({k: v.detach().clone() for k, v in tensors.items()}, self.path,
                          {META_KEY: json.dumps(meta)})

    def load(self) -> LoopState | None:
        """The state saved for this fingerprint; None when there is none (no file, another fit's, another layout's,
        unreadable)."""
        if not self.path.is_file():
            return None
        try:
            with safe_open(str(self.path), framework="pt") as f:
                meta = json.loads((f.metadata() or {}).get(META_KEY, "{}"))
                if meta.get("fingerprint") != self.fingerprint or meta.get("layout", 1) != LAYOUT:
                    return None
                return LoopState({k: f.get_tensor(k) for k in f.keys()}, meta)
        except (SafetensorError, OSError, ValueError):
            return None

    def restore(self, state: LoopState, model: nn.Module, optimizer: torch.optim.Optimizer,
                rng: np.random.Generator) -> dict[str, torch.Tensor]:
        """Put `state` back into the model, the optimizer and the generators; the best epoch's weights."""
        of = {prefix: {k[len(prefix):]: v for k, v in state.tensors.items() if k.startswith(prefix)}
              for prefix in ("model.", "best.", "adam.")}
        model.load_state_dict(of["model."])
        adam: dict[int, dict] = {}
        for key, value in of["adam."].items():
            index, name = key.split(".", 1)
            adam.setdefault(int(index), {})[name] = value
        optimizer.load_state_dict({"state": adam, "param_groups": optimizer.state_dict()["param_groups"]})
        torch.set_rng_state(state.tensors["torch_rng"])
        rng.bit_generator.state = state.meta["rng"]
        modules = dict(model.named_modules())
        for name, saved in state.meta["module_rngs"].items():
            modules[name].rng = np.random.default_rng()
            modules[name].rng.bit_generator.state = saved
        return of["best."]

    def companion(self, name: str) -> "Checkpoint":
        """The checkpoint of a further fit of the same run (`--refit`'s), beside this one."""
        return Checkpoint(self.path.with_name(f"{self.path.stem}.{name}{self.path.suffix}"),
                          f"{self.fingerprint}/{name}")

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)
        remove_leftovers(self.path)  # of a write a SIGKILL cut short


def module_generators(model: nn.Module) -> dict[str, np.random.Generator]:
    """The numpy generators modules draw their own masks from (`FastDropout.rng`), by module name; a module whose
    generator is not drawn yet seeds it from torch's, which the checkpoint restores too."""
    return {name: m.rng for name, m in model.named_modules() if isinstance(getattr(m, "rng", None),
                                                                          np.random.Generator)}
