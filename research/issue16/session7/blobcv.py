"""The cells stage's protocol (5 film folds x seeds 0-4, C and threshold chosen inside the training folds) for the
shipped cell features (library-logistic, /tmp/s5cells.npz) with and without the pore filter's (blobs.py). Appends
each variant's figures to blobcv.jsonl.
    python research/issue16/session7/blobcv.py VARIANT ...   (library, library+blobs, library+blobsmax)"""
import sys, json; sys.path.insert(0, '/work/main')
from pathlib import Path
import numpy as np
from riawelc.films.cells import precision_recall_f1
from stages.realfilms.cellmodel import choose_and_fit, logistic

stored = np.load('/tmp/s5cells.npz'); blobs = np.load('/tmp/s7/blobs.npz')
names = sorted({k.split('/')[0] for k in stored.files})


def blocks(raw, own):
    """own, minus the median of the film's own cells, the stronger neighbour (as riawelc.inspect.cells)."""
    median = np.median(raw[:max(1, min(len(raw), own))], axis=0, keepdims=True)
    pad = np.vstack([np.zeros((1, raw.shape[1])), raw, np.zeros((1, raw.shape[1]))])
    return np.hstack([raw, raw - median, np.maximum(pad[:-2], pad[2:])])


def features(name, variant):
    f = stored[f'{name}/features']
    if 'blobs' in variant:
        b = blobs[name] if 'blobsmax' not in variant else blobs[name][:, ::4]  # the maxima only
        f = np.hstack([f, blocks(b, int(stored[f'{name}/own']))])
    return f[stored[f'{name}/cells'] - 1]


def run(variant):
    data = {n: (features(n, variant), stored[f'{n}/y']) for n in names}
    f1s, runs = [], []
    for seed in range(5):
        order = np.random.default_rng(seed).permutation(names)
        pred, tru = [], []
        for k in range(5):
            fold = sorted(order[k::5])
            model, c, t = choose_and_fit(data, [n for n in names if n not in fold], [0.1, 1.0, 10.0], seed, logistic)
            for n in fold:
                pred.append(model.predict_proba(data[n][0])[:, 1] > t); tru.append(data[n][1])
        s = precision_recall_f1(np.concatenate(pred), np.concatenate(tru))
        f1s.append(s['f1']); runs.append(s)
        print(variant, seed, round(s['f1'], 4), flush=True)
    line = {'variant': variant, 'f1_mean': round(float(np.mean(f1s)), 4), 'f1_per_seed': [round(f, 4) for f in f1s],
            'precision_mean': round(float(np.mean([r['precision'] for r in runs])), 4),
            'recall_mean': round(float(np.mean([r['recall'] for r in runs])), 4)}
    print(json.dumps(line), flush=True)
    with open(Path(__file__).parent / 'blobcv.jsonl', 'a') as out:
        out.write(json.dumps(line) + '\n')


for v in sys.argv[1:]:
    run(v)
