"""The seam line must not depend on which SIMD kernels the CPU gives OpenCV and LAPACK: the real-film patch tree,
and every figure built on it, moved between two machines when it did."""

from pathlib import Path

import cv2
import numpy as np
import pytest

from riawelc.images import decode_gray
from riawelc.seam import Seam, find_seam

FILMS = Path(__file__).resolve().parents[2].parent / "shared" / "gdxray" / "W0003"


def test_a_level_seam_fitted_a_few_ulps_off_lands_on_its_row():
    below = Seam(True, coefficients=np.array([2.6e-20, 3.9e-17, 858.0 - 5e-13]))
    above = Seam(True, coefficients=np.array([-1.6e-20, 1.6e-16, 858.0 + 2e-13]))
    columns = np.arange(0, 5000, 7)
    assert np.array_equal(below.y_at(columns), above.y_at(columns))
    assert np.all(np.floor(below.y_at(columns)) == 858)


@pytest.mark.skipif(not FILMS.is_dir(), reason="../shared/gdxray/W0003 is not beside the repository")
@pytest.mark.parametrize("file_name", ["W0003_0003.png", "W0003_0066.png"])  # RRT-102R and RRT-98R moved
def test_real_seam_is_the_same_with_and_without_optimised_opencv(file_name):
    film = decode_gray((FILMS / file_name).read_bytes(), file_name)
    columns = np.arange(film.shape[1])
    lines = []
    try:
        for optimised in (True, False):
            cv2.setUseOptimized(optimised)
            seam = find_seam(film)
            assert seam.fits, seam.reason
            lines.append(seam.y_at(columns))
    finally:
        cv2.setUseOptimized(True)
    assert np.array_equal(lines[0], lines[1])
