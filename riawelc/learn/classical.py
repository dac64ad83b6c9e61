"""Hand-made patch features for the classical baseline of issue 8 (gradient boosting on them).

Defects in weld radiographs are darker than their surroundings: pores are small round dark spots, cracks thin
dark lines, lack of penetration a dark line along the seam. The features measure dark structure against the
patch's own local background, at a few scales and orientations, so they do not depend on the film's exposure:
intensity spread, background-subtracted darkness, black top-hats with round and line kernels, the dark blobs'
count, size and elongation, gradient energy by direction, and dark dips of the row and column profiles.
"""

from __future__ import annotations

import cv2
import numpy as np

BACKGROUND_SIGMA = 8.0  # px: local background for the darkness residual (pores and lines are 5-40 px)
ROUND_KERNELS = (9, 17, 31)  # black top-hat disk diameters, px
LINE_LENGTH = 31  # px: black top-hat line kernels along (horizontal) and across (vertical) the seam
DARK_SIGMAS = (2.0, 3.0, 4.0)  # residual below -k * its std counts as dark


def _tophat_stats(image: np.ndarray, kernel: np.ndarray, scale: float) -> list[float]:
    response = cv2.morphologyEx(image, cv2.MORPH_BLACKHAT, kernel) / scale
    return [float(response.max()), float(np.percentile(response, 99.5)), float(response.mean())]


def _blob_stats(dark: np.ndarray) -> list[float]:
    count, labels, stats, _ = cv2.connectedComponentsWithStats(dark.astype(np.uint8), connectivity=8)
    if count <= 1:
        return [0.0, 0.0, 0.0, 0.0, 0.0]
    areas = stats[1:, cv2.CC_STAT_AREA]
    largest = 1 + int(np.argmax(areas))
    ys, xs = np.nonzero(labels == largest)
    elongation, horizontal = 1.0, 0.5
    if len(xs) > 2:
        covariance = np.cov(np.stack([xs, ys]).astype(float))
        eigenvalues, eigenvectors = np.linalg.eigh(covariance)
        elongation = float(np.sqrt(max(eigenvalues[1], 1e-6) / max(eigenvalues[0], 1e-6)))
        horizontal = float(abs(eigenvectors[0, 1]))  # |cos| of the major axis to the seam direction
    return [float(count - 1), float(areas.max()), float(areas.sum()), min(elongation, 50.0), horizontal]


def _profile_dip(profile: np.ndarray) -> float:
    """How far the darkest point of a smoothed profile dips below its median, in units of the profile's spread."""
    smooth = np.convolve(profile, np.ones(5) / 5, mode="valid")
    return float((np.median(smooth) - smooth.min()) / (smooth.std() + 1.0))


def features_of(patch: np.ndarray) -> np.ndarray:
    """One feature vector for one (height, width) or (height, width, 1) patch with pixels 0..255."""
    image = np.asarray(patch, np.float32).reshape(patch.shape[0], patch.shape[1])
    spread = float(image.std()) + 1.0
    z = (image - image.mean()) / spread
    background = cv2.GaussianBlur(image, (0, 0), BACKGROUND_SIGMA)
    residual = image - background
    residual_std = float(residual.std()) + 1e-3
    values = [spread, *np.percentile(z, (1, 5, 50, 95, 99)),
              float(((z - z.mean()) ** 3).mean()), float(((z - z.mean()) ** 4).mean()),
              float(residual.min() / residual_std), float(np.percentile(residual, 0.5) / residual_std),
              residual_std / spread]
    for k in DARK_SIGMAS:
        values.append(float((residual < -k * residual_std).mean()))
    as_uint8 = np.clip(image, 0, 255).astype(np.uint8)
    for size in ROUND_KERNELS:
        values += _tophat_stats(as_uint8, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size)), spread)
    values += _tophat_stats(as_uint8, np.ones((1, LINE_LENGTH), np.uint8), spread)
    values += _tophat_stats(as_uint8, np.ones((LINE_LENGTH, 1), np.uint8), spread)
    values += _blob_stats(residual < -3.0 * residual_std)
    gx = cv2.Sobel(z, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(z, cv2.CV_32F, 0, 1, ksize=3)
    energy_x, energy_y = float((gx**2).mean()), float((gy**2).mean())
    magnitude = np.hypot(gx, gy)
    values += [energy_x, energy_y, energy_x / (energy_y + 1e-6), float(np.percentile(magnitude, 99))]
    values += [_profile_dip(residual.mean(axis=1)), _profile_dip(residual.mean(axis=0)),
               _profile_dip(image.mean(axis=1)), _profile_dip(image.mean(axis=0))]
    return np.asarray(values, np.float32)


def patch_features(images: np.ndarray) -> np.ndarray:
    """(N, height, width[, 1]) patches -> (N, features)."""
    return np.stack([features_of(image) for image in images])


def train_classical(train: tuple[np.ndarray, np.ndarray], score_images: np.ndarray, seed: int,
                    features: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[np.ndarray, dict]:
    """The classical baseline: gradient boosting on `patch_features`. Returns the scored images' class
    probabilities (N, 4) and the training accuracy. `features` (train, scored) skips computing them again."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    from riawelc.constants import CLASSES

    train_features, score_features = features if features is not None else (
        patch_features(train[0]), patch_features(score_images))
    model = HistGradientBoostingClassifier(max_iter=200, learning_rate=0.05, class_weight="balanced",
                                           random_state=seed)
    model.fit(train_features, train[1])
    probabilities = np.zeros((len(score_features), len(CLASSES)))
    probabilities[:, model.classes_] = model.predict_proba(score_features)
    return probabilities, {"train_accuracy": round(float(model.score(train_features, train[1])), 4)}
