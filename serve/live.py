"""The real service in a subprocess, for tests and benchmarks: uvicorn with the app factory on 127.0.0.1 and a
free port, ready (GET /ready answered 200) before it is handed over, always stopped afterwards.

    with live_server(model_dir) as server:
        urllib.request.urlopen(f"{server.url}/health")

Standard library only: it must import in the service-only venv, where the installed `serve` is tested.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

HOST = "127.0.0.1"
SOURCES = Path(__file__).resolve().parents[1]  # the folder holding this `serve`: a checkout or site-packages


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def uvicorn_command(port: int, python: str = sys.executable) -> list[str]:
    """The service as the README and the Dockerfile start it, on HOST:port."""
    return [python, "-m", "uvicorn", "--factory", "serve.app:create_app", "--host", HOST, "--port", str(port),
            "--no-access-log"]


@dataclass
class LiveServer:
    port: int
    process: subprocess.Popen
    log_path: Path
    model_dir: Path | None
    host: str = HOST

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def log_tail(self, chars: int = 3000) -> str:
        """The end of the server's stdout and stderr."""
        return self.log_path.read_text(errors="replace")[-chars:]


def _ready(url: str) -> tuple[bool, str]:
    """Whether GET /ready is 200, and what it said (its 503 body gives the reason)."""
    try:
        with urllib.request.urlopen(f"{url}/ready", timeout=2) as response:
            return response.status == 200, f"{response.status}"
    except urllib.error.HTTPError as error:  # 503 until the models are loaded
        return False, f"{error.code} {error.read().decode(errors='replace')[:500]}"
    except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
        return False, f"no answer ({error})"  # not listening yet


@contextlib.contextmanager
def live_server(model_dir: Path | str | None = None, *, env: Mapping[str, str] | None = None,
                python: str = sys.executable, command: Sequence[str] | None = None, port: int | None = None,
                cwd: Path | str | None = None, startup_timeout: float = 120.0,
                stop_timeout: float = 15.0) -> Iterator[LiveServer]:
    """Start the service, wait until GET /ready is 200, yield it, stop it.

    model_dir: sets RIAWELC_MODEL_DIR (else `env` must). env: the server's whole environment (default: this
    process's). python: the interpreter that runs uvicorn. command: run this instead of uvicorn_command (it must
    listen on HOST:port; pass `port` then). cwd: default the folder holding this `serve`, so the server imports the
    same code as the caller. Raises RuntimeError with the end of the server's log if it exits or is not ready in
    `startup_timeout` seconds.
    """
    port = port or free_port()
    server_env = dict(os.environ if env is None else env)
    if model_dir is not None:
        server_env["RIAWELC_MODEL_DIR"] = str(model_dir)
    with tempfile.NamedTemporaryFile("wb", prefix="riawelc-server-", suffix=".log", delete=False) as log:
        # A file, not a pipe: a pipe nobody reads fills up and blocks the server's logging.
        process = subprocess.Popen(list(command or uvicorn_command(port, python)), cwd=cwd or SOURCES, env=server_env,
                                   stdout=log, stderr=subprocess.STDOUT)
    server = LiveServer(port, process, Path(log.name), Path(model_dir) if model_dir is not None else None)
    try:
        deadline = time.monotonic() + startup_timeout
        while not (answer := _ready(server.url))[0]:
            if process.poll() is not None:
                raise RuntimeError(f"the server exited with {process.returncode}:\n{server.log_tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server was not ready within {startup_timeout:.0f} s (last /ready: "
                                   f"{answer[1]}):\n{server.log_tail()}")
            time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=stop_timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=stop_timeout)
        server.log_path.unlink(missing_ok=True)
