"""One inspection function for the pipeline and the service.

The two models come in as callables, so the same code runs Keras models (the segmentation evaluation stage)
and ONNX Runtime sessions (the HTTP service). numpy + OpenCV only: no TensorFlow here.
"""

from dataclasses import dataclass
from typing import Callable

import numpy as np

from riawelc.constants import PATCH_SIZE
from riawelc.images import from_unet_size, to_unet_size
from riawelc.inspect.cam import class_heatmaps

# pixels (N, 227, 227, 1) float32 0..255 -> (probabilities (N, C), raw class activation maps (N, h, w, C))
ClassifierFn = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]
# pixels (N, 224, 224, 1) float32 0..255 -> defect probabilities (N, 224, 224, 1)
SegmenterFn = Callable[[np.ndarray], np.ndarray]


@dataclass
class Inspection:
    probabilities: np.ndarray  # (N, C), class order of riawelc.constants.CLASSES
    predicted: np.ndarray  # (N,) class indices
    heatmaps: np.ndarray  # (N, 227, 227) map of the predicted class in [0, 1], weighted by its probability
    mask_probabilities: np.ndarray  # (N, 227, 227) U-Net output at patch size
    masks: np.ndarray  # (N, 227, 227) uint8 0/1: mask_probabilities > threshold

    @property
    def defect_pixels(self) -> np.ndarray:
        return self.masks.reshape(len(self.masks), -1).sum(axis=1)


def as_patch_batch(patches: np.ndarray) -> np.ndarray:
    """(N, 227, 227) or (N, 227, 227, 1) uint8 -> (N, 227, 227, 1) float32, or a ValueError saying what is wrong."""
    patches = np.asarray(patches)
    if patches.ndim == 3:
        patches = patches[..., None]
    if patches.ndim != 4 or patches.shape[1:] != (PATCH_SIZE, PATCH_SIZE, 1):
        raise ValueError(f"expected patches of shape (N, {PATCH_SIZE}, {PATCH_SIZE}[, 1]), got {patches.shape}")
    if patches.dtype != np.uint8:
        raise ValueError(f"expected 8-bit patches (uint8), got {patches.dtype}")
    return patches.astype(np.float32)


def inspect_patches(patches: np.ndarray, classify: ClassifierFn, segment: SegmenterFn, cam_scale: float,
                    threshold: float = 0.5, batch_size: int = 32) -> Inspection:
    """Classify, localise (CAM of the predicted class) and segment (U-Net) a batch of patches."""
    pixels = as_patch_batch(patches)
    probabilities, heatmaps, mask_probabilities = [], [], []
    for start in range(0, len(pixels), batch_size):
        batch = pixels[start:start + batch_size]
        probs, cams = classify(batch)
        probabilities.append(probs)
        heatmaps.append(class_heatmaps(cams, probs.argmax(axis=1), cam_scale, probs))
        mask_probabilities.append(from_unet_size(segment(to_unet_size(batch, is_mask=False)))[..., 0])
    probabilities = np.concatenate(probabilities)
    mask_probabilities = np.concatenate(mask_probabilities)
    return Inspection(probabilities, probabilities.argmax(axis=1), np.concatenate(heatmaps), mask_probabilities,
                      (mask_probabilities > threshold).astype(np.uint8))
