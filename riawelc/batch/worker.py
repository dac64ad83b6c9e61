"""The one per-film function of every engine, and the worker that holds the loaded models.

`FilmWorker(job)` loads the models once (in the driver for `--engine local`, in each pool process, in each Ray
actor); `FilmWorker.inspect(film)` reads the file (its sha256 from the same bytes), inspects, measures and judges it
through riawelc.assessment, writes its files, and returns its result row. It never raises: a film that cannot be
read or inspected is a row with status "error" and the reason."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import time
from datetime import UTC, datetime
from pathlib import Path

from riawelc.assessment import assess, write_assessment
from riawelc.batch.job import Film, Job
from riawelc.images import BadImage
from riawelc.inspect.film import FilmInspectError
from riawelc.radiograph import RadiographError

OK, ERROR = "ok", "error"
FILM_ERRORS = (RadiographError, BadImage, FilmInspectError, ValueError)  # the film's own fault: kept on a rerun


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def empty_row(film: Film, job: Job) -> dict:
    return {"path": film.path, "output": film.output, "sha256": None, "bytes": None, "height": None, "width": None,
            "scale_source": None, "mm_per_pixel": None, "model_version": job.model_version,
            "settings_hash": job.settings_hash, "status": ERROR, "error": None, "retry": False, "regions": None,
            "indications": None, "defect_area_px": None, "defect_area_mm2": None, "verdicts": None,
            "seconds": None, "worker": worker_name(), "finished": None}


def error_row(film: Film, job: Job, reason: str, retry: bool) -> dict:
    """A film that gave no result; `retry`: not the film's fault (a lost worker, an unreadable file, a bug), so a
    rerun tries it again."""
    return {**empty_row(film, job), "error": reason, "retry": retry, "finished": datetime.now(UTC)}


class FilmWorker:
    def __init__(self, job: Job):
        import cv2

        self.job = job
        if job.models.threads:
            cv2.setNumThreads(job.models.threads)  # OpenCV's threads too, so N workers use N x threads cores
        self.models = job.models.load()

    def ready(self) -> str:
        return worker_name()

    def inspect(self, film: Film) -> dict:
        started = time.perf_counter()
        row = empty_row(film, self.job)
        try:
            self._inspect(film, row)
        except FILM_ERRORS as error:
            row["error"] = str(error)
        except OSError as error:
            row.update(error=f"cannot read: {error.strerror or error}", retry=True)
        except Exception as error:  # noqa: BLE001 - one film's surprise must not stop the batch
            row.update(error=f"{type(error).__name__}: {error}", retry=True)
        row["seconds"] = round(time.perf_counter() - started, 3)
        row["finished"] = datetime.now(UTC)
        return row

    def _inspect(self, film: Film, row: dict) -> None:
        job, path = self.job, Path(film.path)
        row["bytes"] = path.stat().st_size
        if row["bytes"] > job.max_bytes:
            raise RadiographError(f"{path.name}: {row['bytes']} bytes is over the limit of {job.max_bytes}")
        data = path.read_bytes()
        row["sha256"] = hashlib.sha256(data).hexdigest()
        if not data:
            raise RadiographError(f"{path.name}: empty file")
        radiograph = job.reading.decode(data, path.name)
        row["height"], row["width"] = (int(n) for n in radiograph.pixels.shape)
        row["scale_source"], row["mm_per_pixel"] = radiograph.scale.source, radiograph.scale.mm_per_pixel
        result = assess(radiograph, self.models, job.settings, job.judging)
        write_assessment(job.out, film.output, path.name, result, job.report, job.pictures)
        area = int(result.inspection.mask.sum())
        scale = radiograph.scale.mm_per_pixel
        cells = result.inspection.cells  # the detector's cell model; none without one
        row.update(status=OK, regions=len(result.inspection.regions), indications=len(result.found.indications),
                   cells=len(cells), defect_cells=sum(cell.defect for cell in cells),
                   defect_area_px=area, defect_area_mm2=round(area * scale**2, 4) if scale else None,
                   verdicts=json.dumps({v.level: v.decision for v in result.verdicts}) if job.judging.levels
                   else None)
