"""Synthetic inspections with regions of known size: what riawelc.indications measures in the tests."""

import cv2
import numpy as np

from riawelc.constants import DEFECT_CLASSES
from riawelc.inspect.film import FilmInspection, extract_regions
from riawelc.seam import Seam

MM = 0.05  # mm per pixel of these films


class Drawing:
    """Regions drawn on an empty probability map, each with its class map; `inspection()` extracts them."""

    def __init__(self, height=400, width=3000, seam_y=200.0, half_height=100.0, slope=0.0):
        self.probability = np.zeros((height, width), np.float32)
        self.class_maps = np.zeros((len(DEFECT_CLASSES), height, width), np.float32)
        self.seam = Seam(True, coefficients=np.array([slope, seam_y]), half_height=half_height)

    def add(self, cls: str, draw) -> "Drawing":
        canvas = np.zeros(self.probability.shape, np.uint8)
        draw(canvas)
        self.probability[canvas > 0] = 0.9
        self.class_maps[DEFECT_CLASSES.index(cls)][canvas > 0] = 0.9
        return self

    def crack(self, x0, y0, length_px, angle_deg=0.0, thickness=1) -> "Drawing":
        dx, dy = np.cos(np.radians(angle_deg)), np.sin(np.radians(angle_deg))
        end = (round(x0 + (length_px - 1) * dx), round(y0 + (length_px - 1) * dy))
        return self.add("crack", lambda c: cv2.line(c, (x0, y0), end, 1, thickness))

    def bar(self, cls, centre, length_px, width_px, angle_deg=0.0) -> "Drawing":
        """A filled rectangle of known length and width (px) at an angle to the film's x axis."""
        corners = cv2.boxPoints((centre, (length_px, width_px), angle_deg))
        return self.add(cls, lambda c: cv2.fillPoly(c, [np.rint(corners).astype(np.int32)], 1))

    def pore(self, x, y, radius) -> "Drawing":
        return self.add("porosity", lambda c: cv2.circle(c, (x, y), radius, 1, -1))

    def inspection(self) -> FilmInspection:
        mask, regions = extract_regions(self.probability, self.class_maps, 0.5, 0)
        return FilmInspection(self.probability, self.class_maps, mask, np.ones(mask.shape, bool), regions, 0.5, 0,
                              0.0, "test", self.seam)
