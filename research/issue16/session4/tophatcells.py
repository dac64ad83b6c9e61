"""The cells stage's top-hat rule (25 px, level and smallest area chosen on the training folds), with the film
smoothed by 1 px (as the stage) or film-adaptively (max_grain)."""
import sys; sys.path.insert(0, '/work/main')
import os; os.chdir('/work/main')
import numpy as np, cv2
from riawelc.films.cells import cells_hit
from riawelc.inspect.candidates import black_tophat
from riawelc.inspect.tophat import film_smoothing
from tabled import cells_cv, tabled_films
MG = float(sys.argv[1]) if len(sys.argv) > 1 else None
LEVELS = [2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 12.0, 15.0]; AREAS = [12, 30, 60, 120, 250]
data = {}
for name, film, labels, cells, seam, region, note, _ in tabled_films():
    sigma = film_smoothing(film, 1.0, MG, region) if MG else 1.0
    hat = black_tophat(film, 25, sigma)
    if region is not None: hat = np.where(region, hat, 0)
    th = {}
    for lv in LEVELS:
        n, _, st, ce = cv2.connectedComponentsWithStats((hat > lv).astype(np.uint8), connectivity=8)
        th[lv] = (ce[1:, 0], st[1:, cv2.CC_STAT_AREA])
    data[name] = {'cells': cells, 'y': np.array([bool(labels[c]) for c in cells]), 'th': th, 'sigma': sigma}
print({n: data[n]['sigma'] for n in sorted(data)})
def predict(n, pt):
    xs, ar = data[n]['th'][pt[0]]
    hit = set(cells_hit(xs[ar >= pt[1]]).tolist()) if len(xs) else set()
    return np.array([c in hit for c in data[n]['cells']], bool)
f1s = cells_cv(data, predict, [(lv, a) for lv in LEVELS for a in AREAS])
print(f'top-hat 25 cells, max_grain {MG}: F1 {np.mean(f1s):.4f}')
