"""Each kept region drawn at max(extent, alpha x its own peak top-hat), with alpha chosen the way the masked stage
chooses extent and threshold: by cross-fit between the two training films (each scored by a rejector trained on the
other), never by the held-out film or by a delineator that saw it. Session 7 chose alpha leave one film out with
held-out delineators, which had seen the scored film; this does not. Every (extent, threshold, alpha) grid point's
cross-fit Dice is logged. The held-out film is then scored by the bag of the two training films' rejectors (what the
masked stage ships), trimmed at the chosen alpha, alone and outlined by its held-out delineator (stage delineate).
alpha 0 is the shipped detector and must reproduce the stage's figures. Appends to relcrossfit.jsonl.
    python research/issue16/session8/relcrossfit.py DELINEATORS_DIR [ALPHA ...]"""
import json
import sys
from pathlib import Path

import numpy as np

from riawelc.inspect.candidates import black_tophat
from riawelc.inspect.delineator import Delineator
from riawelc.learn.detector import _film_rejector, average_ensembles, dice, film_candidates
from riawelc.learn.lofo import mask_scores, summarise
from stages.realfilms.masked import detector_params, masked_films

HERE = Path(__file__).parent
DELINEATORS = Path(sys.argv[1])
ALPHAS = tuple(float(a) for a in sys.argv[2:]) or (0.0, 0.05, 0.1, 0.15, 0.2)

p, settings, boosting = detector_params()
films = masked_films()
candidates = film_candidates(films, settings, p["extents"])
hats = {name: black_tophat(film, settings.size, candidates[p["extents"][0]][name].smooth)
        for name, (film, _) in films.items()}
single = {(e, n): _film_rejector(candidates[e][n], films[n][1], p["seed"], boosting)
          for e in p["extents"] for n in films}


def kept_mask(name, extent, probability, threshold, alpha):  # drawn as the shipped detector draws (peak_share)
    c = candidates[extent][name]
    return (c.drawn_at(hats[name], alpha) if alpha > 0 else c).mask(probability > threshold) > 0


lines, per_variant = [], {}
for name, (film, truth) in films.items():
    names = [n for n in films if n != name]
    grid = {}
    for e in p["extents"]:
        probs = {n: single[(e, o)].probabilities(candidates[e][n].features)[:, 1]
                 for n in names for o in names if o != n}
        for t in p["thresholds"]:
            for a in ALPHAS:
                grid[(e, t, a)] = float(np.mean([dice(kept_mask(n, e, probs[n], t, a), films[n][1]) for n in names]))
    delineator = Delineator.load(DELINEATORS / f"delineator-{name}.onnx", 0.5, 9)
    for label, allowed in (("alpha 0 (shipped)", (0.0,)), ("alpha by cross-fit", ALPHAS)):
        # ties: higher extent and threshold as the stage does, then the smaller alpha
        e, t, a = max((k for k in grid if k[2] in allowed), key=lambda k: (round(grid[k], 6), k[0], k[1], -k[2]))
        rejector = average_ensembles([single[(e, n)] for n in names])
        probability = rejector.probabilities(candidates[e][name].features)[:, 1]
        mask = kept_mask(name, e, probability, t, a)
        smooth = candidates[e][name].smooth
        for variant, pred in (("detector", mask), ("delineated", delineator.outline(film, smooth, mask))):
            scores = mask_scores(pred, truth)
            per_variant.setdefault(f"{variant}, {label}", {})[name] = scores
            lines.append({"film": name, "variant": f"{variant}, {label}", "extent": e, "threshold": t, "alpha": a,
                          "crossfit_dice": round(grid[(e, t, a)], 4), "dice": scores["dice"],
                          "false_components": scores["false_components"], "found": scores["found"]})
            print(json.dumps(lines[-1]), flush=True)
    lines.append({"film": name, "variant": "cross-fit grid (extent/threshold/alpha: mean Dice of the two training "
                                           "films)", "grid": {f"{k[0]:g}/{k[1]:g}/{k[2]:g}": round(v, 4)
                                                              for k, v in grid.items()}})
with open(HERE / "relcrossfit.jsonl", "a") as out:
    for line in lines:
        out.write(json.dumps(line) + "\n")
    for variant, per in per_variant.items():
        row = {"variant": variant, "alphas": ALPHAS, "summary": summarise(per),
               "dice": {n: per[n]["dice"] for n in per}}
        print(json.dumps(row))
        out.write(json.dumps(row) + "\n")
