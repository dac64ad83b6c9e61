"""Class activation maps (CAM) as plain numpy arrays.

The classifiers end in features -> global average pooling -> Dropout -> Dense("logits"). For that head the
Grad-CAM of the logit of class c is sum_k W[k, c] * A_k (times the positive constant 1 / (h * w)), so the maps
come from one forward pass without gradients: `cams = einsum("bhwk,kc->bhwc", features, W)`. Keras and the
exported ONNX graph both return these raw `cams`; everything here works on them with numpy and cv2 only, so the
HTTP service can use it without TensorFlow.

Scaling. Raw CAM values have no fixed range. Normalising each map so that its peak is 1 would invent a defect in
every patch (a flat, defect-free map would get a bright spot at its largest noise value). Instead one scale is
fitted once on the training set (`fit_cam_scale`: a high percentile of the positive values of the true-class
maps of the DEFECT patches) and every map is divided by that same number (`scale_maps`). A weak map then stays
dark, and a value of 1 means "as strong as the strongest defect evidence seen in training".
"""

from __future__ import annotations

import cv2
import numpy as np

from riawelc.constants import PATCH_SIZE


def select_class_maps(cams: np.ndarray, class_indices: np.ndarray) -> np.ndarray:
    """Picks one class map per image: (N, h, w, C) cams and (N,) class indices -> (N, h, w).

    For pseudo-masks pass the TRUE label of each patch, not the predicted class.
    """
    cams = np.asarray(cams)
    class_indices = np.asarray(class_indices)
    if cams.ndim != 4:
        raise ValueError(f"cams must have shape (N, h, w, C), got {cams.shape}")
    n, num_classes = cams.shape[0], cams.shape[-1]
    if class_indices.shape != (n,):
        raise ValueError(f"class_indices must have shape ({n},), got {class_indices.shape}")
    if not np.issubdtype(class_indices.dtype, np.integer):
        raise ValueError(f"class_indices must be integers, got dtype {class_indices.dtype}")
    if n and (class_indices.min() < 0 or class_indices.max() >= num_classes):
        raise ValueError(
            f"class_indices must lie in [0, {num_classes}), got {class_indices.min()}..{class_indices.max()}"
        )
    return np.moveaxis(cams, -1, 1)[np.arange(n), class_indices]


def upsample(maps: np.ndarray, size: int | tuple[int, int] = PATCH_SIZE) -> np.ndarray:
    """Bilinear resize of one map (h, w) or a batch (N, h, w) to `size` (an int, or (height, width))."""
    maps = np.asarray(maps, dtype=np.float32)
    if maps.ndim not in (2, 3):
        raise ValueError(f"maps must have shape (h, w) or (N, h, w), got {maps.shape}")
    height, width = (size, size) if isinstance(size, int) else size
    if maps.ndim == 2:
        return cv2.resize(maps, (width, height), interpolation=cv2.INTER_LINEAR)
    out = np.empty((maps.shape[0], height, width), dtype=np.float32)
    for i, one_map in enumerate(maps):
        out[i] = cv2.resize(one_map, (width, height), interpolation=cv2.INTER_LINEAR)
    return out


def fit_cam_scale(maps: np.ndarray, percentile: float = 99.0) -> float:
    """The dataset-level CAM scale: the `percentile` of the positive values of `maps`.

    Pass the true-class maps of the training DEFECT patches (any resolution: fitting on the small raw maps is
    cheap, and `class_heatmaps` scales before it upsamples, so fit and use agree). With the default 99, about 1%
    of the positive defect evidence saturates at 1 after `scale_maps`.
    """
    if not 0 < percentile <= 100:
        raise ValueError(f"percentile must be in (0, 100], got {percentile}")
    values = np.asarray(maps, dtype=np.float64).ravel()
    if not np.all(np.isfinite(values)):
        raise ValueError("maps contain NaN or infinite values")
    positive = values[values > 0]
    if positive.size == 0:
        raise ValueError("maps have no positive value: cannot fit a CAM scale")
    return float(np.percentile(positive, percentile))


def scale_maps(maps: np.ndarray, scale: float, probabilities: np.ndarray | float | None = None) -> np.ndarray:
    """relu, divide by the fixed dataset `scale`, clip to [0, 1], and optionally weight by class probability.

    `probabilities` is one number per map ((N,) for (N, h, w) maps, a scalar for one map), e.g. the softmax
    probability of the class whose map it is: a confident "no" then dims the map.
    """
    if not np.isfinite(scale) or scale <= 0:
        raise ValueError(f"scale must be a positive number, got {scale}")
    maps = np.asarray(maps, dtype=np.float32)
    scaled = np.clip(np.maximum(maps, 0.0) / np.float32(scale), 0.0, 1.0)
    if probabilities is None:
        return scaled
    probabilities = np.asarray(probabilities, dtype=np.float32)
    if probabilities.shape != maps.shape[: maps.ndim - 2]:
        raise ValueError(f"probabilities must have shape {maps.shape[: maps.ndim - 2]}, got {probabilities.shape}")
    if np.any((probabilities < 0) | (probabilities > 1)):
        raise ValueError("probabilities must lie in [0, 1]")
    return scaled * probabilities[..., None, None]


def class_heatmaps(
    cams: np.ndarray,
    class_indices: np.ndarray,
    scale: float,
    probabilities: np.ndarray | None = None,
    size: int | tuple[int, int] = PATCH_SIZE,
) -> np.ndarray:
    """Raw (N, h, w, C) cams -> (N, size, size) heatmaps in [0, 1] of the given class of each image.

    `probabilities` is the full (N, C) softmax output (optional); the probability of each chosen class weights
    its map. Scaling happens at the raw resolution, where `fit_cam_scale` was fitted, then bilinear upsampling
    (which keeps values in [0, 1]).
    """
    maps = select_class_maps(cams, class_indices)
    chosen_probabilities = None
    if probabilities is not None:
        probabilities = np.asarray(probabilities)
        expected_shape = (maps.shape[0], np.shape(cams)[-1])
        if probabilities.shape != expected_shape:
            raise ValueError(f"probabilities must have shape {expected_shape}, got {probabilities.shape}")
        chosen_probabilities = probabilities[np.arange(maps.shape[0]), np.asarray(class_indices)]
    return upsample(scale_maps(maps, scale, chosen_probabilities), size)
