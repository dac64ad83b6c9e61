"""Silence what native libraries write straight to file descriptor 2 (libpng's "libpng error: ..." for a corrupt
file that is reported anyway, TensorFlow's start-up lines printed before its logging is configured).

Process-wide and not thread-safe: for single-threaded pipeline steps, never for the service's request path.
"""

import contextlib
import os
import sys


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
