"""`riawelc serve`: the HTTP inspection service (serve.app, Litestar) on uvicorn."""

from typing import Annotated

import typer

from riawelc.cli.common import fail


def serve(
    host: Annotated[str, typer.Option("--host", help="address to listen on (0.0.0.0: every interface)")]
    = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="port to listen on")] = 8000,
) -> None:
    """Start the HTTP inspection service on the exported ONNX models (Litestar on uvicorn).

    The same as uvicorn --factory serve.app:create_app --host HOST --port PORT --no-access-log (the service
    writes its own JSON access log). Settings are the RIAWELC_* environment variables (RIAWELC_MODEL_DIR,
    RIAWELC_API_KEY, RIAWELC_WORKERS, ...: see serve/settings.py and the README's Serving section); a bad one
    stops the command before the server starts. Needs the service extra: pip install 'riawelc[service]'.
    """
    try:
        import uvicorn

        from serve.settings import Settings, SettingsError
    except ImportError as error:
        fail(f"error: the service needs the service extra (pip install 'riawelc[service]'): {error}")
    try:
        Settings.from_env()
    except SettingsError as error:
        fail(f"error: {error}")
    uvicorn.run("serve.app:create_app", factory=True, host=host, port=port, access_log=False)
