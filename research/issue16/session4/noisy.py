"""Domain shift probe: the held-out masked film made as grainy as the W0003 films (white Gaussian noise, grain
2.0 mean |film - G2(film)|, W0003 band median), scored by the LOFO detector trained on the clean films, with the
shipped fixed smoothing (1 px) and with film-adaptive smoothing (sigma chosen so the smoothed film's grain matches
the training films' after 1 px)."""
from common import *
from dataclasses import replace
from riawelc.inspect.candidates import CandidateSettings, find_candidates
from riawelc.learn.detector import BoostingParams, build_detector
import sys
TARGET_GRAIN = float(sys.argv[1]) if len(sys.argv) > 1 else 2.0
SIGMAS = [1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0]

def grain(f, sigma=2.0):
    return float(np.mean(np.abs(f.astype(np.float32) - cv2.GaussianBlur(f, (0, 0), sigma).astype(np.float32))))

def noisy(f, target, seed=0):
    rng = np.random.default_rng(seed)
    lo, hi = 0.0, 10.0
    noise = rng.standard_normal(f.shape).astype(np.float32)
    for _ in range(20):
        s = (lo + hi) / 2
        g = grain(np.clip(np.rint(f + s * noise), 0, 255).astype(np.uint8))
        lo, hi = (s, hi) if g < target else (lo, s)
    return np.clip(np.rint(f + s * noise), 0, 255).astype(np.uint8), s

def adaptive_sigma(f, reference):
    for s in SIGMAS:
        if grain(cv2.GaussianBlur(f, (0, 0), s)) <= reference:
            return s
    return SIGMAS[-1]

settings = CandidateSettings(size=41, smooth=1.0, extent=3.0, min_area=12, peak=5.0)
for h in NAMES:
    key, _ = choose(h)
    e, t, _ = key
    others = {o: films[o] for o in NAMES if o != h}
    det, ch = build_detector(others, settings, EXT, THR, 0, BoostingParams())
    ref = max(grain(cv2.GaussianBlur(films[o][0], (0, 0), 1.0)) for o in others)
    f, truth = films[h]
    fn, s = noisy(f, TARGET_GRAIN)
    res = {}
    for label, film in (('clean', f), ('noisy', fn)):
        for mode in ('fixed', 'adaptive'):
            sig = 1.0 if mode == 'fixed' else adaptive_sigma(film, ref)
            d2 = replace(det, settings=replace(det.settings, smooth=sig)) if hasattr(det, 'settings') else det
            dd = d2.detect(film)
            m = dd.candidates.mask(dd.probability > d2.threshold)
            sc = mask_scores(m, truth)
            res[(label, mode)] = (sig, sc['dice'], sc['found'], sc['false_components'], sc['predicted_px'])
    print(h, f'noise sd {s:.2f}, grain {grain(fn):.2f}, ref {ref:.2f}', {f'{k[0]}/{k[1]}': v for k, v in res.items()}, flush=True)
