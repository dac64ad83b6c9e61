"""Find the weld seam of a film: a smooth bright band across the whole film length.

Lead letters and wire image-quality indicators are brighter than the seam in places, so taking the brightest
rows fails. Instead each vertical strip of the film gets a band response (a bright band against its darker
flanks, robust to letters through a per-row median over the strip), a dynamic programme picks one band
centre per strip with a penalty on jumps, and a low-order polynomial is fitted to those centres with outlier
rejection. A film that does not fit this model (a tube or pipe shot, two bands, no band) gets a reason
instead of a guess.
"""

from dataclasses import dataclass, field

import cv2
import numpy as np


@dataclass(frozen=True)
class SeamSettings:
    downscale: int = 4  # work on a film shrunk this much (the seam is hundreds of pixels wide)
    strip_px: int = 124  # width of the vertical strips, film pixels (half a 1 cm cell)
    half_widths_px: tuple = (40, 60, 90, 130)  # band half-heights tried, film pixels
    jump_penalty: float = 0.004  # response per film pixel of jump between neighbouring strips
    degree: int = 2  # polynomial degree of the seam line y(x)
    inlier_px: float = 60.0  # a strip's centre within this of the fitted line counts as on the seam
    min_inlier_share: float = 0.75  # fewer strips on the line than this: no single smooth seam
    min_contrast: float = 0.05  # median band response along the line, as a share of the film's 1-99 % range
    second_band_ratio: float = 0.7  # a parallel band this strong (relative) elsewhere: two bands, ambiguous
    max_edge_peak_ratio: float = 1.15  # band edges brighter than its centre by this (tube walls): not a seam


@dataclass
class Seam:
    """A fitted seam line, or the reason the film does not fit (`fits` False)."""

    fits: bool
    reason: str = ""
    coefficients: np.ndarray = field(default_factory=lambda: np.zeros(1))  # y(x) polynomial, film pixels
    half_height: float = 0.0  # half the band height, film pixels
    contrast: float = 0.0
    inlier_share: float = 0.0
    second_band_ratio: float = 0.0
    centres: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))  # (x, y) picked per strip

    def y_at(self, x) -> np.ndarray:
        # Rounded to a millionth of a pixel: the least-squares fit's last bits depend on the CPU's SIMD kernels
        # (a level seam at 858 comes out as 857.9999999999995 on one CPU and 858.0000000000002 on another),
        # and windows and bands that floor or compare it would move a whole pixel row between machines.
        return np.round(np.polyval(self.coefficients, np.asarray(x, float)), 6)


def _strip_profiles(film: np.ndarray, settings: SeamSettings) -> tuple[np.ndarray, np.ndarray, float]:
    """Per-strip row profiles (median over the strip's columns) on the shrunk film, strip centres (film px)."""
    d = settings.downscale
    small = cv2.resize(film, (film.shape[1] // d, film.shape[0] // d), interpolation=cv2.INTER_AREA).astype(np.float32)
    low, high = np.percentile(small, [1, 99])
    scale = max(float(high - low), 1.0)
    small = (small - low) / scale
    width = max(settings.strip_px // d, 4)
    n = small.shape[1] // width
    strips = small[:, : n * width].reshape(small.shape[0], n, width)
    profiles = np.median(strips, axis=2).T  # (n_strips, rows)
    profiles = cv2.GaussianBlur(np.ascontiguousarray(profiles), (9, 1), sigmaX=2.0)  # along rows only
    centres = (np.arange(n) * width + width / 2) * d
    return profiles, centres, scale


def _band_response(profiles: np.ndarray, half_widths: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Mean of the band minus the mean of its two flanks, best over half-widths; (response, best half-width)."""
    n, rows = profiles.shape
    cumulative = np.concatenate([np.zeros((n, 1)), np.cumsum(profiles, axis=1)], axis=1)

    def mean(a, b):
        a, b = np.clip(a, 0, rows), np.clip(b, 0, rows)
        return (cumulative[:, b] - cumulative[:, a]) / np.maximum(b - a, 1)

    y = np.arange(rows)
    best = np.full((n, rows), -np.inf)
    best_w = np.zeros((n, rows), int)
    for w in half_widths:
        valid = (y - 2 * w >= 0) & (y + 2 * w <= rows)
        response = mean(y - w, y + w) - 0.5 * (mean(y - 2 * w, y - w) + mean(y + w, y + 2 * w))
        response[:, ~valid] = -np.inf
        better = response > best
        best[better], best_w[better] = response[better], w
    return best, best_w


def _best_path(response: np.ndarray, penalty: float) -> np.ndarray:
    """One row per strip maximising total response minus penalty * |jump| (Viterbi)."""
    n, rows = response.shape
    score = np.where(np.isfinite(response), response, -1e3)
    y = np.arange(rows)
    cost = penalty * np.abs(y[:, None] - y[None, :])
    total, back = score[0].copy(), np.zeros((n, rows), int)
    for i in range(1, n):
        candidates = total[None, :] - cost  # [to, from]
        back[i] = np.argmax(candidates, axis=1)
        total = candidates[y, back[i]] + score[i]
    path = np.zeros(n, int)
    path[-1] = int(np.argmax(total))
    for i in range(n - 1, 0, -1):
        path[i - 1] = back[i, path[i]]
    return path


def _robust_fit(x: np.ndarray, y: np.ndarray, weights: np.ndarray, degree: int, tolerance: float):
    keep = weights > 0
    coefficients = np.zeros(degree + 1)
    for _ in range(4):
        if keep.sum() <= degree + 1:
            break
        coefficients = np.polyfit(x[keep], y[keep], degree, w=np.sqrt(weights[keep]))
        keep = (np.abs(np.polyval(coefficients, x) - y) <= tolerance) & (weights > 0)
    return coefficients, keep


def find_seam(film: np.ndarray, settings: SeamSettings = SeamSettings(), rows: tuple | None = None) -> Seam:
    """Fit the seam line of a 2-D uint8 film; `fits` False with a reason when the film is not one seam band.

    `rows` = (top, bottom) as shares of the film height restricts the search (a film with two bands, once a
    person has said which one holds the seam).
    """
    if rows is None:
        return _find_seam(film, settings)
    top, bottom = (int(round(share * film.shape[0])) for share in rows)
    if not 0 <= top < bottom <= film.shape[0]:
        return Seam(False, f"seam search rows {rows} are not 0 <= top < bottom <= 1")
    seam = _find_seam(film[top:bottom], settings)
    seam.coefficients = seam.coefficients.copy()
    seam.coefficients[-1] += top
    seam.centres = seam.centres + [0, top]
    if seam.reason:
        seam.reason += f" (searched rows {rows[0]:.2f}-{rows[1]:.2f} of the film)"
    return seam


def _find_seam(film: np.ndarray, settings: SeamSettings) -> Seam:
    d = settings.downscale
    if film.ndim != 2 or min(film.shape) < 16 * d:
        return Seam(False, f"film of shape {film.shape} is too small for a seam search")
    profiles, centres, _ = _strip_profiles(film, settings)
    if len(centres) < 4:
        return Seam(False, "film is too short: fewer than 4 strips")
    half_widths = sorted({max(2, w // d) for w in settings.half_widths_px})
    response, best_w = _band_response(profiles, half_widths)
    path = _best_path(response, settings.jump_penalty * d)
    strip_index = np.arange(len(path))
    picked = response[strip_index, path]
    x, y = centres, (path + 0.5) * d
    coefficients, inliers = _robust_fit(x, y, np.clip(picked, 0, None), settings.degree, settings.inlier_px)
    line_rows = np.clip(np.round(np.polyval(coefficients, x) / d - 0.5).astype(int), 0, profiles.shape[1] - 1)
    along = response[strip_index, line_rows]
    along = np.where(np.isfinite(along), along, 0.0)
    contrast = float(np.median(along))
    half_height = float(np.median(best_w[strip_index, line_rows][inliers] if inliers.any() else half_widths[0]) * d)
    seam = Seam(True, "", coefficients, half_height, contrast, float(inliers.mean()), 0.0, np.stack([x, y], 1))
    if seam.inlier_share < settings.min_inlier_share:
        return _refuse(seam, f"no single smooth seam: only {seam.inlier_share:.0%} of the strips lie on the fitted line")
    if contrast < settings.min_contrast:
        return _refuse(seam, f"no bright band along the line (contrast {contrast:.3f} < {settings.min_contrast})")
    seam.second_band_ratio = _second_band(response, line_rows, half_height / d, settings) / max(contrast, 1e-6)
    if seam.second_band_ratio >= settings.second_band_ratio:
        return _refuse(seam, f"two bright bands (the second at {seam.second_band_ratio:.0%} of the first's contrast)")
    edge_ratio = _edge_peak_ratio(profiles, line_rows, half_height / d)
    if edge_ratio >= settings.max_edge_peak_ratio:
        return _refuse(seam, f"band brightest at its edges, not its centre (ratio {edge_ratio:.2f}): a tube or pipe wall?")
    top, bottom = np.polyval(coefficients, [0, film.shape[1] - 1]), film.shape[0]
    if min(top) < 0 or max(top) > bottom:
        return _refuse(seam, "the fitted line leaves the film")
    return seam


def _refuse(seam: Seam, reason: str) -> Seam:
    seam.fits, seam.reason = False, reason
    return seam


def _second_band(response, line_rows, half_height, settings: SeamSettings) -> float:
    """Contrast along the best other smooth line that stays clear of the seam band (0 if none fits)."""
    rows = response.shape[1]
    y = np.arange(rows)
    masked = response.copy()
    masked[np.abs(y[None, :] - line_rows[:, None]) < 3 * half_height] = -np.inf
    if not np.isfinite(masked).any():
        return 0.0
    d = settings.downscale
    path = _best_path(masked, settings.jump_penalty * d)
    index = np.arange(len(path))
    picked = np.where(np.isfinite(masked[index, path]), masked[index, path], 0.0)
    coefficients, inliers = _robust_fit(index.astype(float), path.astype(float), np.clip(picked, 0, None),
                                        settings.degree, settings.inlier_px / d)
    if inliers.mean() < settings.min_inlier_share:
        return 0.0
    second_rows = np.clip(np.round(np.polyval(coefficients, index)).astype(int), 0, rows - 1)
    values = masked[index, second_rows]
    return float(np.median(np.where(np.isfinite(values), values, 0.0)))


def _edge_peak_ratio(profiles, line_rows, half_height) -> float:
    """Brightest pixel near the band's edges over the band centre's brightness, on the straightened profile."""
    h = max(int(round(half_height)), 2)
    rows = profiles.shape[1]
    stack = []
    for profile, centre in zip(profiles, line_rows):
        if centre - 2 * h >= 0 and centre + 2 * h < rows:
            stack.append(profile[centre - 2 * h: centre + 2 * h + 1])
    if not stack:
        return 0.0
    mean = np.mean(stack, axis=0)
    centre = mean[2 * h - h // 2: 2 * h + h // 2 + 1].mean()
    lo, hi = max(h - h // 2, 0), h + h // 2 + 1  # around the upper edge; the lower edge mirrors it
    edges = max(mean[lo:hi].max(), mean[4 * h - hi + 1: 4 * h - lo + 1].max())
    return float((edges - mean.min()) / max(centre - mean.min(), 1e-6))
