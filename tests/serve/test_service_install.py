"""The Docker image's install path, proven without Docker: the `service` extra alone in a fresh venv.

The venv gets exactly the files the Dockerfile copies (read from its COPY lines), installed non-editable with
`-c constraints.txt` as in the image, plus the `service-test` extra (pytest, httpx, schemathesis). TensorFlow must
not be importable there, and `pytest tests/serve` must pass there against models exported in this (pipeline) venv.
The tests run from a folder without the package sources, so they import the installed `serve`, as the image does;
the Dockerfile's own CMD and HEALTHCHECK are run from that venv too.
Installs come from the pip cache / wheel folder, so this takes about a minute once the main venv is set up.
"""

import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from riawelc.quiet import QUIET_TENSORFLOW
from serve.live import free_port, live_server
from tests.serve.dockerfile_helpers import DOCKERFILE, REPO, copied_sources, instructions

pytestmark = pytest.mark.slow
# The install, page and Dockerfile tests live with the service's tests but build venvs, drive a browser or read the
# repository: they run in the pipeline venv only.
PIPELINE_VENV_ONLY = ("test_service_install.py", "test_service_page.py", "test_dockerfile.py")
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build")


def run(command: list, timeout: int, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False, **kwargs)


def copy_build_context(destination: Path) -> Path:
    """What `docker build` would copy into /tmp/src: the Dockerfile's COPY sources except the models."""
    destination.mkdir()
    for source in copied_sources(DOCKERFILE.read_text()):
        if source == "models":
            continue
        if (REPO / source).is_dir():
            shutil.copytree(REPO / source, destination / source, ignore=IGNORE)
        else:
            shutil.copy2(REPO / source, destination / source)
    return destination


def clean_env(venv: Path, **extra: str) -> dict[str, str]:
    # Nothing of the pipeline venv may leak in: its bin folder off PATH, no PYTHONPATH, no VIRTUAL_ENV.
    main_bin = str(Path(sys.executable).parent)
    path = [part for part in os.environ.get("PATH", "").split(os.pathsep) if part != main_bin]
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env.update(PATH=os.pathsep.join([str(venv / "bin"), *path]), VIRTUAL_ENV=str(venv), **extra)
    return env


@pytest.fixture(scope="module")
def service_venv(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("service-install")
    context = copy_build_context(tmp / "src")
    venv = tmp / "venv"
    created = run([sys.executable, "-m", "venv", str(venv)], timeout=120)
    assert created.returncode == 0, created.stderr
    install = run(
        [str(venv / "bin/python"), "-m", "pip", "install", "--quiet", "-c", str(context / "constraints.txt"),
         f"{context}[service,service-test]"],
        timeout=900, env=clean_env(venv),
    )
    assert install.returncode == 0, f"pip install failed:\n{install.stdout[-3000:]}\n{install.stderr[-3000:]}"
    return venv


def test_service_venv_has_no_tensorflow(service_venv):
    python = str(service_venv / "bin/python")
    tensorflow = run([python, "-c", "import tensorflow"], timeout=60, env=clean_env(service_venv), cwd=service_venv)
    assert tensorflow.returncode != 0 and "No module named 'tensorflow'" in tensorflow.stderr, tensorflow.stderr
    for module in ("keras", "tf2onnx"):
        result = run([python, "-c", f"import {module}"], timeout=60, env=clean_env(service_venv), cwd=service_venv)
        assert result.returncode != 0, f"{module} is importable in the service-only venv"

    serve = run(
        [python, "-c", "import serve.app, onnxruntime; print(serve.app.__file__)"],
        timeout=120, env=clean_env(service_venv), cwd=service_venv,
    )
    assert serve.returncode == 0, serve.stderr
    assert Path(serve.stdout.strip()).is_relative_to(service_venv), serve.stdout  # the installed copy


@pytest.fixture(scope="module")
def exported_models(tmp_path_factory) -> Path:
    """Tiny models exported in this (pipeline) venv: the service venv has no TensorFlow to make them."""
    models = tmp_path_factory.mktemp("service-install-models")
    export = run(
        [sys.executable, "-m", "tests.serve.make_models", str(models)],
        timeout=600, cwd=REPO, env={**os.environ, **QUIET_TENSORFLOW},
    )
    assert export.returncode == 0, export.stderr[-3000:]
    assert (models / "classifier.onnx").is_file() and (models / "unet.onnx").is_file()
    return models


def test_image_command_serves_and_its_healthcheck_passes(service_venv, exported_models, tmp_path):
    """The Dockerfile's own CMD and HEALTHCHECK, run from the service venv in a folder without sources (on
    127.0.0.1 and a free port instead of 0.0.0.0:8000)."""
    steps = instructions(DOCKERFILE.read_text())
    port = str(free_port())
    command = [{"0.0.0.0": "127.0.0.1", "8000": port}.get(part, part)
               for part in json.loads(next(args for keyword, args in steps if keyword == "CMD"))]
    healthcheck = next(args for keyword, args in steps if keyword == "HEALTHCHECK")
    probe = [part.replace(":8000/", f":{port}/") for part in json.loads(healthcheck.split(" CMD ", 1)[1])]
    env = clean_env(service_venv, RIAWELC_MODEL_DIR=str(exported_models))
    workdir = tmp_path / "app"
    workdir.mkdir()

    assert run(probe, timeout=30, env=env, cwd=workdir).returncode != 0  # control: fails with no server
    with live_server(env=env, command=command, port=int(port), cwd=workdir, stop_timeout=30):
        healthy = run(probe, timeout=30, env=env, cwd=workdir)
        assert healthy.returncode == 0, f"HEALTHCHECK failed on a ready server: {healthy.stderr[-2000:]}"


def test_service_tests_pass_in_the_service_venv(service_venv, exported_models, tmp_path):
    # The tests and pytest's settings, without the package sources beside them.
    workdir = tmp_path / "run"
    workdir.mkdir()
    shutil.copytree(REPO / "tests", workdir / "tests", ignore=IGNORE)
    shutil.copy2(REPO / "pyproject.toml", workdir / "pyproject.toml")
    (workdir / "profiles").mkdir()  # the example acceptance rules the service's verdict tests load
    shutil.copy2(REPO / "profiles" / "acceptance-example.yaml", workdir / "profiles" / "acceptance-example.yaml")
    report = tmp_path / "junit.xml"
    result = run(
        [str(service_venv / "bin/python"), "-m", "pytest", "tests/serve", "-q", "-p", "no:cacheprovider",
         f"--junitxml={report}", *(f"--ignore=tests/serve/{name}" for name in PIPELINE_VENV_ONLY)],
        timeout=1500, cwd=workdir,
        env=clean_env(service_venv, RIAWELC_TEST_MODEL_DIR=str(exported_models), **QUIET_TENSORFLOW),
    )
    output = f"{result.stdout[-6000:]}\n{result.stderr[-3000:]}"
    assert result.returncode == 0, output
    suite = ET.parse(report).getroot()
    suite = suite if suite.tag == "testsuite" else suite.find("testsuite")
    counts = {key: int(suite.get(key, 0)) for key in ("tests", "failures", "errors", "skipped")}
    assert counts["failures"] == counts["errors"] == 0, output
    assert counts["tests"] - counts["skipped"] > 0, f"no serve test ran in the service venv: {counts}\n{output}"
