"""The HTTP service (extra `[serve]`): the same Detector as the CLI, behind FastAPI.

One request is one stream: windows span the request's lines, never two requests. Requests are
scored one at a time (the detector's templates, message ids and score cache are shared state, and
two cores gain nothing from running two forward passes at once). No `from __future__ import
annotations` here: FastAPI reads the request model's annotations at run time.
"""

import threading
import time
from contextlib import asynccontextmanager

from colog.detection.config import DetectConfig
from colog.detection.detector import Detector, text_line
from colog.errors import CologError

MAX_BODY_BYTES = 8 << 20


class _TooLarge(Exception):
    pass


class BodyLimit:
    """ASGI middleware: 413 for a body over `limit` bytes, by header or as it streams in."""

    def __init__(self, app, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            return await self._reject(send)
        seen = 0

        async def limited():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge
            return message

        try:
            await self.app(scope, limited, send)
        except _TooLarge:
            await self._reject(send)

    async def _reject(self, send):
        body = b'{"detail":"request body larger than %d bytes"}' % self.limit
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]})
        await send({"type": "http.response.body", "body": body})


def create_app(detector: Detector, max_body: int = MAX_BODY_BYTES):
    """The FastAPI application serving `detector`."""
    try:
        from fastapi import FastAPI, HTTPException
        from pydantic import BaseModel, Field
    except ImportError as exc:
        raise CologError("colog serve needs the [serve] extra: pip install 'colog[serve]'") from exc

    class DetectRequest(BaseModel):
        lines: list[str] = Field(..., description="raw log lines, in order (one stream)")
        file: str = Field("-", description="the file the lines come from; its type (auth.log -> auth) "
                                           "is the source token for OS logs")
        explain: bool = False
        threshold: float = Field(0.5, gt=0.0, le=1.0, description="P(anomalous) at which a line is flagged")

    @asynccontextmanager
    async def lifespan(_app):
        yield
        detector.store.flush()  # vectors of messages first seen by requests

    app = FastAPI(lifespan=lifespan, title="colog", version="1", description="Log anomaly detection with collaborative transformers: "
                  f"run {detector.rundir.name} ({detector.config.dataset or 'custom'}, {detector.config.task} task)")
    lock = threading.Lock()

    @app.get("/healthz")
    def healthz() -> dict:
        return {"status": "ok"}

    @app.get("/v1/model")
    def model() -> dict:
        return {"run": str(detector.rundir), "dataset": detector.config.dataset, "task": detector.config.task,
                "window": detector.config.window, "classes": detector.classes,
                "config": detector.config.to_dict(), "metrics": detector.metrics}

    @app.post("/v1/detect")
    def detect(request: DetectRequest) -> dict:
        start = time.perf_counter()
        lines = [text_line(text, i, request.file) for i, text in enumerate(request.lines, start=1)]
        try:
            with lock:
                session = detector.session(DetectConfig(explain=request.explain, threshold=request.threshold))
                verdicts = session.feed(lines) + session.close(save_vectors=False)
        except CologError as exc:
            raise HTTPException(status_code=422, detail=str(exc)) from exc
        return {"verdicts": [v.to_dict() for v in verdicts], "n": len(verdicts),
                "anomalies": sum(v.label for v in verdicts), "seconds": time.perf_counter() - start}

    app.add_middleware(BodyLimit, limit=max_body)
    return app
