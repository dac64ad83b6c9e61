"""Cell-model variants under the cells stage's protocol (5 film folds x seeds 0-4, every choice inside the training
folds by an inner 4-fold film CV): the shipped logistic model, + the neighbouring cells' features, gradient
boosting, both. Reads /tmp/s5cells.npz (collect.py); appends to cells.jsonl.
    python research/issue16/session5/probe.py VARIANT ..."""
import sys, json; sys.path.insert(0, '/work/main')
import numpy as np
from sklearn.ensemble import GradientBoostingClassifier
from riawelc.films.cells import precision_recall_f1
from stages.realfilms.cellmodel import choose_and_fit, logistic

stored = np.load('/tmp/s5cells.npz')
names = sorted({k.split('/')[0] for k in stored.files})
HALF = 29  # the cell's own aggregates (the first block of CELL_FEATURES)


def features(name, variant):
    f = stored[f'{name}/features']
    if 'library' not in variant:  # the first two blocks only (own, minus the film's median), as session 4 had them
        f = f[:, :2 * HALF]
    rows = stored[f'{name}/cells'] - 1
    if 'tablemedian' in variant:  # session 4's rule: relative to the median of the table's cells on the film
        raw = f[:, :HALF]
        on_film = raw[:max(1, min(len(raw), int(stored[f'{name}/own'])))]
        f = np.hstack([raw, raw - np.median(on_film, axis=0, keepdims=True)])
    for q in (10, 25):
        if f'q{q}' in variant:  # relative to a low quantile of the film's own cells: its cleanest cells
            raw = f[:, :HALF]
            own = raw[:max(1, min(len(raw), int(stored[f'{name}/own'])))]
            f = np.hstack([raw, raw - np.percentile(own, q, axis=0, keepdims=True)])
    if 'filmcontext' in variant:  # the film's smoothing, grain and whether its seam was found, on every cell
        context = [float(stored[f'{name}/smooth']), float(stored[f'{name}/grain']), float(stored[f'{name}/whole_film'])]
        f = np.hstack([f, np.tile(context, (len(f), 1))])
    if 'position' in variant:  # first or last cell of the film (its ends: markers, dark edges)
        own = int(stored[f'{name}/own'])
        k = np.arange(1, len(f) + 1)
        f = np.hstack([f, np.stack([k == 1, k >= own], 1).astype(float)])
    if 'neighbours' in variant:
        raw = f[:, :HALF]
        pad = np.vstack([np.zeros((1, HALF)), raw, np.zeros((1, HALF))])
        f = np.hstack([f, np.maximum(pad[:-2], pad[2:])])  # the stronger of the two neighbouring cells
    return f[rows]


def cv_predictions(data, seed, grid=(0.1, 1.0, 10.0), make=logistic):
    """(film, predicted, truth) for every film, each predicted by the model fitted on the other folds (5 film folds of
    `seed`, C and threshold chosen inside the training folds, as the cells stage does)."""
    order = np.random.default_rng(seed).permutation(names)
    for k in range(5):
        fold = sorted(order[k::5])
        model, c, t = choose_and_fit(data, [n for n in names if n not in fold], list(grid), seed, make)
        for n in fold:
            yield n, model.predict_proba(data[n][0])[:, 1] > t, data[n][1]


def factory(variant):
    if 'boost' in variant:
        return lambda c: GradientBoostingClassifier(n_estimators=c, learning_rate=0.05, max_leaf_nodes=7,
                                                    min_samples_leaf=10, subsample=0.8, random_state=0)
    return logistic


def run(variant):
    data = {n: (features(n, variant), stored[f'{n}/y']) for n in names}
    grid = [50, 150] if 'boost' in variant else [0.1, 1.0, 10.0]
    f1s, runs = [], []
    for seed in range(5):
        order = np.random.default_rng(seed).permutation(names)
        folds = [sorted(order[k::5]) for k in range(5)]
        pred, tru, chosen = [], [], []
        for fold in folds:
            train = [n for n in names if n not in fold]
            model, c, t = choose_and_fit(data, train, grid, seed, factory(variant))
            chosen.append([c, t])
            for n in fold:
                pred.append(model.predict_proba(data[n][0])[:, 1] > t); tru.append(data[n][1])
        s = precision_recall_f1(np.concatenate(pred), np.concatenate(tru))
        f1s.append(s['f1']); runs.append({**s, 'chosen': chosen})
        print(variant, seed, s['f1'], s['precision'], s['recall'], chosen, flush=True)
    line = {'variant': variant, 'f1_mean': round(float(np.mean(f1s)), 4), 'f1_per_seed': f1s,
            'precision_mean': round(float(np.mean([r['precision'] for r in runs])), 4),
            'recall_mean': round(float(np.mean([r['recall'] for r in runs])), 4),
            'films': len(names), 'cells': int(sum(len(d[1]) for d in data.values()))}
    print(json.dumps(line), flush=True)
    with open('/work/main/research/issue16/session5/cells.jsonl', 'a') as f:
        f.write(json.dumps(line) + '\n')


for v in sys.argv[1:]:
    run(v)
