"""Per-cell features of every tabled film (the cells stage's selection): detector candidates (held-out rejectors for
RRT-12R/22R, the all-film one elsewhere), top-hat maps, a seam-centre line measure. Cached in cells.pkl."""
import sys; sys.path.insert(0, '/work/main')
import os; os.environ['TF_CPP_MIN_LOG_LEVEL'] = '3'
os.chdir('/work/main')
import pickle
from pathlib import Path
import numpy as np, cv2
from riawelc.films.cells import cells_hit
from riawelc.inspect.candidates import black_tophat
from riawelc.inspect.tophat import film_smoothing
from riawelc.inspect.detector import Detector
from tabled import tabled_films
M = Path(os.environ.get('DETS', '/work/rerun/realfilms/out/masked'))
final = Detector.load(M / 'detector-all.json')
out = {}
for name, film, labels, cells, seam, region, note, masks in tabled_films():
    det = Detector.load(M / f'detector-{name}.json') if name in masks else final
    d = det.detect(film, seam, region)
    reg = region if region is not None else np.ones(film.shape, bool)
    sig = film_smoothing(film, det.settings.smooth, det.settings.max_grain, region)
    hats = {s: np.where(reg, black_tophat(film, s, sig), 0).astype(np.float32) for s in (15, 25, 41)}
    # seam-centre strip (+-40 px of the seam line) when a seam was found
    if seam is not None:
        rows = np.arange(film.shape[0])[:, None]
        centre = np.abs(rows - seam.y_at(np.arange(film.shape[1]))[None, :]) <= 40
    else:
        centre = np.zeros(film.shape, bool)
    out[name] = {'cells': cells, 'classes': [labels[c] for c in cells], 'note': note, 'width': film.shape[1],
                 'x': d.candidates.centres()[:, 0] if len(d.candidates) else np.zeros(0),
                 'prob': d.probability, 'features': d.candidates.features,
                 'cell_of': cells_hit(d.candidates.centres()[:, 0]) if len(d.candidates) else np.zeros(0, np.int64),
                 'colmax': {s: h.max(0) for s, h in hats.items()},
                 'colarea': {(s, lv): (h > lv).sum(0) for s, h in hats.items() for lv in (4, 6, 8, 10, 15, 20)},
                 'centre41': np.where(centre, hats[41], 0).max(0), 'centre25': np.where(centre, hats[25], 0).max(0),
                 'film_median': float(np.median(film[reg])), 'film_std': float(np.std(film[reg])),
                 'grain': float(np.mean(np.abs(film.astype(np.float32) - cv2.GaussianBlur(film, (0, 0), 2.0).astype(np.float32))[reg])),
                 'grain_cols': np.mean(np.abs(film.astype(np.float32) - cv2.GaussianBlur(film, (0, 0), 2.0).astype(np.float32)), axis=0)}
    print(name, len(cells), note[:40], flush=True)
pickle.dump(out, open(os.environ.get('OUTP', '/work/probe18/cells2.pkl'), 'wb'))
