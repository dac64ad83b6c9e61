"""Reading a film file: 8-bit or 16-bit PNG/TIFF as 2-D uint8, windowed as the service windows it. A module of its
own so that what only reads films (the delineator's training) does not depend on the inspection's code."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from riawelc.images import BadImage, decode_gray, window_to_uint8


def read_film(path: str | Path) -> np.ndarray:
    """A film file (8-bit or 16-bit PNG/TIFF) as 2-D uint8; other depths are windowed as the service does it."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise BadImage(f"{path.name}: cannot read ({error.strerror})") from None
    return decode_film(data, path.name)


def decode_film(data: bytes, name: str = "film") -> np.ndarray:
    try:
        return decode_gray(data, name)
    except BadImage:
        array = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED) if data else None
        if array is None:
            raise
    if array.ndim == 3:
        if not all(np.array_equal(array[..., 0], array[..., k]) for k in range(1, min(array.shape[2], 3))):
            raise BadImage(f"{name}: colour image with {array.shape[2]} channels, expected a grayscale film")
        array = np.ascontiguousarray(array[..., 0])
    if array.dtype != np.uint8:
        array = window_to_uint8(array)  # the service's rule too
    return array
