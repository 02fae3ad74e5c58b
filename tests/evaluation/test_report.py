import base64
import json

import pytest

from colog.evaluation.metrics import classification_metrics
from colog.evaluation.report import write_report

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32  # the report inlines bytes; it need not decode them


@pytest.fixture
def metrics():
    test = classification_metrics([0, 0, 1, 1], [0, 1, 1, 1], ["normal", "anomaly"])
    unseen = classification_metrics([1, 0], [1, 1], ["normal", "anomaly"])
    return {"dataset": "casper", "task": "binary", "protocol": "chronological", "label_source": "keywords",
            "seed": 100, "n_train": 60, "n_valid": 20, "n_test": 4, "train_seconds": 1.5,
            "train_lines_per_second": 40.0, "test": test, "test_unseen": unseen}


def test_report_inlines_plots_and_shows_metrics(tmp_path, metrics):
    png = tmp_path / "cm.png"
    png.write_bytes(PNG)
    out = tmp_path / "report.html"
    write_report(out, title="casper <binary>", metrics=metrics, config={"model": {"hidden": 256}},
                 plots={"confusion matrix": png}, notes=[])
    html = out.read_text(encoding="utf-8")
    assert f"data:image/png;base64,{base64.b64encode(PNG).decode()}" in html
    assert "casper &lt;binary&gt;" in html
    assert "chronological" in html and "keywords" in html
    assert "templates never seen in training" in html
    assert f"{metrics['test']['macro_f1']:.4f}" in html
    assert f"{metrics['test_unseen']['anomaly_precision']:.4f}" in html
    assert "<th>anomaly</th>" in html  # per-class row
    assert '&quot;hidden&quot;: 256' in html
    assert "<script" not in html and "http" not in html.replace('lang="en"', "")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cm.png", "report.html"]


def test_report_escapes_notes_and_puts_them_first(tmp_path, metrics):
    out = tmp_path / "report.html"
    note = "labels come from keywords the model can read <script>alert(1)</script>"
    write_report(out, title="t", metrics=metrics, config={}, plots={}, notes=[note])
    html = out.read_text(encoding="utf-8")
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.index("labels come from keywords") < html.index("accuracy")


def test_report_without_unseen_split(tmp_path, metrics):
    metrics["test_unseen"] = None
    out = tmp_path / "report.html"
    write_report(out, title="t", metrics=metrics, config=json.loads("{}"), plots={}, notes=[])
    html = out.read_text(encoding="utf-8")
    assert "never seen" not in html and "macro_f1" in html


def test_report_lists_wrong_lines_escaped_and_clipped(tmp_path, metrics):
    out = tmp_path / "report.html"
    long_line = "<b>" + "x" * 5000
    errors = [{"file": "logs/auth.log", "line": 7, "label": "anomaly", "predicted": "normal", "confidence": 0.99,
               "anomaly_score": 0.01, "unseen": False, "message": long_line}]
    write_report(out, title="t", metrics=metrics, config={}, plots={}, notes=[], errors=errors, n_errors=3)
    html = out.read_text(encoding="utf-8")
    assert "Validation lines wrong (3; the 1 most confident shown; all in errors_valid.csv)" in html
    assert "&lt;b&gt;" + "x" * 297 + " …" in html and "x" * 298 not in html
    write_report(out, title="t", metrics=metrics, config={}, plots={}, notes=[], errors=[], n_errors=0)
    assert "<h2>Validation lines wrong</h2><p>None.</p>" in out.read_text(encoding="utf-8")
