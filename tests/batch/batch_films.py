"""Small film folders for the batch tests: seam-band films with dark spots (PNG), a detector to inspect them
without TensorFlow, and the rows of a results table by path."""

from pathlib import Path

import cv2
import numpy as np

from riawelc.inspect.candidates import CandidateSettings
from riawelc.inspect.cells import CELL_FEATURES, CellModel
from riawelc.inspect.detector import Detector
from tests.inspect.test_filminspect import band_film


def write_films(folder: Path, count: int, height: int = 300, width: int = 900) -> list[Path]:
    """`count` films film_00.png, ... each with a few dark spots along its seam (seeded: film k is always the same)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for k in range(count):
        film = band_film(height, width, seed=k)
        for x in range(100 + 37 * k % 150, width - 50, 260):
            cv2.circle(film, (x, height // 2), 5 + k % 4, int(film[height // 2, x]) - 40, -1)
        paths.append(folder / f"film_{k:02d}.png")
        cv2.imwrite(str(paths[-1]), film)
    return paths


def write_detector(path: Path) -> Path:
    """The peak rule, and a cell model that calls a cell defect when its darkest 25-px top-hat exceeds 10 levels."""
    n = len(CELL_FEATURES)
    cell_model = CellModel(np.zeros(n), np.ones(n), np.eye(n)[CELL_FEATURES.index("hat25_max")], -10.0)
    Detector(CandidateSettings(extent=3.0, peak=10.0), cell_model=cell_model).save(path)
    return path


def rows_by_path(out: Path) -> dict[str, dict]:
    import pyarrow.parquet as pq

    rows = pq.read_table(out / "results.parquet").to_pylist()
    assert len(rows) == len({r["path"] for r in rows}), "a film has more than one row"
    return {r["path"]: r for r in rows}
