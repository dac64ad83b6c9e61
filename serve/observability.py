"""Prometheus metrics, request ids and structured (JSON) access logs.

Every app gets its own CollectorRegistry, so several apps in one process (the tests) do not collide.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from dataclasses import dataclass

from litestar.exceptions import HTTPException
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, disable_created_metrics

REQUEST_ID_HEADER = b"x-request-id"  # ASGI header names are lower-case bytes
# Accept a caller's id only if it is short and harmless in logs and headers; otherwise make one.
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.0075, 0.01, 0.015, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)  # whole films take seconds

access_log = logging.getLogger("riawelc.access")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"), "level": record.levelname,
                 "logger": record.name, "message": record.getMessage()}
        entry.update(getattr(record, "fields", {}))
        return json.dumps(entry, default=str)


def configure_access_log(level: str) -> None:
    if not any(getattr(h, "riawelc", False) for h in access_log.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter())
        handler.riawelc = True  # type: ignore[attr-defined]
        access_log.addHandler(handler)
        access_log.propagate = False
    access_log.setLevel(level)


@dataclass
class Metrics:
    registry: CollectorRegistry
    requests: Counter
    errors: Counter
    duration: Histogram
    decode: Histogram
    inference: Histogram
    in_flight: Gauge
    queue: Gauge
    rejected: Counter
    ready: Gauge

    @classmethod
    def create(cls) -> Metrics:
        disable_created_metrics()  # the *_created series only double the output
        registry = CollectorRegistry()
        return cls(
            registry=registry,
            requests=Counter("riawelc_http_requests", "HTTP requests by route, method and status",
                             ["route", "method", "status"], registry=registry),
            errors=Counter("riawelc_http_errors", "HTTP responses with status >= 400 by route and status",
                           ["route", "status"], registry=registry),
            duration=Histogram("riawelc_http_request_duration_seconds", "Whole request latency by route",
                               ["route"], buckets=LATENCY_BUCKETS, registry=registry),
            decode=Histogram("riawelc_decode_duration_seconds", "Image decoding and conversion per file",
                             buckets=LATENCY_BUCKETS, registry=registry),
            inference=Histogram("riawelc_inference_duration_seconds", "Model inference per request by endpoint",
                                ["endpoint"], buckets=LATENCY_BUCKETS, registry=registry),
            in_flight=Gauge("riawelc_http_requests_in_flight", "Requests being handled", registry=registry),
            queue=Gauge("riawelc_inference_jobs_pending", "Inference jobs running or queued", registry=registry),
            rejected=Counter("riawelc_inference_rejected", "Requests refused because the inference queue was full",
                             registry=registry),
            ready=Gauge("riawelc_models_ready", "1 once the models are loaded and warmed up", registry=registry),
        )


def request_id_of(scope) -> str:
    """The request's id: set once per request (the caller's X-Request-ID if valid, else a new one)."""
    state = scope.setdefault("state", {})
    if "request_id" not in state:
        given = next((v.decode("latin-1") for k, v in scope.get("headers", []) if k == REQUEST_ID_HEADER), "")
        state["request_id"] = given if _VALID_REQUEST_ID.match(given) else uuid.uuid4().hex
    return state["request_id"]


def observability_middleware(metrics: Metrics):
    """ASGI middleware factory: in-flight gauge, per-route counters and latency, one JSON access-log line per
    request. (The X-Request-ID response header is set by the app's before_send hook, which also sees the responses
    of unmatched routes.)"""

    def middleware(app):
        async def observe(scope, receive, send):
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            request_id = request_id_of(scope)
            route = scope.get("path_template") or "unmatched"
            status = {"code": 500}  # if the app raises without answering, uvicorn sends a 500
            start = time.perf_counter()

            async def send_recording_status(message):
                if message["type"] == "http.response.start":
                    status["code"] = message["status"]
                await send(message)

            metrics.in_flight.inc()
            try:
                await app(scope, receive, send_recording_status)
            except HTTPException as error:  # raised by an inner middleware (rate limit): answered further out
                status["code"] = error.status_code
                raise
            finally:
                metrics.in_flight.dec()
                seconds = time.perf_counter() - start
                code = str(status["code"])
                metrics.requests.labels(route, scope["method"], code).inc()
                metrics.duration.labels(route).observe(seconds)
                if status["code"] >= 400:
                    metrics.errors.labels(route, code).inc()
                client = scope.get("client")
                access_log.info("request", extra={"fields": {
                    "request_id": request_id, "method": scope["method"], "path": scope["path"], "route": route,
                    "status": status["code"], "duration_ms": round(seconds * 1000, 2),
                    "client": client[0] if client else None,
                }})

        return observe

    return middleware
