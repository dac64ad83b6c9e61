"""The real server: uvicorn with the app factory on 127.0.0.1, called over HTTP; and schemathesis fuzzing of
the API from the server's own OpenAPI schema (no generated request may get a 5xx)."""

import os

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from serve.app import create_app
from serve.live import live_server
from serve.settings import Settings
from tests.serve.conftest import encode, patch_image, upload


@pytest.fixture(scope="module")
def server_url(model_dir):
    """`uvicorn --factory serve.app:create_app` in a subprocess, ready; stopped at the end of the module."""
    with live_server(model_dir, env={**os.environ, "RIAWELC_MAX_BODY_BYTES": "2000000"}) as server:
        yield server.url


def test_real_server_over_http(server_url):
    assert httpx.get(f"{server_url}/health").json() == {"status": "ok"}
    response = httpx.post(f"{server_url}/predict", files=upload(encode(patch_image("crack", 1))),
                          headers={"X-Request-ID": "over-http-1"}, timeout=30)
    assert response.status_code == 200, response.text
    assert response.headers["x-request-id"] == "over-http-1" and response.headers["x-model-version"]
    assert response.json()["class"] in response.json()["probabilities"]
    refused = httpx.post(f"{server_url}/predict", files=upload(b"\x89PNG\r\n\x1a\nbroken"), timeout=30)
    assert refused.status_code in (415, 422) and refused.headers["content-type"].startswith("application/problem+json")
    metrics = httpx.get(f"{server_url}/metrics").text
    assert 'route="/predict",status="200"' in metrics


# The schema the app publishes at /schema/openapi.json (it does not depend on the models, so it can be read
# when the tests are collected; schemathesis's fixture-based loader does not work with pytest 9).
schema = schemathesis.openapi.from_dict(create_app(Settings()).openapi_schema.to_schema())


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None)
def test_fuzzed_requests_never_get_a_server_error(case, server_url):
    response = case.call(base_url=server_url, timeout=30)
    assert response.status_code < 500, f"{case.method} {case.path}: {response.status_code} {response.text[:500]}"


def test_published_schema_is_the_one_fuzzed(server_url):
    assert httpx.get(f"{server_url}/schema/openapi.json").json() == create_app(Settings()).openapi_schema.to_schema()
