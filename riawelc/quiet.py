"""Silence what native libraries write straight to file descriptor 2 (libpng's "libpng error: ..." for a corrupt
file that is reported anyway, TensorFlow's start-up lines printed before its logging is configured).

Process-wide and not thread-safe: for single-threaded pipeline steps, never for the service's request path.
"""

import contextlib
import os
import sys


QUIET_TENSORFLOW = {"TF_CPP_MIN_LOG_LEVEL": "3"}  # TensorFlow's C++ log lines off; read once, when it is imported


def quiet_tensorflow_logs() -> None:
    """Turn TensorFlow's C++ logging off for this process and its children, unless the environment says otherwise
    (call before TensorFlow is imported)."""
    for name, value in QUIET_TENSORFLOW.items():
        os.environ.setdefault(name, value)


@contextlib.contextmanager
def native_stderr_silenced():
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def import_tensorflow_quietly() -> None:
    """Import TensorFlow with the lines it prints before its logging is set up (and so before TF_CPP_MIN_LOG_LEVEL
    applies) sent nowhere, and its C++ logging off; RIAWELC_TF_LOGS=1 keeps both."""
    if os.environ.get("RIAWELC_TF_LOGS") == "1":
        return
    quiet_tensorflow_logs()
    with native_stderr_silenced():
        import tensorflow  # noqa: F401
