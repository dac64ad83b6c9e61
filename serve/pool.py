"""A bounded inference pool: a few threads, a short queue, and a refusal (not a pile-up) when it is full.

Decoding and ONNX Runtime both release the GIL for their heavy parts, so threads run them off the event loop
and /health stays fast while every worker is busy.
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, TypeVar

T = TypeVar("T")


class QueueFull(RuntimeError):
    """Every worker is busy and the queue holds `limit` jobs already."""


class InferencePool:
    def __init__(self, workers: int, queue_limit: int):
        self.workers, self.queue_limit = workers, queue_limit
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="inference")
        self._lock = threading.Lock()
        self._pending = 0  # submitted and not finished (running + waiting)

    @property
    def pending(self) -> int:
        return self._pending

    def _release(self, _future=None) -> None:
        with self._lock:
            self._pending -= 1

    async def run(self, job: Callable[[], T]) -> T:
        """Run `job` in a worker thread, or raise QueueFull at once if workers + queue are taken."""
        with self._lock:
            if self._pending >= self.workers + self.queue_limit:
                raise QueueFull(f"{self.workers} inference workers busy and {self.queue_limit} requests queued")
            self._pending += 1
        try:
            future = self._executor.submit(job)
        except BaseException:
            self._release()
            raise
        # Released when the job ends, even if the client went away and this coroutine was cancelled.
        future.add_done_callback(self._release)
        return await asyncio.wrap_future(future)

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
