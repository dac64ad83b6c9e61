"""The service object every request works with, and how a handler or guard gets it."""

import asyncio
import dataclasses
from collections.abc import Callable
from typing import Any

from litestar.connection import ASGIConnection
from litestar.datastructures import State

from riawelc.acceptance import RuleSet
from riawelc.radiograph import NO_SCALE, Scale
from serve import results
from serve.acceptance import load_acceptance
from serve.decode import DecodedFilm, DecodedPatch, DecodeError, decode_film_upload, decode_upload
from serve.observability import Metrics
from serve.pool import InferencePool, QueueFull
from serve.problems import problem
from serve.runtime import ModelError, Models, load_models
from serve.settings import Settings

SETTING_SCALE = "RIAWELC_MM_PER_PIXEL"  # the scale source of a film measured at the service's setting


class Service:
    """Everything a request needs: settings, metrics, the pool and (once loaded) the models."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.metrics = Metrics.create()
        self.pool = InferencePool(settings.workers, settings.queue_limit)
        self.models: Models | None = None
        self.rules: RuleSet | None = None  # RIAWELC_RULES, loaded with the models
        self.rules_info: dict | None = None  # its path, sha256, title, notice and levels
        self.error: str | None = None
        self.loading = True

    async def load(self) -> None:
        try:
            if self.settings.rules is not None:  # a rule file that cannot be used keeps the service unready
                self.rules, self.rules_info = await asyncio.to_thread(load_acceptance, self.settings.rules)
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

    def decode_film(self, content: bytes, filename: str | None, mm_per_pixel: float | None = None,
                    invert: bool = False) -> DecodedFilm:
        """The film and its scale: the request's mm_per_pixel, else the file's own (DICOM pixel spacing, TIFF
        resolution), else RIAWELC_MM_PER_PIXEL, else none (sizes in px and no verdict, with the reason)."""
        with self.metrics.decode.time():
            film = decode_film_upload(content, filename or "film", self.settings.max_film_pixels, mm_per_pixel,
                                      invert)
        scale = film.radiograph.scale
        if scale.known:
            return film
        # The file's own reason, without the command-line advice riawelc.radiograph adds to it.
        reason = scale.note.partition("; none given")[0] or "the file gives no pixel size"
        default = self.settings.mm_per_pixel
        scale = (Scale(default, SETTING_SCALE, f"the service's setting: {reason}") if default is not None else
                 Scale(None, NO_SCALE, f"{reason}; no query parameter mm_per_pixel and no {SETTING_SCALE} setting: "
                                       "sizes in px and no verdict"))
        film.radiograph = dataclasses.replace(film.radiograph, scale=scale)
        return film

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
