"""RFC 9457 problems: the exception every handler raises, and their documentation in the OpenAPI schema."""

from litestar.openapi import ResponseSpec
from litestar.plugins.problem_details import ProblemDetailsException

from serve.schemas import Problem

PROBLEM = "urn:riawelc:problem:"  # RFC 9457 "type" prefix; the suffix names the problem
MEDIA_TYPE = "application/problem+json"

# Why each status may come; an endpoint that has its own reason for one says so with `reasons_of`.
REASONS = {400: "a query parameter out of its range or choices, or no multipart field `file`",
           401: "missing or wrong X-API-Key (when RIAWELC_API_KEY is set)",
           413: "body over RIAWELC_MAX_BODY_BYTES, or an image over RIAWELC_MAX_PIXELS (read from its header)",
           415: "not a PNG, JPEG or TIFF image", 422: "undecodable, truncated or empty image",
           429: "rate limit (RIAWELC_RATE_LIMIT) exceeded",
           503: "models loading or unavailable, or the inference queue is full (see Retry-After)"}


def problem(status: int, slug: str, title: str, detail: str, headers: dict | None = None,
            extra: dict | list | None = None) -> ProblemDetailsException:
    return ProblemDetailsException(status_code=status, type_=PROBLEM + slug, title=title, detail=detail,
                                   headers=headers, extra=extra)


def problem_responses(*statuses: int, reasons_of: dict[int, str] | None = None) -> dict[int, ResponseSpec]:
    """The problem responses of an endpoint, for the OpenAPI schema."""
    reasons = {**REASONS, **(reasons_of or {})}
    return {status: ResponseSpec(Problem, description=reasons[status], media_type=MEDIA_TYPE,
                                 generate_examples=False) for status in statuses}
