"""The package's layers run one way: a module imports its own layer and the ones below it, never one above."""

import ast
import subprocess
import sys
from pathlib import Path

import colog

SRC = Path(colog.__file__).parent
# Lowest first. `colog/__init__.py`, the public API, stands outside the order: it re-exports from any layer.
LAYERS = ["errors", "lazy", "progress", "artifacts", "parsing", "labeling", "features", "model", "training", "config",
          "rundir", "evaluation", "experiment", "comparison", "detection", "scale", "cli"]


def modules() -> dict[str, Path]:
    """colog's modules by layer-qualified name: {"detection.session": path, "config": path, ...}."""
    return {".".join(p.relative_to(SRC).with_suffix("").parts): p for p in SRC.rglob("*.py")
            if p != SRC / "__init__.py"}


def colog_imports(path: Path) -> set[str]:
    """Every colog module `path` imports, at module level or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("colog"):
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("colog")}
    return found


def layer(module: str) -> str | None:
    """`colog.detection.session` -> `detection`; `colog` (the public API) -> None."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def test_every_module_sits_in_a_layer():
    assert {name.split(".")[0] for name in modules()} <= set(LAYERS)


def test_layers_import_only_themselves_and_the_layers_below():
    upward = []
    for name, path in modules().items():
        own = LAYERS.index(name.split(".")[0])
        for imported in colog_imports(path):
            target = layer(imported)
            if target is not None and LAYERS.index(target) > own:
                upward.append(f"{name} imports {imported}")
    assert upward == []


def test_no_two_layers_import_each_other():
    edges = {(name.split(".")[0], layer(imported)) for name, path in modules().items()
             for imported in colog_imports(path) if layer(imported) not in (None, name.split(".")[0])}
    assert sorted((a, b) for a, b in edges if (b, a) in edges) == []


def test_the_check_sees_an_upward_import(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from colog.cli.main import main\n")  # hidden inside a function
    assert colog_imports(module) == {"colog.cli.main"} and layer("colog.cli.main") == "cli"


def test_the_public_api_names_what_it_offers_and_loads_each_on_first_use():
    """`import colog` is cheap (scripts that read one results file import it through colog.comparison), and every
    name it offers is there once asked for."""
    code = ("import sys, colog; heavy = {'numpy', 'pyarrow', 'torch'} & set(sys.modules); "
            "[getattr(colog, name) for name in colog.__all__]; print(sorted(heavy), 'torch' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["[]", "True"]  # none loaded at import; colog.Detector loaded torch
