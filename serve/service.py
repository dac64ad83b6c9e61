"""The service object every request works with, and how a handler or guard gets it."""

import asyncio
from collections.abc import Callable
from typing import Any

from litestar.connection import ASGIConnection
from litestar.datastructures import State

from serve import results
from serve.decode import DecodedFilm, DecodedPatch, DecodeError, decode_film_upload, decode_upload
from serve.observability import Metrics
from serve.pool import InferencePool, QueueFull
from serve.problems import problem
from serve.runtime import ModelError, Models, load_models
from serve.settings import Settings


class Service:
    """Everything a request needs: settings, metrics, the pool and (once loaded) the models."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.metrics = Metrics.create()
        self.pool = InferencePool(settings.workers, settings.queue_limit)
        self.models: Models | None = None
        self.error: str | None = None
        self.loading = True

    async def load(self) -> None:
        try:
            self.models = await asyncio.to_thread(load_models, self.settings.model_dir, self.settings.onnx_threads,
                                                  self.settings.mask_threshold, self.settings.detector)
            self.metrics.ready.set(1)
        except ModelError as error:
            self.error = str(error)
        except Exception as error:  # noqa: BLE001 - the service must stay up and say why
            self.error = f"unexpected error while loading the models: {type(error).__name__}: {error}"
        finally:
            self.loading = False

    def require_models(self) -> Models:
        if self.models is not None:
            return self.models
        if self.loading:
            raise problem(503, "models-loading", "Models are loading", "the models are still loading and warming up",
                          headers={"Retry-After": "2"})
        raise problem(503, "models-unavailable", "Models unavailable", self.error or "no models",
                      headers={"Retry-After": "30"})

    def decode(self, content: bytes, filename: str | None) -> DecodedPatch:
        with self.metrics.decode.time():
            return decode_upload(content, filename or "file", self.settings.max_pixels)

    def decode_film(self, content: bytes, filename: str | None) -> DecodedFilm:
        with self.metrics.decode.time():
            return decode_film_upload(content, filename or "film", self.settings.max_film_pixels)

    def timer(self, endpoint: str) -> results.Timed:
        return results.Timed(self.metrics.inference, endpoint)

    async def run(self, job: Callable[[], Any]) -> Any:
        """Run a decode + inference job in the bounded pool; queue full -> 503 with Retry-After."""
        try:
            return await self.pool.run(job)
        except QueueFull as error:
            self.metrics.rejected.inc()
            raise problem(503, "queue-full", "Inference queue full", str(error), headers={"Retry-After": "1"}) from None
        except DecodeError as error:
            raise problem(error.status, error.slug, error.title, error.detail) from None


def service_of(connection: ASGIConnection) -> Service:
    """For guards, which get the connection and no dependencies."""
    return connection.app.state.service


def provide_service(state: State) -> Service:
    """The `service` dependency of the handlers (create_app keeps the one Service in the app's state)."""
    return state.service
