"""Outlines for the detector's kept regions, drawn as the hand masks draw them.

The detector's regions are the dark cores a black top-hat finds; the hand masks outline more than that (a rim, the
faint parts of a crack network). The delineator is a small U-Net trained on the hand-masked films
(riawelc.learn.delineator), run here by ONNX Runtime: where it says defect within `radius` px of a kept region, the
pixel joins that region. It never starts a region of its own, so the rejector alone decides what is found. Its input
is two maps of the film smoothed as the detector smooths it: the 41-px black top-hat and the film minus its 15-px
Gaussian background, each scaled to a few units and clipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from riawelc.digest import sha256_of
from riawelc.inspect.pseudomask import disk
from riawelc.inspect.tophat import black_tophat

DELINEATOR_FILE = "delineator.onnx"
INPUT_NAME, OUTPUT_NAME = "maps", "outline"
CHANNELS = 2
HAT_SIZE = 41  # px: the top-hat channel's closing diameter
LOCAL_SIGMA = 15.0  # px: the background the second channel is taken from
HAT_SCALE, LOCAL_SCALE, CLIP = 10.0, 15.0, 3.0  # grey levels per unit; units
MULTIPLE = 4  # the network halves twice, so the sides it is given are multiples of 4
MARGIN = 32  # px of context around each region's box (the network sees about 41 px)


class DelineatorError(ValueError):
    """A delineator that cannot be used; the message names the problem."""


def delineator_maps(film: np.ndarray, smooth: float, box: tuple[int, int, int, int] | None = None) -> np.ndarray:
    """(H, W, 2) float32: the network's input for a uint8 film smoothed by a Gaussian of `smooth` px; with `box`
    (y0, y1, x0, x1), the maps of that box only, computed from the box and CONTEXT px of film around it."""
    if box is not None:
        y0, y1, x0, x1 = box
        reach = context(smooth)
        top, left = max(0, y0 - reach), max(0, x0 - reach)
        cut = np.ascontiguousarray(film[top:min(film.shape[0], y1 + reach), left:min(film.shape[1], x1 + reach)])
        return delineator_maps(cut, smooth)[y0 - top:y1 - top, x0 - left:x1 - left]
    hat = black_tophat(film, HAT_SIZE, smooth)  # checks the film
    smoothed = (cv2.GaussianBlur(film, (0, 0), smooth) if smooth > 0 else film).astype(np.float32)
    local = smoothed - cv2.GaussianBlur(smoothed, (0, 0), LOCAL_SIGMA)
    return np.clip(np.stack([hat / HAT_SCALE, local / LOCAL_SCALE], axis=-1), -CLIP, CLIP).astype(np.float32)


def context(smooth: float) -> int:
    """px of film a map pixel depends on: the smoothing's Gaussian (OpenCV cuts a uint8 kernel at 3 sigma) under the
    wider of the local channel's Gaussian (a float kernel, cut at 4 sigma) and the top-hat's closing (2 x its
    radius). Maps of a box cut with this much film around it equal the whole film's maps there (tested)."""
    return max(int(np.ceil(4 * LOCAL_SIGMA)), HAT_SIZE // 2 * 2) + int(np.ceil(3 * smooth)) + 1


def near(kept: np.ndarray, radius: int) -> np.ndarray:
    """Pixels within `radius` px of a kept pixel (an elliptic dilation)."""
    kept = np.asarray(kept, np.uint8)
    if radius <= 0:
        return kept > 0
    return cv2.dilate(kept, disk(radius)) > 0


def delineator_of(entry: dict | None, folder: str | Path, threads: int | None = None,
                  file: str | None = None) -> "Delineator | None":
    """The delineator a detector file's `delineation` entry names (None without one), loaded from `folder` with
    the entry's threshold and reach and checked by its sha256; `file` loads another file (a held-out fold's, which
    the entry does not record) with the same settings."""
    if entry is None:
        return None
    sha256 = entry["sha256"] if file is None else None
    return Delineator.load(Path(folder) / (file or entry["file"]), entry["threshold"], entry["radius"], sha256,
                           threads)


@dataclass
class Delineator:
    """An ONNX Runtime session of the delineator U-Net, its probability threshold and its reach in px."""

    session: object
    threshold: float = 0.5
    radius: int = 9

    def __post_init__(self) -> None:
        if not 0.0 <= self.threshold <= 1.0:
            raise DelineatorError(f"the delineator's threshold must be in [0, 1], got {self.threshold}")
        if int(self.radius) != self.radius or self.radius < 0:
            raise DelineatorError(f"the delineator's radius must be a whole number of px >= 0, got {self.radius}")
        self.radius = int(self.radius)

    @classmethod
    def load(cls, path: str | Path, threshold: float = 0.5, radius: int = 9, sha256: str | None = None,
             threads: int | None = None) -> "Delineator":
        """The session for `path`, checked against `sha256` when given (the detector file records it)."""
        import onnxruntime as ort

        path = Path(path)
        if not path.is_file():
            raise DelineatorError(f"{path}: no such delineator file")
        if sha256 is not None and sha256_of(path) != sha256:
            raise DelineatorError(f"{path}: its sha256 is not the one the detector file records (a different model)")
        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        try:
            session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        except Exception as error:  # noqa: BLE001 - ONNX Runtime raises its own exception types for bad files
            raise DelineatorError(f"{path}: cannot load the delineator ({error})") from None
        inputs, outputs = session.get_inputs(), [o.name for o in session.get_outputs()]
        if [i.name for i in inputs] != [INPUT_NAME] or inputs[0].shape[-1] != CHANNELS or OUTPUT_NAME not in outputs:
            raise DelineatorError(f"{path}: not a delineator (it needs input {INPUT_NAME!r} with {CHANNELS} channels "
                                  f"and output {OUTPUT_NAME!r})")
        return cls(session, threshold, radius)

    def probabilities(self, maps: np.ndarray) -> np.ndarray:
        """(h, w) P(defect) of every pixel of `maps` (h, w, 2), run whole (sides padded to multiples of 4)."""
        h, w = maps.shape[:2]
        padded = np.pad(maps, ((0, -h % MULTIPLE), (0, -w % MULTIPLE), (0, 0)), mode="symmetric")
        (out,) = self.session.run([OUTPUT_NAME], {INPUT_NAME: padded[None].astype(np.float32)})
        return out[0, :h, :w, 0]

    def outline(self, film: np.ndarray, smooth: float, kept: np.ndarray) -> np.ndarray:
        """kept (bool, the film's shape) with the delineator's pixels within `radius` px of it that connect to it
        added (an outline never becomes a region of its own: unconnected ones added false components, 3 -> 11 on
        RRT-12R). The network runs on a box around each group of kept regions (origins on its 4-px grid, MARGIN px
        of context), and only those boxes' maps are computed."""
        kept = np.asarray(kept, bool)
        if not kept.any() or self.radius == 0:
            return kept.copy()
        zone = near(kept, self.radius)
        count, labels, stats, _ = cv2.connectedComponentsWithStats(zone.astype(np.uint8), connectivity=8)
        out = kept.copy()
        height, width = kept.shape
        for k in range(1, count):
            x, y, w, h = stats[k, :4]
            y0, x0 = max(0, y - MARGIN) // MULTIPLE * MULTIPLE, max(0, x - MARGIN) // MULTIPLE * MULTIPLE
            y1, x1 = min(height, y + h + MARGIN), min(width, x + w + MARGIN)
            probability = self.probabilities(delineator_maps(film, smooth, (y0, y1, x0, x1)))
            mine = labels[y0:y1, x0:x1] == k
            out[y0:y1, x0:x1] |= mine & (probability > self.threshold)
        count, labels = cv2.connectedComponents(out.astype(np.uint8), connectivity=8)
        joined = np.zeros(count, bool)
        joined[labels[kept]] = True
        return joined[labels] & out
