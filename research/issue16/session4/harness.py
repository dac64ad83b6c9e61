"""Cache for issue 16 probes (session 4): candidates of the 3 masked films at extents 3/4/5, single-film rejector
probabilities on the other films, and LOFO bag probabilities on the held-out film."""
import sys; sys.path.insert(0, '/work/main')
import os; os.environ['TF_CPP_MIN_LOG_LEVEL'] = '3'
import pickle
import numpy as np
os.chdir('/work/main')
from riawelc.learn.detector import BoostingParams, film_candidates, train_rejector
from riawelc.inspect.candidates import CandidateSettings
from stages.realfilms.masked import masked_films

films = masked_films()
settings = CandidateSettings(size=41, smooth=1.0, extent=3.0, min_area=12, peak=5.0)
EXT = [3.0, 4.0, 5.0]
cands = film_candidates(films, settings, EXT)
params = BoostingParams()
single, bag = {}, {}
for e in EXT:
    for y in films:
        m = train_rejector([(cands[e][y], films[y][1])], 0, params)
        for x in films:
            if x != y:
                single[(e, x, y)] = m.probabilities(cands[e][x].features)[:, 1]
    for h in films:
        others = [o for o in films if o != h]
        m = train_rejector([(cands[e][o], films[o][1]) for o in others], 0, params)
        bag[(e, h)] = m.probabilities(cands[e][h].features)[:, 1]
    print('extent', e, 'done', flush=True)
pickle.dump({'cands': cands, 'single': single, 'bag': bag}, open('' + os.environ.get('CACHE', '/work/probe18/cache.pkl') + '', 'wb'))
