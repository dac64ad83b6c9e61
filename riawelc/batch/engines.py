"""Where the films are inspected: in this process, in a small process pool, or on Ray (riawelc.batch.on_ray). Each
engine runs the same FilmWorker.inspect and yields the rows as films finish (in any order).

An engine's `start()` brings its workers up with their models loaded (timed apart from the films), `run(films)`
yields rows, `stop()` ends what it started. `keep_in_flight` is the shared dispatch loop: each worker gets the next
film queued while it works (so it never waits on the driver), and a film lost with its worker is sent again up
to `attempts` times before it becomes an error row that a rerun retries."""

from __future__ import annotations

import multiprocessing
import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from riawelc.batch.job import Film, Job
from riawelc.batch.worker import FilmWorker, error_row

LOST = object()  # what `collect` returns for a film whose worker died under it
ATTEMPTS = 3


def keep_in_flight(films: Iterable[Film], job: Job, window: int, submit: Callable, wait_any: Callable,
                   collect: Callable, attempts: int = ATTEMPTS) -> Iterator[dict]:
    """Up to `window` films in flight: submit(film) -> handle; wait_any(handles) -> the finished ones;
    collect(handle, film) -> its row, or LOST."""
    queue, pending, tries = deque(films), {}, {}
    while queue or pending:
        while queue and len(pending) < window:
            film = queue.popleft()
            pending[submit(film)] = film
        for handle in wait_any(list(pending)):
            film = pending.pop(handle)
            row = collect(handle, film)
            if row is not LOST:
                yield row
                continue
            tries[film] = tries.get(film, 1) + 1
            if tries[film] <= attempts:
                queue.appendleft(film)
            else:
                yield error_row(film, job, f"worker lost {attempts} times on this film", retry=True)


class SerialEngine:
    """One worker in this process: the models load once, films go one after another."""

    name, workers = "local", 1

    def __init__(self, job: Job):
        self.job = job

    def start(self) -> None:
        self.worker = FilmWorker(self.job)

    def run(self, films: Iterable[Film]) -> Iterator[dict]:
        for film in films:
            yield self.worker.inspect(film)

    def stop(self) -> None:
        self.worker = None


_WORKER: FilmWorker | None = None  # a pool process's worker, made once by its initializer


def _start_worker(job: Job) -> None:
    global _WORKER
    _WORKER = FilmWorker(job)


def _inspect(film: Film) -> dict:
    return _WORKER.inspect(film)


def _ready() -> int:
    time.sleep(0.2)  # long enough that each warm-up call lands on its own process
    return os.getpid()


class PoolEngine:
    """`workers` spawned processes, each loading the models once (its initializer). A process that dies breaks
    the pool: a new pool is started and the films in flight are sent again."""

    name = "local"

    def __init__(self, job: Job, workers: int):
        self.job, self.workers, self.pool, self.origin = job, workers, None, {}

    def start(self) -> None:
        context = multiprocessing.get_context("spawn")  # no fork of a driver that may hold threads (the bar's)
        self.pool = ProcessPoolExecutor(self.workers, mp_context=context, initializer=_start_worker,
                                        initargs=(self.job,))
        try:
            for future in [self.pool.submit(_ready) for _ in range(self.workers)]:
                future.result()
        except BrokenProcessPool:
            self.stop()
            raise RuntimeError("the pool's workers could not start (their models did not load)") from None

    def run(self, films: Iterable[Film]) -> Iterator[dict]:
        def submit(film):
            future = self.pool.submit(_inspect, film)
            self.origin[future] = self.pool
            return future

        def wait_any(futures):
            return wait(futures, return_when=FIRST_COMPLETED).done

        def collect(future, film):
            pool = self.origin.pop(future)
            try:
                return future.result()
            except BrokenProcessPool:
                if pool is self.pool:  # the first film to see it restarts the pool; the others are just sent again
                    self.stop()
                    self.start()
                return LOST

        yield from keep_in_flight(films, self.job, 2 * self.workers, submit, wait_any, collect)

    def stop(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)
            self.pool = None
