"""Variants of the real-film detector under the masked stage's protocol (leave one film out, cross-fit choice of
extent and threshold on the two training films). Each run appends its figures to
results-real/realfilms/masked-variants.jsonl. Run from the repository root:
    .venv/bin/python research/issue16/detector_variants.py NAME [--drop FEATURE ...] [--estimators N]
        [--min-leaf N] [--leaves N] [--extents 3,4,5]
"""
import argparse
import json
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

import riawelc.learn.detector as D
from riawelc.inspect.candidates import COMPONENT_FEATURES, CandidateSettings
from riawelc.learn.lofo import mask_scores, summarise
from stages.realfilms.masked import detector_params, masked_films

LOG = Path("results-real/realfilms/masked-variants.jsonl")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("name")
    ap.add_argument("--drop", nargs="*", default=[])
    ap.add_argument("--estimators", type=int)
    ap.add_argument("--min-leaf", type=int)
    ap.add_argument("--leaves", type=int)
    ap.add_argument("--rate", type=float)
    ap.add_argument("--extents")
    ap.add_argument("--unweighted", action="store_true")
    ap.add_argument("--bag", action="store_true", help="one rejector per training film, decisions averaged")
    a = ap.parse_args()
    p, settings, boosting = detector_params()
    if a.estimators: boosting = replace(boosting, estimators=a.estimators)
    if a.min_leaf: boosting = replace(boosting, min_samples_leaf=a.min_leaf)
    if a.leaves: boosting = replace(boosting, max_leaf_nodes=a.leaves)
    if a.rate: boosting = replace(boosting, learning_rate=a.rate)
    extents = [float(v) for v in a.extents.split(",")] if a.extents else p["extents"]
    keep = [i for i, f in enumerate(COMPONENT_FEATURES) if f not in a.drop]
    if a.drop or a.unweighted:  # train and score on a feature subset: zero the dropped columns (trees never split on constants)
        fit = D.train_rejector
        def train(parts, seed, params=D.BoostingParams()):
            parts = [(D.Candidates(c.labels, np.where(np.isin(np.arange(c.features.shape[1]), keep), c.features, 0.0)), t)
                     for c, t in parts]
            if a.unweighted:
                labels = [c.touching(t) for c, t in parts]
                x = np.concatenate([c.features for c, _ in parts])
                return D.fit_ensemble(x, np.concatenate(labels).astype(np.int64), None, ["false", "true"],
                                      list(COMPONENT_FEATURES), seed, params)
            return fit(parts, seed, params)
        D.train_rejector = train
    if a.bag:
        single = D.train_rejector
        def bagged(parts, seed, params=D.BoostingParams()):
            models = [single([part], seed, params) for part in parts]
            if len(models) == 1:
                return models[0]
            first = models[0]
            return D.TreeEnsemble(first.classes, first.features, np.mean([m.baseline for m in models], axis=0),
                                  first.learning_rate / len(models), [st for m in models for st in m.stages])
        D.train_rejector = bagged
    films = masked_films()
    t0 = time.time()
    cands = D.film_candidates(films, settings, extents)
    rows = {}
    for name, (film, truth) in films.items():
        training = {o: films[o] for o in films if o != name}
        det, choice = D.build_detector(training, settings, extents, p["thresholds"], p["seed"], boosting,
                                       candidates={e: {o: c[o] for o in training} for e, c in cands.items()})
        c = cands[choice.extent][name]
        feats = np.where(np.isin(np.arange(c.features.shape[1]), keep), c.features, 0.0)
        prob = det.rejector.probabilities(feats)[:, 1]
        mask = c.mask(prob > choice.threshold)
        rows[name] = {**mask_scores(mask, truth), "chosen": {"extent": choice.extent, "threshold": choice.threshold}}
    s = summarise(rows)
    entry = {"name": a.name, "args": vars(a), "boosting": vars(boosting) if hasattr(boosting, "__dict__") else str(boosting),
             "summary": s, "per_film": {n: {k: r[k] for k in ("dice", "found", "components", "false_components", "chosen")}
                                         for n, r in rows.items()}, "seconds": round(time.time() - t0, 1)}
    with LOG.open("a") as fh:
        fh.write(json.dumps(entry, default=str) + "\n")
    print(f"{a.name:<28} mean {s['mean_dice']:.3f} | " + "  ".join(
        f"{n} {r['dice']:.3f} {r['found']}/{r['components']} FP {r['false_components']} {r['chosen']}" for n, r in rows.items()))


if __name__ == "__main__":
    main()
