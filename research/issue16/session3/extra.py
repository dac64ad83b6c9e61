import cv2, numpy as np
EXTRA = ("edge_distance", "background_level", "surround_p95")
def extra_features(film, c, size=41, smooth=1.0, region=None):
    """(n, 3): px from the film's border (capped 200), mean closing over the candidate minus the film's median,
    95th percentile of the film in the candidate's box grown by 8 px minus the film's median (grey levels)."""
    n = len(c)
    if n == 0:
        return np.zeros((0, 3))
    sm = cv2.GaussianBlur(film, (0, 0), smooth)
    closing = cv2.morphologyEx(sm, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))).astype(np.float32)
    med = float(np.median(film[region] if region is not None else film))
    lab = c.labels
    inside = lab > 0
    sums = np.bincount(lab[inside], weights=closing[inside], minlength=n + 1)[1:]
    area = np.maximum(np.bincount(lab[inside], minlength=n + 1)[1:], 1)
    ys, xs = np.nonzero(inside); ids = lab[ys, xs]
    x0 = np.full(n + 1, 1 << 30); y0 = x0.copy(); x1 = np.full(n + 1, -1); y1 = x1.copy()
    np.minimum.at(x0, ids, xs); np.minimum.at(y0, ids, ys); np.maximum.at(x1, ids, xs); np.maximum.at(y1, ids, ys)
    H, W = film.shape
    out = np.zeros((n, 3))
    for k in range(1, n + 1):
        a, b, cc, d = max(y0[k] - 8, 0), min(y1[k] + 9, H), max(x0[k] - 8, 0), min(x1[k] + 9, W)
        out[k - 1, 2] = np.percentile(sm[a:b, cc:d], 95) - med
        out[k - 1, 0] = min(x0[k], y0[k], W - 1 - x1[k], H - 1 - y1[k], 200)
    out[:, 1] = sums / area - med
    return out
