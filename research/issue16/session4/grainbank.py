"""Real W0003 grain: the high-frequency residual (film - G3(film)) of the seam bands of the two flaw-free films
(RRT-202R, RRT-210R), and a function that adds it to a film (tiles at seeded random offsets)."""
import sys; sys.path.insert(0, '/work/main')
import numpy as np, cv2
from pathlib import Path
from riawelc.inspect.film import FilmSettings, inspected_band, read_film
from stages.realfilms.detection import films_to_score

def grain(f, sigma=2.0):
    return float(np.mean(np.abs(f.astype(np.float32) - cv2.GaussianBlur(f, (0, 0), sigma).astype(np.float32))))

def bank(names=('RRT-202R', 'RRT-210R'), sigma=3.0):
    paths, _ = films_to_score(Path('/work/shared/gdxray/W0003'), '/work/shared/gdxray')
    out = []
    for n in names:
        f = read_film(paths[n])
        seam, region, note = inspected_band(f, FilmSettings(source='candidates'))
        yc = int(np.median(seam.y_at(np.arange(f.shape[1]))))
        band = f[yc - 160:yc + 160, 100:-100].astype(np.float32)
        out.append(band - cv2.GaussianBlur(band, (0, 0), sigma))
    return out

def add_grain(film, residuals, seed=0, scale=1.0):
    rng = np.random.default_rng(seed)
    h, w = film.shape
    out = np.zeros((h, w), np.float32)
    for y in range(0, h, 300):
        for x in range(0, w, 1000):
            r = residuals[rng.integers(len(residuals))]
            th, tw = min(300, h - y), min(1000, w - x)
            oy, ox = rng.integers(0, r.shape[0] - th + 1), rng.integers(0, r.shape[1] - tw + 1)
            out[y:y + th, x:x + tw] = r[oy:oy + th, ox:ox + tw]
    return np.clip(np.rint(film.astype(np.float32) + scale * out), 0, 255).astype(np.uint8)
