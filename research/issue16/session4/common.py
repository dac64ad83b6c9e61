import sys; sys.path.insert(0, '/work/main')
import os; os.environ['TF_CPP_MIN_LOG_LEVEL'] = '3'
import pickle, json
import numpy as np, cv2
os.chdir('/work/main')
from riawelc.learn.detector import dice
from riawelc.learn.lofo import mask_scores
from riawelc.inspect.candidates import black_tophat
from stages.realfilms.masked import masked_films
films = masked_films()
NAMES = list(films)
C = pickle.load(open('' + os.environ.get('CACHE', '/work/probe18/cache.pkl') + '', 'rb'))
CANDS, SINGLE, BAG = C['cands'], C['single'], C['bag']
EXT = [3.0, 4.0, 5.0]
THR = [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.97, 0.99]

def crossfit_probs(h):
    """For held-out h: {train film a: probs of a's candidates from the rejector of the other training film}."""
    a, b = [o for o in NAMES if o != h]
    return {e: {a: SINGLE[(e, a, b)], b: SINGLE[(e, b, a)]} for e in EXT}

def choose(h, post=None, posts=(None,)):
    """Cross-fit choice over extent x threshold x post options for held-out h; returns best key and grid."""
    cp = crossfit_probs(h)
    grid = {}
    for e in EXT:
        for t in THR:
            for p in posts:
                s = []
                for a, pa in cp[e].items():
                    m = CANDS[e][a].mask(pa > t) > 0
                    if p is not None:
                        m = post(a, e, m, pa > t, p)
                    s.append(dice(m, films[a][1]))
                grid[(e, t, p)] = np.mean(s)
    best = max(grid, key=lambda k: (round(grid[k], 6), k[0], k[1]))
    return best, grid

def heldout(h, key, post=None):
    e, t, p = key
    keep = BAG[(e, h)] > t
    m = CANDS[e][h].mask(keep) > 0
    if p is not None:
        m = post(h, e, m, keep, p)
    return m

def run(label, post=None, posts=(None,), log=True):
    rows = {}
    for h in NAMES:
        key, grid = choose(h, post, posts)
        m = heldout(h, key, post)
        s = mask_scores(m, films[h][1])
        rows[h] = {k: s[k] for k in ('dice', 'found', 'components', 'false_components', 'predicted_px', 'true_px', 'intersection_px')}
        rows[h]['chosen'] = [key[0], key[1], key[2]]
        rows[h]['crossfit'] = round(grid[key], 4)
    mean = np.mean([r['dice'] for r in rows.values()])
    print(f'{label}: mean Dice {mean:.4f} | ' + ' '.join(f"{h} {r['dice']:.3f} ({r['found']}/{r['components']}, fp {r['false_components']}, {r['chosen']})" for h, r in rows.items()), flush=True)
    if log:
        with open('/work/probe18/variants.jsonl', 'a') as fh:
            fh.write(json.dumps({'variant': label, 'mean_dice': round(mean, 4), 'per_film': rows}, default=str) + '\n')
    return rows
