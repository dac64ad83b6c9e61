"""What every controller of the service shares: the Service injected as `service`, problem responses documented
once per controller, the API-key guard, and the model version on every answer computed by the models."""

from typing import Any

from litestar import Controller, MediaType, Request, Response
from litestar.di import Provide
from litestar.handlers import BaseRouteHandler
from litestar.openapi import ResponseSpec

from serve.guards import API_KEY_SCHEME, require_api_key
from serve.runtime import Models
from serve.service import provide_service

MODEL_VERSION_HEADER = "X-Model-Version"


class ServiceController(Controller):
    """A controller whose handlers may take `service: Service` and document `problems` on each."""

    dependencies = {"service": Provide(provide_service, sync_to_thread=False)}
    problems: dict[int, ResponseSpec] = {}

    def get_route_handlers(self) -> list[BaseRouteHandler]:
        # Litestar takes `responses` per handler only: add the controller's to each (a handler's own win).
        handlers = super().get_route_handlers()
        for handler in handlers:
            handler.responses = {**self.problems, **(handler.responses or {})}  # type: ignore[attr-defined]
        return handlers


class GuardedController(ServiceController):
    """A controller behind RIAWELC_API_KEY, documented as such in the OpenAPI schema."""

    guards = [require_api_key]
    security = [{API_KEY_SCHEME: []}]


def versioned(models: Models, content: Any, media_type: str | None = None) -> Response:
    return Response(content=content, media_type=media_type or MediaType.JSON,
                    headers={MODEL_VERSION_HEADER: models.version})


def wants_png(request: Request) -> bool:
    """Accept: image/png asks for the overlay itself instead of the JSON."""
    return request.accept.best_match(["application/json", "image/png"], "application/json") == "image/png"
