"""Drawing over radiographs with cv2: gray to RGB, heatmap overlays, mask outlines. numpy + OpenCV only: the
service draws its overlays with these."""

from __future__ import annotations

import cv2
import numpy as np

GREEN = (0, 200, 0)
RED = (230, 0, 0)


def to_rgb(image: np.ndarray) -> np.ndarray:
    """A (H, W) gray or (H, W, 3) RGB image as RGB uint8."""
    image = np.asarray(image)
    if image.dtype != np.uint8:
        raise ValueError(f"image must be uint8, got {image.dtype}")
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2RGB)
    if image.ndim == 3 and image.shape[2] == 3:
        return image.copy()
    raise ValueError(f"image must have shape (H, W) or (H, W, 3), got {image.shape}")


def overlay(image: np.ndarray, heat: np.ndarray, alpha: float = 0.45) -> np.ndarray:
    """Colours a heatmap in [0, 1] (jet: blue = 0, red = 1) over the patch; returns RGB uint8 of the image size.

    The heatmap is resized (bilinear) to the image if needed. Values are not renormalised, so a weak map stays blue.
    """
    rgb = to_rgb(image)
    heat = np.asarray(heat, dtype=np.float32)
    if heat.ndim != 2:
        raise ValueError(f"heat must be 2-D, got shape {heat.shape}")
    if heat.shape != rgb.shape[:2]:
        heat = cv2.resize(heat, (rgb.shape[1], rgb.shape[0]), interpolation=cv2.INTER_LINEAR)
    heat_u8 = np.round(np.clip(heat, 0.0, 1.0) * 255).astype(np.uint8)
    colours = cv2.cvtColor(cv2.applyColorMap(heat_u8, cv2.COLORMAP_JET), cv2.COLOR_BGR2RGB)
    return cv2.addWeighted(rgb, 1.0 - alpha, colours, alpha, 0.0)


def outline(
    image: np.ndarray, masks: list[np.ndarray], colours: list[tuple[int, int, int]], thickness: int = 1
) -> np.ndarray:
    """Draws the outline of each binary mask in its RGB colour over the image (e.g. true in green, predicted in red)."""
    rgb = to_rgb(image)
    if len(masks) != len(colours):
        raise ValueError(f"got {len(masks)} masks but {len(colours)} colours")
    for mask, colour in zip(masks, colours):
        mask = np.asarray(mask)
        if mask.shape != rgb.shape[:2]:
            raise ValueError(f"mask shape {mask.shape} differs from image shape {rgb.shape[:2]}")
        contours, _ = cv2.findContours((mask > 0).astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
        cv2.drawContours(rgb, contours, -1, colour, thickness)
    return rgb
