"""The cells stage's detector rule (threshold and smallest area chosen on the training folds, 5 folds x 5 seeds)
for the detectors in a folder (detector-all.json; held-out ones for RRT-12R/22R), plus kept px in clean cells."""
import sys; sys.path.insert(0, '/work/main')
import os; os.environ['TF_CPP_MIN_LOG_LEVEL'] = '3'
os.chdir('/work/main')
import json
from pathlib import Path
import numpy as np
from riawelc.films.cells import cell_truth, cells_hit, precision_recall_f1
from riawelc.films.flawtable import read_flaw_table
from riawelc.films.tree import find_table
from riawelc.inspect.detector import Detector
from riawelc.inspect.film import FilmSettings, inspected_band, read_film
from stages.realfilms.detection import films_to_score
M = Path(sys.argv[1])
THR = [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.97, 0.99]
AREAS = [12, 30, 60, 120, 250]
films_dir = Path('../shared/gdxray/W0003')
table = read_flaw_table(find_table(films_dir))
paths, masks = films_to_score(films_dir, '../shared/gdxray')
held = {n: Detector.load(M / f'detector-{n}.json') for n in masks if (M / f'detector-{n}.json').exists()}
final = Detector.load(M / 'detector-all.json')
data = {}
clean_px = other_px = 0
band = {'clean': 0, 'other': 0}
for name in sorted(table.films):
    flaws = table.films[name]
    if flaws.unusable or name not in paths:
        continue
    if all(v is None for v in cell_truth(flaws, 1).values()) and flaws.max_cells:
        continue
    film = read_film(paths[name])
    labels = cell_truth(flaws, film.shape[1])
    cells = np.array([c for c, v in labels.items() if v is not None], np.int64)
    seam, region, note = inspected_band(film, FilmSettings(source='candidates'))
    det = held.get(name, final)
    d = det.detect(film, seam, region)
    x = d.candidates.centres()[:, 0] if len(d.candidates) else np.zeros(0)
    data[name] = {'cells': cells, 'y': np.array([bool(labels[c]) for c in cells]), 'x': x, 'p': d.probability,
                  'area': d.candidates.features[:, 0], 'cell_of': cells_hit(x) if len(x) else np.zeros(0, np.int64)}
    keep = d.probability > det.threshold
    cls = {int(c): labels[c] for c in cells}
    for a, c in zip(d.candidates.features[keep, 0], data[name]['cell_of'][keep]):
        if cls.get(int(c)) == frozenset() or cls.get(int(c)) == set():
            clean_px += a
            band['clean'] += a if note.startswith('seam band') else 0
        else:
            other_px += a
            band['other'] += a if note.startswith('seam band') else 0
names = sorted(data)
def predict(n, point):
    t, a = point
    r = data[n]
    hit = set(r['cell_of'][(r['p'] > t) & (r['area'] >= a)].tolist())
    return np.array([c in hit for c in r['cells']], bool)
grid = [(t, a) for t in THR for a in AREAS]
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
    s = precision_recall_f1(np.concatenate(pred), np.concatenate(tru))
    f1s.append(s['f1'])
    print(f'seed {seed}: F1 {s["f1"]:.4f} P {s["precision"]:.3f} R {s["recall"]:.3f}', flush=True)
print(f'{M}: cells F1 {np.mean(f1s):.4f}; at the detector own threshold, kept px in clean cells {clean_px:.0f}, in other cells {other_px:.0f}; band films only {band}')
with open('/work/probe18/cellsdet.jsonl', 'a') as fh:
    fh.write(json.dumps({'detectors': str(M), 'f1_mean': round(float(np.mean(f1s)), 4), 'f1': f1s, 'clean_px': clean_px, 'other_px': other_px}) + '\n')
