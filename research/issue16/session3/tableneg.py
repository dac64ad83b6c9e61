"""Rejector trained with the flaw table's clean-cell candidates as extra negatives (weight w of each bag member's
negatives). Scores: masked-film LOFO Dice (cross-fit threshold as the stage does) and cells F1 under film-grouped
CV with an inner 2-fold choice of (threshold, area). Usage: tableneg.py W EXTENT SEEDS [--masked-only]"""
import sys; sys.path.insert(0, '/work/main')
import os; os.environ['TF_CPP_MIN_LOG_LEVEL'] = '3'
import json, pickle, time
import numpy as np
from riawelc.films.cells import precision_recall_f1
from riawelc.learn.detector import BoostingParams, average_ensembles, fit_ensemble, dice
from riawelc.learn.lofo import mask_scores
from riawelc.inspect.candidates import COMPONENT_FEATURES
from stages.realfilms.masked import masked_films
FEATS = list(COMPONENT_FEATURES) + (['edge_distance', 'background_level', 'surround_p95'] if 'cands_x' in os.environ.get('CANDS', '') else []) + ([f'rel{i}' for i in range(6)] if 'cands_n' in os.environ.get('CANDS', '') else [])
DROP = [f for f in os.environ.get('DROP', '').split(',') if f]

W, EXT = float(sys.argv[1]), float(sys.argv[2])
SEEDS = [int(s) for s in sys.argv[3].split(',')]
PER_FILM = int(os.environ.get('PER_FILM', 150))
CANDS = os.environ.get('CANDS', '/work/probe17/cands.pkl')
D = pickle.load(open(CANDS, 'rb'))
TAB, MASK = D['tabled'], D['masked']
PARAMS = BoostingParams()
THRESH = [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.97, 0.99]
CT = [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.97, 0.99]
AREAS = [12, 30, 60, 120, 250]
rng0 = np.random.default_rng(0)
NEG = {}
for n, r in TAB.items():
    cls = dict(zip(r['cells'].tolist(), r['classes']))
    f = r[EXT]['features']
    clean = np.array([cls.get(int(c)) == frozenset() or cls.get(int(c)) == set() for c in r[EXT]['cell']], bool) if len(f) else np.zeros(0, bool)
    idx = np.flatnonzero(clean)
    if len(idx) > PER_FILM:
        idx = np.sort(rng0.choice(idx, PER_FILM, replace=False))
    NEG[n] = f[idx]

def member(name, negs, seed):
    c, y = MASK[name][EXT]['candidates'], MASK[name][EXT]['touching']
    x = c.features
    w = np.where(y, 0.5 / y.sum(), 0.5 * (1 - W) / (~y).sum())
    if W > 0 and len(negs):
        x = np.concatenate([x, negs]); y = np.concatenate([y, np.zeros(len(negs), bool)])
        w = np.concatenate([w, np.full(len(negs), 0.5 * W / len(negs))])
    w = w * len(w) / w.sum()
    return fit_ensemble(x, y.astype(np.int64), w, ['false', 'true'], FEATS, seed, PARAMS)

def bag(masked_names, neg_films, seed):
    negs = np.concatenate([NEG[n] for n in neg_films]) if neg_films else np.zeros((0, len(FEATS)))
    return average_ensembles([member(m, negs, seed) for m in masked_names])

def prob(model, f):
    return model.probabilities(f)[:, 1] if len(f) else np.zeros(0)

def masked_lofo(seed=0):
    films = masked_films()
    rows = {}
    for h in films:
        train = [o for o in films if o != h]
        negf = [n for n in TAB if n != h]
        grid = {}
        for a in train:
            b = [o for o in train if o != a][0]
            m = bag([b], negf, seed)
            pa = prob(m, MASK[a][EXT]['candidates'].features)
            for t in THRESH:
                grid.setdefault(t, []).append(dice(MASK[a][EXT]['candidates'].mask(pa > t) > 0, films[a][1]))
        t = max(THRESH, key=lambda t: (np.mean(grid[t]), t))
        m = bag(train, negf, seed)
        c = MASK[h][EXT]['candidates']
        s = mask_scores(c.mask(prob(m, c.features) > t), films[h][1])
        rows[h] = {k: s[k] for k in ('dice', 'found', 'components', 'false_components')} | {'t': t}
    print(f'MASKED w={W} ext={EXT}: mean Dice {np.mean([r["dice"] for r in rows.values()]):.4f}', rows, flush=True)
    return rows

def cell_pred(name, p, t, a):
    r = TAB[name]; f = r[EXT]['features']
    keep = (p > t) & (f[:, 0] >= a) if len(f) else np.zeros(0, bool)
    hit = set(r[EXT]['cell'][keep].tolist())
    return np.array([c in hit for c in r['cells']], bool)

def truth(name):
    return np.array([bool(k) for k in TAB[name]['classes']], bool)

def cells(seed):
    names = sorted(TAB)
    order = np.random.default_rng(seed).permutation(names)
    folds = [sorted(order[k::5]) for k in range(5)]
    pred, tru, chosen = [], [], []
    clean_px = [0.0, 0.0]
    for fold in folds:
        train = [n for n in names if n not in fold]
        bagm = ['bam5'] + [m for m in ('RRT-12R', 'RRT-22R') if m not in fold]
        # inner: two halves of the training films
        inner = np.random.default_rng(seed + 100).permutation(train)
        halves = [sorted(inner[0::2]), sorted(inner[1::2])]
        oof = {}
        for k in range(2):
            fit_on, score = halves[k], halves[1 - k]
            m = bag(bagm, fit_on, seed) if W > 0 else None
            if m is None:
                m = bag(bagm, [], seed)
            for n in score:
                oof[n] = prob(m, TAB[n][EXT]['features'])
        best = max([(t, a) for t in CT for a in AREAS], key=lambda ta: (precision_recall_f1(
            np.concatenate([cell_pred(n, oof[n], *ta) for n in train]), np.concatenate([truth(n) for n in train]))['f1'], ta))
        chosen.append(best)
        m = bag(bagm, train, seed)
        for n in fold:
            pn = prob(m, TAB[n][EXT]['features'])
            pred.append(cell_pred(n, pn, *best)); tru.append(truth(n))
            cls = dict(zip(TAB[n]['cells'].tolist(), TAB[n]['classes']))
            f = TAB[n][EXT]['features']
            if len(f):
                keep = (pn > best[0]) & (f[:, 0] >= best[1])
                clean = np.array([cls.get(int(c)) == frozenset() for c in TAB[n][EXT]['cell']], bool)
                clean_px[0] += f[keep & clean, 0].sum(); clean_px[1] += f[keep & ~clean, 0].sum()
    s = precision_recall_f1(np.concatenate(pred), np.concatenate(tru))
    print(f'CELLS w={W} ext={EXT} seed={seed}: F1 {s["f1"]:.4f} P {s["precision"]:.3f} R {s["recall"]:.3f} chosen {chosen} kept px clean/other {clean_px[0]:.0f}/{clean_px[1]:.0f}', flush=True)
    return s

t0 = time.time()
rows = masked_lofo()
res = {'cands': CANDS, 'w': W, 'extent': EXT, 'per_film_negatives': PER_FILM, 'masked': rows}
if '--masked-only' not in sys.argv:
    res['cells'] = [cells(s) for s in SEEDS]
    print(f'CELLS w={W} ext={EXT} mean F1 {np.mean([c["f1"] for c in res["cells"]]):.4f}')
with open('/work/probe17/tableneg.jsonl', 'a') as fh:
    fh.write(json.dumps(res, default=str) + '\n')
print(f'{time.time() - t0:.0f} s')
