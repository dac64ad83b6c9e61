"""The Ray engine: one actor per worker (FilmWorker: its models load once, in the actor's constructor), films
sent to the least busy actor, two in flight each. An actor whose process dies is restarted (max_restarts) and its
film sent again (max_task_retries); an actor that stays dead is dropped and its films go to the others.

`address`: None starts a local Ray (num_cpus = workers, a small object store: only paths and rows go through it,
the films are read and the outputs written by the workers themselves); "auto" joins the cluster this machine is
part of; "ray://host:10001" is a Ray Client connection. Ray is imported only here (`riawelc[batch]`)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Iterator

from riawelc.batch.engines import LOST, keep_in_flight
from riawelc.batch.job import Film, Job
from riawelc.batch.worker import FilmWorker, error_row

RESTARTS, TASK_RETRIES = 3, 2
LOCAL_OBJECT_STORE = 256 * 2**20


class RayEngine:
    name = "ray"

    def __init__(self, job: Job, workers: int | None = None, address: str | None = None, cpus_per_worker: float = 1,
                 object_store_bytes: int = LOCAL_OBJECT_STORE):
        self.job, self.workers, self.address = job, workers, address
        self.cpus, self.object_store_bytes = cpus_per_worker, object_store_bytes
        self.started_ray, self.ray_seconds, self.actors, self.busy = False, 0.0, [], {}

    def start(self) -> None:
        import ray

        started = time.perf_counter()
        if not ray.is_initialized():
            if self.address:
                ray.init(address=self.address)
            else:
                ray.init(num_cpus=int(max(1, (self.workers or os.cpu_count() or 1) * self.cpus)),
                         include_dashboard=False, object_store_memory=self.object_store_bytes)
            self.started_ray = True
        self.ray_seconds = time.perf_counter() - started  # reported apart from the films' rate
        workers = self.workers or max(1, int(ray.cluster_resources().get("CPU", 1) // self.cpus))
        actor = ray.remote(FilmWorker).options(num_cpus=self.cpus, max_restarts=RESTARTS,
                                               max_task_retries=TASK_RETRIES)
        self.actors = [actor.remote(self.job) for _ in range(workers)]
        self.busy = {a: 0 for a in self.actors}
        try:
            ray.get([a.ready.remote() for a in self.actors])
        except ray.exceptions.RayError as error:
            self.stop()
            raise RuntimeError(f"the Ray workers could not start: {error}") from None
        self.workers = workers

    def run(self, films: Iterable[Film]) -> Iterator[dict]:
        import ray

        sent = {}  # ref -> actor

        def submit(film):
            actor = min(self.busy, key=self.busy.get)
            self.busy[actor] += 1
            ref = actor.inspect.remote(film)
            sent[ref] = actor
            return ref

        def wait_any(refs):
            return ray.wait(refs, num_returns=1)[0]

        def collect(ref, film):
            actor = sent.pop(ref)
            if actor in self.busy:
                self.busy[actor] -= 1
            try:
                return ray.get(ref)
            except ray.exceptions.ActorDiedError:  # out of restarts: its films go to the others
                self.busy.pop(actor, None)
                if not self.busy:
                    raise RuntimeError("every Ray worker died; rerun to go on where it stopped") from None
                return LOST
            except ray.exceptions.RayError as error:
                return error_row(film, self.job, f"Ray: {type(error).__name__}: {error}"[:500], retry=True)

        yield from keep_in_flight(films, self.job, 2 * len(self.actors), submit, wait_any, collect)

    def stop(self) -> None:
        import ray

        for actor in self.actors:
            ray.kill(actor)
        self.actors, self.busy = [], {}
        if self.started_ray:
            ray.shutdown()
            self.started_ray = False
