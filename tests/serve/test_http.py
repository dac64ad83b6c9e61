"""The real server: uvicorn with the app factory on 127.0.0.1, called over HTTP; and schemathesis fuzzing of
the API from the server's own OpenAPI schema (no generated request may get a 5xx)."""

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from serve.app import create_app
from serve.settings import Settings
from tests.serve.conftest import encode, patch_image, upload


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server_url(model_dir):
    """`uvicorn --factory serve.app:create_app` in a subprocess, ready; stopped at the end of the module."""
    port = free_port()
    env = {**os.environ, "RIAWELC_MODEL_DIR": str(model_dir), "RIAWELC_MAX_BODY_BYTES": "2000000"}
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "serve.app:create_app", "--host", "127.0.0.1",
             "--port", str(port), "--no-access-log"],
            env=env, stdout=log, stderr=subprocess.STDOUT, cwd=Path(__file__).resolve().parents[2])
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 120
            while True:
                if process.poll() is not None:
                    log.seek(0)
                    pytest.fail(f"uvicorn exited with {process.returncode}:\n{log.read().decode()[-3000:]}")
                try:
                    if httpx.get(f"{url}/ready", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "the server did not become ready"
                time.sleep(0.1)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=15)


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
