import sys; sys.path.insert(0, '/work/main')
import os; os.chdir('/work/main')
import numpy as np
from pathlib import Path
from riawelc.films.cells import cell_truth, cells_hit
from riawelc.films.flawtable import read_flaw_table
from riawelc.films.tree import find_table
from riawelc.inspect.detector import Detector
from riawelc.inspect.film import FilmSettings, inspected_band, read_film
from stages.realfilms.detection import films_to_score
table = read_flaw_table(find_table(Path('../shared/gdxray/W0003')))
paths, masks = films_to_score(Path('../shared/gdxray/W0003'), '../shared/gdxray')
A = Detector.load(Path('/work/rerun/realfilms/out/masked/detector-all.json'))
B = Detector.load(Path('/work/probe18/edge/detector-all.json'))
for name in sorted(table.films):
    if name not in paths or name in masks or table.films[name].unusable: continue
    film = read_film(paths[name])
    seam, region, note = inspected_band(film, FilmSettings(source='candidates'))
    if not note.startswith('seam band'): continue
    labels = cell_truth(table.films[name], film.shape[1])
    res = []
    for det in (A, B):
        d = det.detect(film, seam, region)
        m = d.candidates.mask(d.probability > det.threshold)
        cols = m.sum(0)
        clean = sum(int(cols[int((c-1)*248):int(c*248)].sum()) for c, v in labels.items() if v is not None and not v)
        res.append((int(m.sum()), clean))
    print(name, res, flush=True)
