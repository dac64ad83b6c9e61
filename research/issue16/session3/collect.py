"""Candidates (extent 4 and 5) of every tabled film inside its inspected band, with cell ids and table classes; and of
the masked films (whole W0001 crops, with touching labels). Cached in /work/probe17/cands.npz."""
import sys; sys.path.insert(0, '/work/main')
import os; os.environ['TF_CPP_MIN_LOG_LEVEL'] = '3'
import pickle
from dataclasses import replace
from pathlib import Path
import numpy as np
from riawelc.films.cells import cell_truth, cells_hit
from riawelc.films.flawtable import read_flaw_table
from riawelc.films.tree import find_table
from riawelc.inspect.candidates import CandidateSettings, find_candidates
from riawelc.inspect.film import FilmSettings, inspected_band, read_film
from stages.realfilms.detection import films_to_score
from stages.realfilms.masked import masked_films
sys.path.insert(0,'/work/probe17')
from extra import extra_features

films_dir = Path('../shared/gdxray/W0003')
table = read_flaw_table(find_table(films_dir))
paths, masks = films_to_score(films_dir, '../shared/gdxray')
out = {'tabled': {}, 'masked': {}}
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
    rec = {'cells': cells, 'classes': [labels[c] for c in cells], 'note': note}
    for e in (4.0,):
        c = find_candidates(film, CandidateSettings(extent=e, peak=max(e, 8.0)), seam, region)
        rec[e] = {'features': np.concatenate([c.features, extra_features(film, c, region=region)], 1), 'x': c.centres()[:, 0] if len(c) else np.zeros(0)}
        rec[e]['cell'] = cells_hit(rec[e]['x']) if len(c) else np.zeros(0, np.int64)
    out['tabled'][name] = rec
    print(name, len(cells), len(rec[4.0]['features']), note, flush=True)
for name, (film, truth) in masked_films().items():
    rec = {}
    for e in (4.0,):
        c = find_candidates(film, CandidateSettings(extent=e, peak=max(e, 8.0)))
        c.features = np.concatenate([c.features, extra_features(film, c)], 1)
        rec[e] = {'candidates': c, 'touching': c.touching(truth)}
    out['masked'][name] = rec
pickle.dump(out, open('/work/probe17/cands_x.pkl', 'wb'))
