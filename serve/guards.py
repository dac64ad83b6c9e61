"""The API-key guard: with RIAWELC_API_KEY set, inference and model information need the X-API-Key header."""

import hmac

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.handlers import BaseRouteHandler

from serve.service import service_of

API_KEY_HEADER = "X-API-Key"
API_KEY_SCHEME = "ApiKey"  # its name among the OpenAPI security schemes


def require_api_key(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """X-API-Key must equal RIAWELC_API_KEY when that is set (constant-time comparison)."""
    expected = service_of(connection).settings.api_key
    if expected is None:
        return
    given = connection.headers.get(API_KEY_HEADER, "")
    if not hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode("utf-8")):
        raise NotAuthorizedException(detail=f"missing or wrong {API_KEY_HEADER} header")
