"""The Litestar app: `create_app(settings)`; start with
`uvicorn --factory serve.app:create_app --host 127.0.0.1 --port 8000` (settings from RIAWELC_* variables).

The models load in the background after start-up: /health answers at once, /ready says 503 (with the reason)
until both ONNX models are loaded, checked against their cards and warmed up, and stays 503 if they cannot be.
The patch endpoints take one 227 x 227 patch; POST /inspect takes a whole film (riawelc.inspect.film on the same
ONNX sessions). The endpoints are in serve.controllers, by area; here is what is app-wide.
"""

import asyncio
from contextlib import asynccontextmanager

from litestar import Litestar
from litestar.config.cors import CORSConfig
from litestar.datastructures import MutableScopeHeaders, State
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins.problem_details import ProblemDetailsConfig, ProblemDetailsPlugin

import riawelc
from serve.controllers import CONTROLLERS
from serve.controllers.base import MODEL_VERSION_HEADER
from serve.guards import API_KEY_HEADER, API_KEY_SCHEME
from serve.observability import configure_access_log, observability_middleware, request_id_of
from serve.problems import problem
from serve.service import Service
from serve.settings import Settings

NOT_RATE_LIMITED = ["^/health$", "^/ready$", "^/metrics$", "^/schema"]  # operations and the docs


async def add_request_id(message, scope) -> None:
    """Every response (404s and rate-limit 429s included) carries the request's id."""
    if message["type"] == "http.response.start":
        MutableScopeHeaders.from_message(message)["X-Request-ID"] = request_id_of(scope)


@asynccontextmanager
async def lifespan(app: Litestar):
    service: Service = app.state.service
    task = asyncio.create_task(service.load())
    try:
        yield
    finally:
        task.cancel()
        service.pool.shutdown()


def create_app(settings: Settings | None = None) -> Litestar:
    """The service app; settings from the RIAWELC_* environment variables when not given."""
    settings = settings or Settings.from_env()
    configure_access_log(settings.log_level)
    service = Service(settings)
    middleware: list = [observability_middleware(service.metrics)]
    if settings.rate_limit:
        middleware.append(RateLimitConfig(rate_limit=settings.rate_limit,  # type: ignore[arg-type]
                                          exclude=NOT_RATE_LIMITED).middleware)
    cors = None
    if settings.cors_origins:
        cors = CORSConfig(allow_origins=list(settings.cors_origins), allow_methods=["GET", "POST"],
                          allow_headers=[API_KEY_HEADER, "Content-Type", "X-Request-ID", "Accept"],
                          expose_headers=[MODEL_VERSION_HEADER, "X-Request-ID", "Retry-After"])
    problems = ProblemDetailsConfig(
        enable_for_all_http_exceptions=True,
        # Anything unexpected is still an RFC 9457 body (and never shows a traceback).
        exception_to_problem_detail_map={
            # Litestar's multipart parser decodes parts without a filename as UTF-8 text and lets the error out.
            UnicodeDecodeError: lambda error: problem(
                400, "bad-form-field", "Form field is not text",
                "a multipart part without a filename must be UTF-8 text; send images as file parts "
                "(Content-Disposition with a filename)"),
            Exception: lambda error: problem(
                500, "internal-error", "Internal error", f"unexpected {type(error).__name__}; see the server log"),
        },
    )
    return Litestar(
        route_handlers=CONTROLLERS,
        lifespan=[lifespan],
        state=State({"service": service}),  # the one Service: guards and the `service` dependency read it here
        plugins=[ProblemDetailsPlugin(problems)],
        middleware=middleware,
        before_send=[add_request_id],
        cors_config=cors,
        request_max_body_size=settings.max_body_bytes,
        openapi_config=OpenAPIConfig(
            title="riawelc inspection service", version=riawelc.__version__, path="/schema",
            description="Weld-radiograph patch and whole-film inspection on the pipeline's exported ONNX models.",
            components=Components(security_schemes={API_KEY_SCHEME: SecurityScheme(
                type="apiKey", name=API_KEY_HEADER, security_scheme_in="header")}),
        ),
    )
