"""One self-contained HTML report of a run: notes, metrics, config and every plot inlined.

Self-contained (inline CSS, PNGs as base64) so the file can be mailed or archived alone, and the
honesty notes (e.g. keyword-derived labels) come first, where a reader cannot miss them.
"""

from __future__ import annotations

import base64
import json
import logging
import os
from html import escape
from pathlib import Path
from typing import Any

from colog.artifacts import atomic_path
from colog.evaluation.metrics import METRIC_KEYS

logger = logging.getLogger(__name__)

# Top-level scalars shown first, in this order; other top-level scalars follow alphabetically.
RUN_KEYS = ("dataset", "task", "protocol", "label_source", "seed", "n_train", "n_valid", "n_test",
            "train_seconds", "train_lines_per_second")
# Split sections of metrics.json and their headings.
SPLITS = (("test", "Test"), ("test_unseen", "Test, templates never seen in training"))
PER_CLASS_KEYS = ("precision", "recall", "f1", "support")

_CSS = """
body { font-family: sans-serif; margin: 2em auto; max-width: 70em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #bbb; padding: 0.25em 0.7em; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.notes { border: 2px solid #c60; background: #fff4e0; padding: 0.5em 1em; margin: 1em 0; }
.notes li { font-weight: bold; margin: 0.3em 0; }
pre { background: #f4f4f4; padding: 1em; overflow-x: auto; }
figure { margin: 1em 0; }
img { max-width: 100%; border: 1px solid #ddd; }
"""


def _cell(value: Any) -> str:
    """A table cell: floats to 4 decimals, right-aligned numbers, everything escaped."""
    if isinstance(value, float):
        return f'<td class="num">{value:.4f}</td>'
    if isinstance(value, int) and not isinstance(value, bool):
        return f'<td class="num">{value}</td>'
    return f"<td>{escape(str(value))}</td>"


def _key_value_table(rows: list[tuple[str, Any]]) -> str:
    body = "".join(f"<tr><th>{escape(k)}</th>{_cell(v)}</tr>" for k, v in rows)
    return f"<table>{body}</table>"


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def _run_section(metrics: dict[str, Any]) -> str:
    """The run's top-level scalars: what was trained on what, under which protocol, how fast."""
    rest = sorted(k for k, v in metrics.items() if _is_scalar(v) and k not in RUN_KEYS)
    rows = [(k, metrics[k]) for k in (*RUN_KEYS, *rest) if k in metrics]
    return f"<h2>Run</h2>{_key_value_table(rows)}" if rows else ""


def _split_section(heading: str, split: dict[str, Any]) -> str:
    """Scalar metrics and the per-class table of one evaluated split."""
    rows = [(k, split[k]) for k in METRIC_KEYS if k in split]
    rows += sorted((k, v) for k, v in split.items() if k not in METRIC_KEYS and _is_scalar(v))
    parts = [f"<h2>{escape(heading)}</h2>", _key_value_table(rows)]
    per_class = split.get("per_class") or {}
    if per_class:
        head = "".join(f"<th>{k}</th>" for k in ("class", *PER_CLASS_KEYS))
        body = "".join(
            f"<tr><th>{escape(str(name))}</th>{''.join(_cell(stats.get(k, '')) for k in PER_CLASS_KEYS)}</tr>"
            for name, stats in per_class.items()
        )
        parts.append(f"<table><tr>{head}</tr>{body}</table>")
    return "".join(parts)


def _plot_section(plots: dict[str, Path]) -> str:
    """Every plot as an inline base64 PNG, so the report needs no files beside it."""
    figures = []
    for name, png in plots.items():
        data = base64.b64encode(Path(png).read_bytes()).decode("ascii")
        figures.append(f'<figure><img alt="{escape(name)}" src="data:image/png;base64,{data}">'
                       f"<figcaption>{escape(name)}</figcaption></figure>")
    return "<h2>Plots</h2>" + "".join(figures) if figures else ""


def _clip(value: Any, limit: int = 300) -> Any:
    """Long log lines shortened for a table cell (the error lists keep them whole)."""
    return value[:limit] + " …" if isinstance(value, str) and len(value) > limit else value


def _errors_section(errors: list[dict[str, Any]], n_errors: int) -> str:
    """The validation lines the model got wrong (the first rows of errors_valid.csv), so a reader can judge them
    and design on them; the test split's wait in errors.csv until a design is frozen."""
    later = "<p>The test split's errors are in errors.csv: read them once a design is frozen.</p>"
    if not n_errors:
        return f"<h2>Validation lines wrong</h2><p>None.</p>{later}"
    shown = f"the {len(errors)} most confident shown; " if len(errors) < n_errors else ""
    head = "".join(f"<th>{escape(k)}</th>" for k in errors[0])
    body = "".join(f"<tr>{''.join(_cell(_clip(v)) for v in row.values())}</tr>" for row in errors)
    return (f"<h2>Validation lines wrong ({n_errors}; {shown}all in errors_valid.csv)</h2>{later}"
            f"<table><tr>{head}</tr>{body}</table>")


def write_report(path: str | os.PathLike, *, title: str, metrics: dict[str, Any], config: dict[str, Any],
                 plots: dict[str, Path], notes: list[str], errors: list[dict[str, Any]] | None = None,
                 n_errors: int = 0) -> None:
    """Write the run's HTML report to `path`, atomically; `errors` are rows of errors_valid.csv (None: no
    section)."""
    notes_html = ""
    if notes:
        items = "".join(f"<li>{escape(n)}</li>" for n in notes)
        notes_html = f'<section class="notes"><h2>Read this first</h2><ul>{items}</ul></section>'
    splits = "".join(_split_section(heading, metrics[key]) for key, heading in SPLITS if metrics.get(key))
    errors_html = _errors_section(errors, n_errors) if errors is not None else ""
    config_json = json.dumps(config, indent=2, sort_keys=True, default=str)
    page = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>"
        f"<h1>{escape(title)}</h1>{notes_html}{_run_section(metrics)}{splits}{errors_html}{_plot_section(plots)}"
        f"<h2>Config</h2><pre>{escape(config_json)}</pre></body></html>\n"
    )
    with atomic_path(path) as tmp:
        tmp.write_text(page, encoding="utf-8")
    logger.info("wrote report %s (%d plots, %d notes)", path, len(plots), len(notes))
