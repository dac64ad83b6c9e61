"""Operations: liveness, readiness and Prometheus metrics. Never behind the API key, and never touching a model
(/ready only reads whether they are loaded)."""

from litestar import get
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from serve.controllers.base import ServiceController
from serve.problems import problem, problem_responses
from serve.schemas import Health, Ready
from serve.service import Service


class OperationsController(ServiceController):
    tags = ["operations"]

    @get("/health", summary="Liveness: the process answers (never touches a model)")
    async def health(self) -> Health:
        return Health(status="ok")

    @get("/ready", summary="Readiness: 200 once the models are loaded and warmed up, else 503 with the reason",
         responses=problem_responses(503))
    async def ready(self, service: Service) -> Ready:
        if service.models is None:
            reason = "the models are still loading and warming up" if service.loading else service.error
            raise problem(503, "not-ready", "Not ready", reason or "not ready",
                          extra={"ready": False, "reason": reason},
                          headers={"Retry-After": "2" if service.loading else "30"})
        models = service.models
        return Ready(ready=True, model_version=models.version,
                     models={name: card["onnx"]["sha256"] for name, card in models.cards.items()})

    @get("/metrics", media_type=CONTENT_TYPE_LATEST,
         summary="Prometheus metrics: requests by route and status, latency (decode, inference), errors, in flight")
    async def metrics(self, service: Service) -> bytes:
        service.metrics.queue.set(service.pool.pending)
        return generate_latest(service.metrics.registry)
