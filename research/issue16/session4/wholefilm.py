"""Whole W0003 films: what the all-film detector keeps, per film, in the table's clean and defect cells."""
import sys; sys.path.insert(0, '/work/main')
import os; os.environ['TF_CPP_MIN_LOG_LEVEL'] = '3'
os.chdir('/work/main')
import pickle
from pathlib import Path
import numpy as np
from riawelc.films.cells import cell_truth, cells_hit
from riawelc.films.flawtable import read_flaw_table
from riawelc.films.tree import find_table
from riawelc.inspect.detector import Detector
from riawelc.inspect.film import FilmSettings, inspected_band, read_film
from riawelc.learn.detector import BoostingParams, build_detector
from riawelc.inspect.candidates import CandidateSettings
from stages.realfilms.detection import films_to_score
from stages.realfilms.masked import masked_films
if not Path('/work/probe18/detector-all.json').exists():
    films = masked_films()
    det, ch = build_detector(films, CandidateSettings(size=41, smooth=1.0, extent=3.0, min_area=12, peak=5.0), [3.0, 4.0, 5.0], [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.97, 0.99], 0, BoostingParams())
    det.save(Path('/work/probe18/detector-all.json'))
det = Detector.load(Path('/work/probe18/detector-all.json'))
print('detector', det.settings)
films_dir = Path('../shared/gdxray/W0003')
table = read_flaw_table(find_table(films_dir))
paths, _ = films_to_score(films_dir, '../shared/gdxray')
out = {}
for name in sorted(paths):
    film = read_film(paths[name])
    seam, region, note = inspected_band(film, FilmSettings(source='candidates'))
    d = det.detect(film, seam, region)
    keep = d.probability > det.threshold
    m = d.candidates.mask(keep)
    cols = m.sum(0)
    row = {'note': note, 'shape': film.shape, 'kept': int(keep.sum()), 'px': int(m.sum())}
    if name in table.films and not table.films[name].unusable:
        truth = cell_truth(table.films[name], film.shape[1])
        cellpx = {}
        for c, v in truth.items():
            x0, x1 = int((c - 1) * 248), int(c * 248)
            cellpx[c] = (None if v is None else sorted(v), int(cols[x0:x1].sum()))
        row['cells'] = cellpx
        row['clean_px'] = sum(p for v, p in cellpx.values() if v == [])
        row['defect_px'] = sum(p for v, p in cellpx.values() if v)
    out[name] = row
    print(name, film.shape, note[:60], 'kept', row['kept'], 'px', row['px'], 'clean', row.get('clean_px'), 'defect', row.get('defect_px'), flush=True)
pickle.dump(out, open('/work/probe18/wholefilm.pkl', 'wb'))
