"""Grain-adaptive smoothing: each film smoothed by the smallest sigma (1, 1.25, ... 3 px) whose result has grain
(mean |f - G2(f)|) <= REF, so a grainy W0003 film looks as smooth as the masked crops the rejector learned on.
(A) masked films with real W0003 grain added (scale S): LOFO detectors (folder DET), fixed sigma 1 vs adaptive."""
from common import *
from dataclasses import replace
from pathlib import Path
from grainbank import bank, add_grain, grain
from riawelc.inspect.detector import Detector
REF = float(sys.argv[1]); S = float(sys.argv[2]); DET = Path(sys.argv[3])
SIGMAS = [1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0]
def adaptive_sigma(f):
    for s in SIGMAS:
        if grain(cv2.GaussianBlur(f, (0, 0), s)) <= REF:
            return s
    return SIGMAS[-1]
B = bank()
rows = {}
for i, h in enumerate(NAMES):
    det = Detector.load(DET / f'detector-{h}.json')
    f, truth = films[h]
    g = add_grain(f, B, seed=i, scale=S) if S > 0 else f
    out = []
    for mode in ('fixed', 'adaptive'):
        sig = 1.0 if mode == 'fixed' else adaptive_sigma(g)
        d2 = replace(det, settings=replace(det.settings, smooth=sig))
        dd = d2.detect(g)
        sc = mask_scores(dd.candidates.mask(dd.probability > d2.threshold), truth)
        rows[(h, mode)] = sc
        out.append(f"{mode} s{sig}: Dice {sc['dice']:.3f} found {sc['found']}/{sc['components']} fp {sc['false_components']}")
    print(h, f'grain {grain(g):.2f}', ' | '.join(out), flush=True)
for mode in ('fixed', 'adaptive'):
    print(f'{mode}: mean Dice {np.mean([rows[(h, mode)]["dice"] for h in NAMES]):.4f}, fp {[rows[(h, mode)]["false_components"] for h in NAMES]}')
