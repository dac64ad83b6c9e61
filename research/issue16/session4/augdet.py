"""Grain-augmented detectors (all-film, and held out for RRT-12R and RRT-22R) saved to /work/probe18/aug-S/,
for the cells protocol (cellsdet.py)."""
from common import *
from dataclasses import replace
from pathlib import Path
from grainbank import bank, add_grain
from riawelc.inspect.candidates import CandidateSettings
from riawelc.inspect.detector import Detector
from riawelc.learn.detector import BoostingParams, film_candidates, train_rejector
import sys
S = float(sys.argv[1]) if len(sys.argv) > 1 else 0.65
OUTD = Path(f'/work/probe18/aug-{S}'); OUTD.mkdir(exist_ok=True)
B = bank()
settings = CandidateSettings(size=41, smooth=1.0, extent=3.0, min_area=12, peak=5.0)
grainy = {n + '~g': (add_grain(f, B, seed=i, scale=S), t) for i, (n, (f, t)) in enumerate(films.items())}
GC = film_candidates(grainy, settings, EXT)
ALL = {e: {**CANDS[e], **GC[e]} for e in EXT}
truth = {**{n: t for n, (f, t) in films.items()}, **{n: t for n, (f, t) in grainy.items()}}
P = BoostingParams()
def model(names, e):
    return train_rejector([(ALL[e][n], truth[n]) for n in names] + [(ALL[e][n + '~g'], truth[n]) for n in names], 0, P)
def build(train):
    grid = {}
    for e in EXT:
        ms = {n: model([n], e) for n in train}
        probs = {}
        for n in train:
            others = [o for o in train if o != n]
            m = model(others, e) if len(others) > 1 else ms[others[0]]
            for v in (n, n + '~g'):
                probs[v] = m.probabilities(ALL[e][v].features)[:, 1]
        for t in THR:
            grid[(e, t)] = np.mean([dice(ALL[e][v].mask(probs[v] > t) > 0, truth[v]) for v in probs])
    e, t = max(grid, key=lambda k: (round(grid[k], 6), k))
    return Detector(replace(settings, extent=e, peak=max(5.0, e), threshold=t), model(train, e)), (e, t, grid[(e, t)])
for label, train in (('all', NAMES), ('RRT-12R', ['bam5', 'RRT-22R']), ('RRT-22R', ['bam5', 'RRT-12R'])):
    det, ch = build(train)
    det.save(OUTD / f'detector-{label}.json')
    print(label, ch, flush=True)
