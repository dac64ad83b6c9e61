"""The cells stage's detector rule (threshold and smallest area chosen on the training folds, 5 folds x 5 seeds)
for the detectors in a folder (detector-all.json; held-out ones for RRT-12R/22R), plus kept px in clean cells."""
import sys; sys.path.insert(0, '/work/main')
import os; os.environ['TF_CPP_MIN_LOG_LEVEL'] = '3'
os.chdir('/work/main')
import json
from pathlib import Path
import numpy as np
from riawelc.films.cells import cells_hit
from riawelc.inspect.detector import Detector
from tabled import cells_cv, tabled_films
M = Path(sys.argv[1])
THR = [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.97, 0.99]
AREAS = [12, 30, 60, 120, 250]
final = Detector.load(M / 'detector-all.json')
data = {}
clean_px = other_px = 0
band = {'clean': 0, 'other': 0}
for name, film, labels, cells, seam, region, note, masks in tabled_films():
    held = M / f'detector-{name}.json'
    det = Detector.load(held) if name in masks and held.exists() else final
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
def predict(n, point):
    t, a = point
    r = data[n]
    hit = set(r['cell_of'][(r['p'] > t) & (r['area'] >= a)].tolist())
    return np.array([c in hit for c in r['cells']], bool)
f1s = cells_cv(data, predict, [(t, a) for t in THR for a in AREAS])
print(f'{M}: cells F1 {np.mean(f1s):.4f}; at the detector own threshold, kept px in clean cells {clean_px:.0f}, in other cells {other_px:.0f}; band films only {band}')
with open('/work/probe18/cellsdet.jsonl', 'a') as fh:
    fh.write(json.dumps({'detectors': str(M), 'f1_mean': round(float(np.mean(f1s)), 4), 'f1': f1s, 'clean_px': clean_px, 'other_px': other_px}) + '\n')
