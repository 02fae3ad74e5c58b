"""The HTTP service (extra `[serve]`): the same Detector as the CLI, behind FastAPI.

One request is one stream: windows span the request's lines, never two requests. Requests are
scored one at a time (the detector's message ids and score cache are shared state, and two cores
gain nothing from running two forward passes at once). The API docs are served from the assets
fastapi-offline bundles, so /docs works on a host without internet; /metrics speaks Prometheus.
No `from __future__ import annotations` here: FastAPI reads the models' annotations at run time.
"""

import threading
import time
from contextlib import asynccontextmanager
from typing import Any, Optional

from colog.detection.config import DetectConfig
from colog.detection.detector import Detector, text_line
from colog.detection.familiarity import Familiarity
from colog.errors import CologError

MAX_BODY_BYTES = 8 << 20


class BodyLimit:
    """ASGI middleware: 413 for a body over `limit` bytes, declared or chunked. The body is read here, whole,
    before the application sees it, so a request cut off at the limit never reaches the JSON parser (which
    would answer 400)."""

    def __init__(self, app, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            return await self._reject(send)
        body, more = bytearray(), True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return await self.app(scope, _replay(message), send)
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.limit:
                return await self._reject(send)
        return await self.app(scope, _replay({"type": "http.request", "body": bytes(body), "more_body": False}),
                              send)

    async def _reject(self, send):
        body = b'{"detail":"request body larger than %d bytes"}' % self.limit
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]})
        await send({"type": "http.response.body", "body": body})


def _replay(first: dict):
    """An ASGI `receive` that gives `first`, then waits for the client to go away."""
    sent = False

    async def receive():
        nonlocal sent
        if not sent:
            sent = True
            return first
        return {"type": "http.disconnect"}

    return receive


def create_app(detector: Detector, max_body: int = MAX_BODY_BYTES):
    """The FastAPI application serving `detector`."""
    try:
        from fastapi import HTTPException, Response
        from fastapi_offline import FastAPIOffline
        from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
        from pydantic import BaseModel, ConfigDict, Field
    except ImportError as exc:
        raise CologError("colog serve needs the [serve] extra: pip install 'colog[serve]'") from exc

    class Strict(BaseModel):
        model_config = ConfigDict(extra="forbid", strict=True)  # an unknown field or a wrong type is a 422

    class DetectRequest(Strict):
        lines: list[str] = Field(..., description="raw log lines, in order (one stream)")
        file: str = Field("-", description="the file the lines come from; its type (auth.log -> auth) is the "
                                           "source token for OS logs")
        explain: bool = Field(False, description="add the neighbouring lines and words the model attended to most")
        threshold: float = Field(0.5, gt=0.0, le=1.0, description="P(anomalous) at which a line is flagged")

    class VerdictModel(BaseModel):
        file: str
        line: int
        label: int = Field(description="1 anomalous, 0 not")
        class_: str = Field(alias="class", description="a class of the run, or 'unparsed'")
        probability: Optional[float] = Field(description="P(anomalous); null for an unparsed line")
        timestamp: Optional[str] = None
        host: Optional[str] = None
        component: Optional[str] = None
        message: Optional[str] = None
        template_id: Optional[int] = None
        template: Optional[str] = None
        new_template: Optional[bool] = None
        oov: Optional[float] = Field(None, description="share of the message's words the run's vocabulary lacks")
        matched: Optional[bool] = None
        reason: Optional[str] = Field(None, description="why an unparsed line could not be scored")
        explanation: Optional[dict[str, Any]] = None

    class DetectResponse(BaseModel):
        verdicts: list[VerdictModel]
        n: int = Field(description="lines scored")
        anomalies: int = Field(description="lines flagged")
        seconds: float
        familiarity: dict[str, Any] = Field(description="per file: the share of unknown words and of lines no "
                                                        "training template fits, and whether the model knows the "
                                                        "file type; past /v1/model's thresholds, verdicts are guesses")

    class ModelInfo(BaseModel):
        run: str
        dataset: Optional[str]
        task: str
        window: str
        classes: list[str]
        knows: dict[str, Any] = Field(description="file types, vocabulary size, templates, and the thresholds past "
                                                  "which a file counts as unlike the training logs")
        config: dict[str, Any]
        metrics: dict[str, Any]

    class Health(BaseModel):
        status: str

    registry = CollectorRegistry()  # the app's own: two apps in one process (tests) never collide
    scored = Counter("colog_lines_scored", "Lines given a verdict", registry=registry)
    flagged = Counter("colog_lines_flagged", "Lines flagged anomalous", registry=registry)
    latency = Histogram("colog_request_seconds", "Time to answer POST /v1/detect", registry=registry)

    @asynccontextmanager
    async def lifespan(_app):
        yield
        detector.store.flush()  # vectors of messages first seen by requests

    app = FastAPIOffline(lifespan=lifespan, title="colog", version="1",
                         description="Log anomaly detection with collaborative transformers: run "
                                     f"{detector.rundir.name} ({detector.config.dataset or 'custom'}, "
                                     f"{detector.config.task} task)")
    lock = threading.Lock()

    @app.get("/healthz", response_model=Health)
    def healthz() -> Health:
        return Health(status="ok")

    @app.get("/v1/model", response_model=ModelInfo)
    def model() -> ModelInfo:
        return ModelInfo(run=str(detector.rundir), dataset=detector.config.dataset, task=detector.config.task,
                         window=detector.config.window, classes=detector.classes, knows=detector.knowledge(),
                         config=detector.config.to_dict(), metrics=detector.metrics)

    @app.post("/v1/detect", response_model=DetectResponse, response_model_by_alias=True)
    def detect(request: DetectRequest) -> dict:
        start = time.perf_counter()
        lines = [text_line(text, i, request.file) for i, text in enumerate(request.lines, start=1)]
        try:
            with lock:
                session = detector.session(DetectConfig(explain=request.explain, threshold=request.threshold))
                verdicts = session.feed(lines) + session.close(save_vectors=False)
        except CologError as exc:
            raise HTTPException(status_code=422, detail=str(exc)) from exc
        anomalies = sum(v.label for v in verdicts)
        scored.inc(len(verdicts))
        flagged.inc(anomalies)
        seconds = time.perf_counter() - start
        latency.observe(seconds)
        familiarity = Familiarity(detector.known_types())
        familiarity.add(verdicts)
        return {"verdicts": [v.to_dict() for v in verdicts], "n": len(verdicts), "anomalies": anomalies,
                "seconds": seconds, "familiarity": familiarity.to_dict()}

    @app.get("/metrics", include_in_schema=False)
    def metrics() -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    app.add_middleware(BodyLimit, limit=max_body)
    return app
