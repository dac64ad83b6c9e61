"""Grain domain shift: held-out masked film with real W0003 grain added (grainbank.py, scale S), scored by
(A) the shipped LOFO detector (trained on the clean films), (B) one trained on the clean films and their grainy
copies, extent/threshold by cross-fit over both versions of the two training films."""
from common import *
from grainbank import bank, add_grain, grain
from riawelc.inspect.candidates import CandidateSettings
from riawelc.learn.detector import BoostingParams, film_candidates, train_rejector
import sys
S = float(sys.argv[1]) if len(sys.argv) > 1 else 0.65
B = bank()
settings = CandidateSettings(size=41, smooth=1.0, extent=3.0, min_area=12, peak=5.0)
grainy = {n + '~g': (add_grain(f, B, seed=i, scale=S), t) for i, (n, (f, t)) in enumerate(films.items())}
print('grain of grainy copies', {n: round(grain(f), 2) for n, (f, t) in grainy.items()}, flush=True)
GC = film_candidates(grainy, settings, EXT)
ALL = {e: {**CANDS[e], **GC[e]} for e in EXT}
truth = {**{n: t for n, (f, t) in films.items()}, **{n: t for n, (f, t) in grainy.items()}}
P = BoostingParams()

def model(names, e, aug):
    parts = [(ALL[e][n], truth[n]) for n in names] + ([(ALL[e][n + '~g'], truth[n]) for n in names] if aug else [])
    return train_rejector(parts, 0, P)

rows = {}
for h in NAMES:
    a, b = [o for o in NAMES if o != h]
    for aug in (False, True):
        grid = {}
        for e in EXT:
            ma, mb = model([a], e, aug), model([b], e, aug)
            scored = [(a, mb), (b, ma)] + ([(a + '~g', mb), (b + '~g', ma)] if aug else [])
            probs = {n: m.probabilities(ALL[e][n].features)[:, 1] for n, m in scored}
            for t in THR:
                grid[(e, t)] = np.mean([dice(ALL[e][n].mask(probs[n] > t) > 0, truth[n]) for n in probs])
        e, t = max(grid, key=lambda k: (round(grid[k], 6), k))
        m = model([a, b], e, aug)
        for version in (h, h + '~g'):
            p = m.probabilities(ALL[e][version].features)[:, 1]
            s = mask_scores(ALL[e][version].mask(p > t), truth[version])
            rows[(h, aug, version)] = s
            print(f'{h} aug={aug} scored {version}: extent {e} t {t} Dice {s["dice"]:.3f} found {s["found"]}/{s["components"]} fp {s["false_components"]} px {s["predicted_px"]}', flush=True)
for aug in (False, True):
    for g in ('', '~g'):
        print(f'aug={aug} scored {"grainy" if g else "clean"}: mean Dice {np.mean([rows[(h, aug, h + g)]["dice"] for h in NAMES]):.4f}, false comps {[rows[(h, aug, h + g)]["false_components"] for h in NAMES]}')
with open('/work/probe18/variants.jsonl', 'a') as fh:
    fh.write(json.dumps({'variant': f'grain augmentation, real W0003 grain scale {S}', 'rows': {f'{k[0]}|aug={k[1]}|{k[2]}': {kk: v[kk] for kk in ('dice', 'found', 'components', 'false_components', 'predicted_px')} for k, v in rows.items()}}) + '\n')
