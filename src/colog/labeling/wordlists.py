"""Keyword lists: built-in sets shipped with colog (`@name`) or a user's file or directory."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from colog.errors import InputError, UnknownNameError

BUILTIN = ("colog-reference", "imbalance-anomaly-gt")


def _read_terms(path: Path) -> tuple[str, ...]:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise InputError(f"{path}: cannot read keyword list ({exc.strerror})") from exc
    terms = tuple(dict.fromkeys(t.strip().lower() for t in text.splitlines() if t.strip()))
    if not terms:
        raise InputError(f"{path}: keyword list is empty")
    return terms


def load_lists(spec: str) -> dict[str, tuple[str, ...]]:
    """Lists by file type from a directory of `<type>.txt`, or one list for all lines (type "*") from a file.

    `@set` names a built-in directory, `@set/type` one of its lists.
    """
    if spec.startswith("@"):
        name, _, kind = spec[1:].partition("/")
        if name not in BUILTIN:
            raise UnknownNameError("keyword set", spec, [f"@{b}" for b in BUILTIN])
        root = Path(str(resources.files("colog.labeling") / "keywords" / name))
        if kind:
            available = sorted(p.stem for p in root.glob("*.txt"))
            if kind not in available:
                raise UnknownNameError(f"list of @{name}", kind, available)
            root = root / f"{kind}.txt"
    else:
        root = Path(spec)
    if not root.exists():
        raise InputError(f"{root}: no such keyword list file or directory")
    if root.is_file():
        return {"*": _read_terms(root)}
    lists = {p.stem.lower(): _read_terms(p) for p in sorted(root.glob("*.txt"))}
    if not lists:
        raise InputError(f"{root}: directory holds no <type>.txt keyword lists")
    return lists
