"""Per-cell features of every tabled film the cells stage scores, as the inspection computes them
(riawelc.inspect.cells), with each film's detector as the stage takes it (the held-out rejector for RRT-12R and
RRT-22R, the all-film one otherwise). Writes /tmp/s5cells.npz for probe.py (figures, not film pictures).
    python research/issue16/session5/collect.py DETECTORS_DIR"""
import sys; sys.path.insert(0, '/work/main'); sys.path.insert(0, '/work/main/research/issue16/session4')
from pathlib import Path
import numpy as np
from riawelc.inspect.cells import cell_features, film_cell_count
from riawelc.inspect.tophat import film_grain
from riawelc.inspect.detector import Detector
from tabled import tabled_films

detectors = Path(sys.argv[1] if len(sys.argv) > 1 else '/tmp/masked_old')
final = Detector.load(detectors / 'detector-all.json')
out = {}
for name, film, labels, cells, seam, region, note, masks in tabled_films():
    detector = Detector.load(detectors / f'detector-{name}.json') if name in masks else final
    detection = detector.detect(film, seam, region)
    c = detection.candidates
    x = c.centres()[:, 0] if len(c) else np.zeros(0)
    count = max(int(cells.max(initial=0)), 1)
    features = cell_features(film, c.smooth, seam, region, x, detection.probability, c.features, count)
    out[f'{name}/features'] = features            # every cell 1..count (table's), rows cells-1 are scored
    out[f'{name}/cells'] = cells
    out[f'{name}/own'] = np.array(film_cell_count(film.shape[1]))
    out[f'{name}/smooth'] = np.array(c.smooth)
    out[f'{name}/whole_film'] = np.array(region is None)
    out[f'{name}/grain'] = np.array(film_grain(film, region))
    out[f'{name}/y'] = np.array([bool(labels[k]) for k in cells])
    out[f'{name}/classes'] = np.array(['|'.join(sorted(labels[k])) for k in cells])
    print(name, len(cells), int(out[f'{name}/y'].sum()), note, flush=True)
np.savez_compressed('/tmp/s5cells.npz', **out)
