"""The black top-hat of a film, and how much the film is smoothed before it (film-adaptive smoothing by its grain).
The detector's candidates (riawelc.inspect.candidates) and the delineator's input maps both build on these; they
are apart from the candidates so that the delineator's training does not depend on the detector's code. numpy and
OpenCV only (the service runs it)."""

from __future__ import annotations

import cv2
import numpy as np

SMOOTHING_STEPS = (1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0)  # px: the sigmas film-adaptive smoothing tries
GRAIN_SIGMA = 2.0  # px: grain is what a Gaussian of this sigma removes


def film_grain(film: np.ndarray, region: np.ndarray | None = None) -> float:
    """Mean |film - Gaussian(film, GRAIN_SIGMA)| over `region` (bool mask; None: the whole film), grey levels."""
    film = np.asarray(film, np.float32)
    residual = np.abs(film - cv2.GaussianBlur(film, (0, 0), GRAIN_SIGMA))
    inside = residual[np.asarray(region, bool)] if region is not None else residual
    return float(inside.mean()) if inside.size else 0.0


def film_smoothing(film: np.ndarray, smooth: float, max_grain: float | None = None,
                   region: np.ndarray | None = None) -> float:
    """The Gaussian sigma this film is smoothed by: `smooth`, or with `max_grain` the smallest of SMOOTHING_STEPS
    from `smooth` up whose result has a grain (film_grain, over `region`) of at most max_grain (CandidateSettings)."""
    if max_grain is None:
        return smooth
    steps = [s for s in SMOOTHING_STEPS if s > smooth]
    for sigma in [smooth, *steps]:
        smoothed = cv2.GaussianBlur(film, (0, 0), sigma) if sigma > 0 else film
        if film_grain(smoothed, region) <= max_grain:
            return sigma
    return SMOOTHING_STEPS[-1] if steps else smooth


def black_tophat(film: np.ndarray, size: int, smooth: float = 1.0) -> np.ndarray:
    """Closing minus film (elliptic `size` px) of the film smoothed by a Gaussian of `smooth` px, in grey levels."""
    film = np.asarray(film)
    if film.ndim != 2 or film.dtype != np.uint8:
        raise ValueError(f"film must be a 2-D uint8 array, got shape {film.shape} dtype {film.dtype}")
    smoothed = cv2.GaussianBlur(film, (0, 0), smooth) if smooth > 0 else film
    element = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    return cv2.morphologyEx(smoothed, cv2.MORPH_BLACKHAT, element).astype(np.float32)
