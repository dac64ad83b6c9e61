"""Pseudo-masks: scaled class activation maps -> binary defect masks for weakly supervised segmentation.

numpy + cv2 only (no TensorFlow, no scipy), so the service can use it too.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from riawelc.constants import CLASSES, NO_DEFECT, REFINE_MODES


@dataclass(frozen=True)
class PseudoMaskConfig:
    """How a scaled CAM (values in [0, 1]) becomes a mask.

    threshold: CAM value from which a pixel counts as defect.
    open_radius / close_radius: radii (px) of the elliptic opening (drops thin specks and spurs) and closing
        (bridges small gaps); 0 skips the step.
    fill_holes: fill regions of background enclosed by the mask.
    min_area: components smaller than this (px) are removed. Keep it small: real defects are tiny (median about
        170 px^2, many under 200 px^2), so a floor of 100 px would delete a third of them.
    refine: "none" keeps the coarse CAM region; "dark" keeps only the pixels darker than their local background
        (defects are darker than the weld around them on these radiographs) inside the CAM region grown by
        `dark_dilate` px, so the mask follows the defect instead of the blurry CAM blob.
    dark_window: odd size (px) of the median filter that estimates the local background.
    dark_k, dark_min_delta: a pixel is dark when it is below the background by more than
        max(dark_k * local standard deviation, dark_min_delta gray levels).
    dark_dilate: radius (px) by which the CAM region is grown before it is intersected with the dark pixels.
    dark_fallback: if the dark refinement leaves nothing, keep the CAM region (a defect patch with an empty mask
        would teach the U-Net that there is no defect).
    """

    threshold: float = 0.5
    open_radius: int = 1
    close_radius: int = 2
    fill_holes: bool = True
    min_area: int = 12
    refine: str = "none"
    dark_window: int = 41
    dark_k: float = 1.0
    dark_min_delta: float = 3.0
    dark_dilate: int = 7
    dark_fallback: bool = True

    def __post_init__(self) -> None:
        if not 0.0 <= self.threshold <= 1.0:
            raise ValueError(f"threshold must be in [0, 1], got {self.threshold}")
        for name in ("open_radius", "close_radius", "min_area", "dark_dilate"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")
        if self.refine not in REFINE_MODES:
            raise ValueError(f"refine must be one of {REFINE_MODES}, got {self.refine!r}")
        if self.dark_window < 3 or self.dark_window % 2 == 0:
            raise ValueError(f"dark_window must be an odd number >= 3, got {self.dark_window}")
        if self.dark_k < 0 or self.dark_min_delta < 0:
            raise ValueError("dark_k and dark_min_delta must be >= 0")


def disk(radius: int) -> np.ndarray:
    """The elliptic structuring element of `radius` px (a (2r+1)-px square)."""
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))


def fill_holes(mask: np.ndarray) -> np.ndarray:
    """Fills background regions that do not touch the border (8-connected mask, 4-connected background)."""
    padded = np.pad(mask.astype(np.uint8), 1)
    outside = padded.copy()
    flood_mask = np.zeros((padded.shape[0] + 2, padded.shape[1] + 2), np.uint8)
    cv2.floodFill(outside, flood_mask, (0, 0), 1, flags=4)  # the padding ring connects all the border
    holes = outside[1:-1, 1:-1] == 0
    return (mask.astype(bool) | holes).astype(np.uint8)


def remove_small_components(mask: np.ndarray, min_area: int) -> np.ndarray:
    """Drops 8-connected components with fewer than `min_area` pixels."""
    if min_area <= 1:
        return mask.astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    keep = np.zeros(count, dtype=bool)
    keep[1:] = stats[1:, cv2.CC_STAT_AREA] >= min_area
    return keep[labels].astype(np.uint8)


def dark_pixels(image: np.ndarray, cfg: PseudoMaskConfig) -> np.ndarray:
    """Pixels darker than their local background (median filter) by max(k * local std, min_delta)."""
    background = cv2.medianBlur(image, cfg.dark_window).astype(np.float32)
    pixels = image.astype(np.float32)
    window = (cfg.dark_window, cfg.dark_window)
    local_mean = cv2.blur(pixels, window, borderType=cv2.BORDER_REFLECT)
    local_var = cv2.blur(pixels * pixels, window, borderType=cv2.BORDER_REFLECT) - local_mean**2
    margin = np.maximum(cfg.dark_k * np.sqrt(np.maximum(local_var, 0.0)), cfg.dark_min_delta)
    return (pixels < background - margin).astype(np.uint8)


def make_pseudomask(image: np.ndarray, cam: np.ndarray, label: str, cfg: PseudoMaskConfig) -> np.ndarray:
    """A uint8 0/1 mask for one patch from its scaled CAM (of its true class) and its true `label`.

    `no_defect` patches always get an empty mask. Otherwise: threshold, optional dark refinement, opening,
    closing, hole filling, removal of components under `min_area`.
    """
    image = np.asarray(image)
    cam = np.asarray(cam)
    if image.ndim != 2 or image.dtype != np.uint8:
        raise ValueError(f"image must be a 2-D uint8 array, got shape {image.shape} dtype {image.dtype}")
    if cam.shape != image.shape:
        raise ValueError(f"cam shape {cam.shape} differs from image shape {image.shape}")
    if label not in CLASSES:
        raise ValueError(f"unknown label {label!r}, expected one of {CLASSES}")
    if label == NO_DEFECT:
        return np.zeros(image.shape, np.uint8)

    mask = (cam >= cfg.threshold).astype(np.uint8)
    if cfg.refine == "dark" and mask.any():
        near_cam = cv2.dilate(mask, disk(cfg.dark_dilate)) if cfg.dark_dilate else mask
        refined = near_cam & dark_pixels(image, cfg)
        if refined.any() or not cfg.dark_fallback:
            mask = refined
    if cfg.open_radius:
        mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, disk(cfg.open_radius))
    if cfg.close_radius:
        mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, disk(cfg.close_radius))
    if cfg.fill_holes:
        mask = fill_holes(mask)
    return remove_small_components(mask, cfg.min_area)


def mask_report(masks: np.ndarray, labels: list[str] | np.ndarray) -> dict[str, dict[str, float]]:
    """Per class: number of masks, mean coverage (fraction of defect pixels), mean 8-connected components, and
    the fraction of empty masks. Classes without any mask are left out."""
    masks = np.asarray(masks)
    labels = np.asarray(labels)
    if masks.ndim != 3 or labels.shape != (masks.shape[0],):
        raise ValueError(f"need masks (N, H, W) and N labels, got masks {masks.shape} and labels {labels.shape}")
    unknown = set(labels.tolist()) - set(CLASSES)
    if unknown:
        raise ValueError(f"unknown labels {sorted(unknown)}, expected some of {CLASSES}")
    report = {}
    for name in CLASSES:
        chosen = masks[labels == name] > 0
        if len(chosen) == 0:
            continue
        components = [cv2.connectedComponents(m.astype(np.uint8), connectivity=8)[0] - 1 for m in chosen]
        report[name] = {
            "count": int(len(chosen)),
            "coverage": float(chosen.mean()),
            "components": float(np.mean(components)),
            "empty_fraction": float(np.mean(~chosen.any(axis=(1, 2)))),
        }
    return report
