"""16-bit (or any non-8-bit) radiographs to 8 bits by a window, not by clipping to the low byte. One rule for the
service's uploads (serve.decode) and whole-film inspection (riawelc.filminspect)."""

import numpy as np

from riawelc.images import BadImage

WINDOW_PERCENTILES = (0.5, 99.5)


def window_to_uint8(array: np.ndarray) -> np.ndarray:
    """Map any-depth gray pixels to uint8: the 0.5th and 99.5th percentiles of the image's own values map to 0
    and 255, linearly in between (values outside saturate); a flat image maps by its type's full range."""
    values = array.astype(np.float64)
    if not np.all(np.isfinite(values)):
        raise BadImage("pixels contain NaN or infinite values")
    low, high = np.percentile(values, WINDOW_PERCENTILES)
    if high <= low:
        if np.issubdtype(array.dtype, np.integer):
            info = np.iinfo(array.dtype)
            low, high = float(info.min), float(info.max)
        else:
            low, high = low - 0.5, low + 0.5
    scaled = (values - low) * (255.0 / (high - low))
    return np.clip(np.rint(scaled), 0, 255).astype(np.uint8)
