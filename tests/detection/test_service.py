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
    (b'{"lines": ["x"], "bogus": 1}', 422),  # an unknown field is a mistake, not ignored
    (b'{"lines": ["x"], "explain": "yes"}', 422),  # a wrong type is not coerced
    (b'{"lines": ["x"], "threshold": "0.5"}', 422),
])
def test_invalid_requests_get_4xx_with_a_message(client, body, status):
    response = client.post("/v1/detect", content=body, headers={"content-type": "application/json"})
    assert response.status_code == status and response.json()["detail"]


def test_oversize_body_gets_413_declared_or_chunked(client):
    response = client.post("/v1/detect", json={"lines": ["x" * 1000] * 100})
    assert response.status_code == 413 and "larger than" in response.json()["detail"]

    def chunks():  # no content-length: the body streams in pieces
        for _ in range(100):
            yield b'{"lines": ["' + b"x" * 1000 + b'"]}'

    response = client.post("/v1/detect", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413


def test_docs_are_served_without_a_cdn(client):
    page = client.get("/docs").text
    assert "swagger-ui" in page and "cdn.jsdelivr.net" not in page and "unpkg.com" not in page
    asset = [part.split('"')[0] for part in page.split('src="')[1:]][0]
    assert client.get(asset).status_code == 200


def test_responses_are_typed_in_the_schema(client):
    schema = client.get("/openapi.json").json()
    detect = schema["paths"]["/v1/detect"]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert detect["$ref"].endswith("/DetectResponse")
    verdict = schema["components"]["schemas"]["VerdictModel"]["properties"]
    assert {"class", "probability", "template_id", "new_template", "oov", "timestamp"} <= set(verdict)


def test_metrics_count_lines_and_requests(client):
    before = client.get("/metrics").text
    client.post("/v1/detect", json={"lines": AUTH[:7], "file": "auth.log"})
    after = client.get("/metrics").text

    def value(text, name):
        return float(next(line.split()[-1] for line in text.splitlines() if line.startswith(name + " ")))

    assert value(after, "colog_lines_scored_total") - value(before, "colog_lines_scored_total") == 7
    assert value(after, "colog_request_seconds_count") == value(before, "colog_request_seconds_count") + 1


def test_a_port_in_use_is_one_line(casper_run, capsys):
    import socket

    from colog.cli.main import main

    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        code = main(["serve", str(casper_run), "--port", str(port)])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith(f"colog: error: cannot listen on 127.0.0.1:{port}") and "serving" not in err
