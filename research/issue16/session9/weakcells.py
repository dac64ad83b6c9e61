"""Issue 16, session 9: does the flaw table teach the rejector what the three masked films cannot?

The masked-film rejector learns from two films per fold; bam5's faint pores look like nothing it saw. The 29 tabled
W0003 films have 463 labelled 1 cm cells (178 defect) and 19k candidates (realfilms/out/cells/candidates.npz, the
cells stage's, features as the inspection computes them). Weak labels:
- negatives: every candidate in a clean cell (a quarter of clean windows hold an unlisted flaw: noisy);
- positives (multiple-instance): in each defect cell, the candidate the fold's own masked-film rejector ranks
  first (the rejector never saw the scored film; the scored film's W0003 film is left out of the weak rows).
The weak rows become one more bagged model beside the two masked films' (riawelc.learn.detector.train_rejector).
Leave one film out on the masked films at extent 4; each variant's held-out probabilities, then recall and false
components at every threshold (the operating curve), and the Dice with the shipped peak share.
`PYTHONPATH=. python research/issue16/session9/weakcells.py CANDIDATES_NPZ` -> weakcells.jsonl
"""

import json
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

from riawelc.inspect.candidates import COMPONENT_FEATURES
from riawelc.inspect.tophat import black_tophat
from riawelc.learn.detector import (_film_rejector, average_ensembles, balanced_weights, film_candidates,
                                    fit_ensemble)
from riawelc.learn.lofo import mask_scores, summarise
from stages.realfilms.masked import detector_params, masked_films

HERE = Path(__file__).parent
EXTENT, SHARE = 4.0, 0.05
THRESHOLDS = [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.97, 0.99]

p, settings, boosting = detector_params()
films = masked_films()
candidates = film_candidates(films, settings, [EXTENT])[EXTENT]
hats = {n: black_tophat(films[n][0], settings.size, candidates[n].smooth) for n in films}
drawn = {n: candidates[n].drawn_at(hats[n], SHARE, settings.min_area) for n in films}
stored = np.load(sys.argv[1])
tabled = sorted({k.split("/")[0] for k in stored.files})


def weak_rows(scorer, leave_out: str, negatives: bool, positives: bool, top: int = 1):
    xs, ys = [], []
    for name in tabled:
        if name == leave_out:
            continue
        features = stored[f"{name}/features"]
        if not len(features):
            continue
        where = stored[f"{name}/cell_of_candidate"]
        truth = dict(zip(stored[f"{name}/cells"].tolist(), stored[f"{name}/cell_truth"].tolist()))
        score = scorer.probabilities(features)[:, 1]
        for cell, defect in truth.items():
            inside = np.flatnonzero(where == cell)
            if not len(inside):
                continue
            if defect and positives:
                best = inside[np.argsort(-score[inside])[:top]]
                xs.append(features[best])
                ys += [True] * len(best)
            elif not defect and negatives:
                xs.append(features[inside])
                ys += [False] * len(inside)
    return np.concatenate(xs), np.array(ys, bool)


def weak_model(x, y):
    return fit_ensemble(x, y.astype(np.int64), balanced_weights([y]), ["false", "true"], list(COMPONENT_FEATURES),
                        p["seed"], boosting)


VARIANTS = {"masked only": None, "+ clean-cell negatives": (True, False), "+ top-1 positives": (False, True),
            "+ negatives and top-1 positives": (True, True)}
rows = []
for variant, weak in VARIANTS.items():
    probability = {}
    for name in films:
        others = [o for o in films if o != name]
        models = [_film_rejector(candidates[o], films[o][1], p["seed"], boosting) for o in others]
        base = average_ensembles(models)
        if weak is not None:
            x, y = weak_rows(base, name, *weak)
            for cls in (False, True):  # a class the weak rows lack: the masked training films' rows of it
                if not (y == cls).any():
                    extra = [candidates[o].features[candidates[o].touching(films[o][1]) == cls] for o in others]
                    x, y = np.concatenate([x, *extra]), np.concatenate([y, np.full(sum(map(len, extra)), cls)])
            models.append(weak_model(x, y))
        probability[name] = average_ensembles(models).probabilities(candidates[name].features)[:, 1]
    for t in THRESHOLDS:
        per = {n: mask_scores(drawn[n].mask(probability[n] > t) > 0, films[n][1]) for n in films}
        s = summarise(per)
        row = {"variant": variant, "threshold": t, **{k: s[k] for k in ("mean_dice", "component_recall",
                                                                           "false_components_per_film", "found")},
               "per_film_dice": {n: per[n]["dice"] for n in films}}
        rows.append(row)
        print(json.dumps(row), flush=True)
with open(HERE / "weakcells.jsonl", "w") as f:
    f.writelines(json.dumps(r) + "\n" for r in rows)
