"""The cells stage's top-hat rule (25 px, level and smallest area chosen on the training folds), with the film
smoothed by 1 px (as the stage) or film-adaptively (max_grain)."""
import sys; sys.path.insert(0, '/work/main')
import os; os.chdir('/work/main')
import numpy as np, cv2
from pathlib import Path
from riawelc.films.cells import cell_truth, cells_hit, precision_recall_f1
from riawelc.films.flawtable import read_flaw_table
from riawelc.films.tree import find_table
from riawelc.inspect.candidates import CandidateSettings, black_tophat, film_smoothing
from riawelc.inspect.film import FilmSettings, inspected_band, read_film
from stages.realfilms.detection import films_to_score
MG = float(sys.argv[1]) if len(sys.argv) > 1 else None
LEVELS = [2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 12.0, 15.0]; AREAS = [12, 30, 60, 120, 250]
table = read_flaw_table(find_table(Path('../shared/gdxray/W0003')))
paths, masks = films_to_score(Path('../shared/gdxray/W0003'), '../shared/gdxray')
data = {}
for name in sorted(table.films):
    flaws = table.films[name]
    if flaws.unusable or name not in paths: continue
    if all(v is None for v in cell_truth(flaws, 1).values()) and flaws.max_cells: continue
    film = read_film(paths[name])
    labels = cell_truth(flaws, film.shape[1])
    cells = np.array([c for c, v in labels.items() if v is not None], np.int64)
    seam, region, note = inspected_band(film, FilmSettings(source='candidates'))
    sigma = film_smoothing(film, CandidateSettings(max_grain=MG, smooth=1.0), region) if MG else 1.0
    hat = black_tophat(film, 25, sigma)
    if region is not None: hat = np.where(region, hat, 0)
    th = {}
    for lv in LEVELS:
        n, _, st, ce = cv2.connectedComponentsWithStats((hat > lv).astype(np.uint8), connectivity=8)
        th[lv] = (ce[1:, 0], st[1:, cv2.CC_STAT_AREA])
    data[name] = {'cells': cells, 'y': np.array([bool(labels[c]) for c in cells]), 'th': th, 'sigma': sigma}
names = sorted(data)
print({n: data[n]['sigma'] for n in names})
def predict(n, pt):
    xs, ar = data[n]['th'][pt[0]]
    hit = set(cells_hit(xs[ar >= pt[1]]).tolist()) if len(xs) else set()
    return np.array([c in hit for c in data[n]['cells']], bool)
grid = [(lv, a) for lv in LEVELS for a in AREAS]
f1s = []
for seed in range(5):
    order = np.random.default_rng(seed).permutation(names)
    folds = [sorted(order[k::5]) for k in range(5)]
    pred, tru = [], []
    for fold in folds:
        train = [n for n in names if n not in fold]
        cache = {(n, pt): predict(n, pt) for n in train for pt in grid}
        best = max(grid, key=lambda pt: (precision_recall_f1(np.concatenate([cache[(n, pt)] for n in train]), np.concatenate([data[n]['y'] for n in train]))['f1'], pt))
        for n in fold:
            pred.append(predict(n, best)); tru.append(data[n]['y'])
    s = precision_recall_f1(np.concatenate(pred), np.concatenate(tru)); f1s.append(s['f1'])
    print(f'seed {seed}: F1 {s["f1"]:.4f} P {s["precision"]:.3f} R {s["recall"]:.3f}')
print(f'top-hat 25 cells, max_grain {MG}: F1 {np.mean(f1s):.4f}')
