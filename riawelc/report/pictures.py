"""The report's pictures as PNG data URIs: the film with its numbered indications, and a crop of each."""

from __future__ import annotations

import base64

import cv2
import numpy as np

from riawelc.constants import CLASS_COLOURS
from riawelc.images import encode_png

OVERVIEW_WIDTH = 1600  # px: wide enough to see pores on a print, small enough for a light file
CROP_MARGIN = 40  # px of film around an indication
CROP_SIZE = 200  # px: crops are shown at least this large (small pores are enlarged) ...
CROP_MAX = 480  # px: ... and at most this large (a long crack is shrunk)
OTHER_COLOUR = (255, 255, 255)


def data_uri(picture: np.ndarray) -> str:
    return "data:image/png;base64," + base64.b64encode(encode_png(picture)).decode("ascii")


def overview(film: np.ndarray, indications) -> str:
    """The film (shrunk to OVERVIEW_WIDTH) with each indication's box and number in its class colour."""
    scale = min(1.0, OVERVIEW_WIDTH / film.shape[1])
    small = cv2.resize(film, (max(1, round(film.shape[1] * scale)), max(1, round(film.shape[0] * scale))),
                       interpolation=cv2.INTER_AREA) if scale < 1 else film
    picture = cv2.cvtColor(small, cv2.COLOR_GRAY2BGR)
    for item in indications:
        x, y, w, h = (v * scale for v in item.box)
        colour = CLASS_COLOURS.get(item.cls, OTHER_COLOUR)
        top_left, bottom_right = (int(x) - 3, int(y) - 3), (int(x + w) + 3, int(y + h) + 3)
        cv2.rectangle(picture, top_left, bottom_right, colour, 2)
        cv2.putText(picture, str(item.number), (int(x), max(int(y) - 8, 14)), cv2.FONT_HERSHEY_SIMPLEX, 0.6,
                    colour, 2, cv2.LINE_AA)
    return data_uri(picture)


def crop(film: np.ndarray, item) -> str:
    """The indication with CROP_MARGIN px of film around it, its box outlined, enlarged to CROP_SIZE when small."""
    x, y, w, h = item.box
    top, left = max(y - CROP_MARGIN, 0), max(x - CROP_MARGIN, 0)
    bottom, right = min(y + h + CROP_MARGIN, film.shape[0]), min(x + w + CROP_MARGIN, film.shape[1])
    picture = cv2.cvtColor(film[top:bottom, left:right], cv2.COLOR_GRAY2BGR)
    longest = max(picture.shape[:2])
    zoom = CROP_SIZE / longest if longest < CROP_SIZE else min(1.0, CROP_MAX / longest)
    if zoom != 1:
        picture = cv2.resize(picture, None, fx=zoom, fy=zoom,
                             interpolation=cv2.INTER_NEAREST if zoom > 1 else cv2.INTER_AREA)
    colour = CLASS_COLOURS.get(item.cls, OTHER_COLOUR)
    cv2.rectangle(picture, (int((x - left) * zoom) - 2, int((y - top) * zoom) - 2),
                  (int((x - left + w) * zoom) + 1, int((y - top + h) * zoom) + 1), colour, 1)
    return data_uri(picture)
