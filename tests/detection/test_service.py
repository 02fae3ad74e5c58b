"""`colog serve`: the HTTP endpoints on the same Detector, through FastAPI's TestClient."""

from pathlib import Path

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from colog.detection import Detector  # noqa: E402
from colog.detection.service import create_app  # noqa: E402

AUTH = (Path(__file__).resolve().parents[2] / "src/colog/data/casper/auth.log").read_text().splitlines()


@pytest.fixture(scope="module")
def client(casper_run):
    with TestClient(create_app(Detector.load(casper_run), max_body=64 << 10)) as c:
        yield c


def test_health_and_model(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    model = client.get("/v1/model").json()
    assert model["classes"] == ["normal", "anomaly"] and model["task"] == "point"
    assert "macro_f1" in model["metrics"]["test"] and model["config"]["window"] == "context:1"
    assert "/v1/detect" in client.get("/openapi.json").json()["paths"]


def test_detect_gives_one_verdict_per_line_in_order(client):
    response = client.post("/v1/detect", json={"lines": AUTH[:40] + [""], "file": "auth.log"})
    assert response.status_code == 200
    body = response.json()
    assert body["n"] == 41 and [v["line"] for v in body["verdicts"]] == list(range(1, 42))
    assert body["verdicts"][-1]["class"] == "unparsed" and body["verdicts"][-1]["reason"] == "blank"
    assert body["anomalies"] == sum(v["label"] for v in body["verdicts"])


def test_detect_matches_the_python_api(client, casper_run):
    served = client.post("/v1/detect", json={"lines": AUTH[:25], "file": "auth.log"}).json()["verdicts"]
    from colog.detection.detector import text_line

    local = Detector.load(casper_run).detect([text_line(t, i, "auth.log") for i, t in enumerate(AUTH[:25], 1)])
    assert [(v["label"], v["template_id"]) for v in served] == [(v.label, v.template_id) for v in local]


def test_explain_over_http(client):
    verdicts = client.post("/v1/detect", json={"lines": AUTH[:5], "file": "auth.log", "explain": True}).json()
    assert all("explanation" in v for v in verdicts["verdicts"])


@pytest.mark.parametrize("body, status", [
    (b"{not json", 422),
    (b'{"lines": "one string"}', 422),
    (b'{"lines": ["x"], "threshold": 2}', 422),
])
def test_invalid_requests_get_4xx_with_a_message(client, body, status):
    response = client.post("/v1/detect", content=body, headers={"content-type": "application/json"})
    assert response.status_code == status and response.json()["detail"]


def test_oversize_body_gets_413(client):
    response = client.post("/v1/detect", json={"lines": ["x" * 1000] * 100})
    assert response.status_code == 413 and "larger than" in response.json()["detail"]
