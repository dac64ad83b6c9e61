"""Each kept candidate's outline redrawn at a level relative to its own peak: pixels within r px of it where the
top-hat (41 px, smoothing s) >= alpha * peak, connected to it. alpha, r, s chosen by cross-fit with extent and
threshold."""
from common import *
from functools import lru_cache
import itertools

@lru_cache(maxsize=None)
def hat(name, s):
    return black_tophat(films[name][0], 41, s)

def post(name, e, m, keep, p):
    alpha, r, s, floor = p
    c = CANDS[e][name]
    peak = c.features[:, 1]
    thr = np.full(m.shape, np.inf, np.float32)
    lab = c.labels
    ids = np.flatnonzero(keep) + 1
    level = np.concatenate([[np.inf], np.maximum(floor, alpha * peak)]).astype(np.float32)
    # per-pixel threshold: the lowest of the nearby kept components' levels (dilation of a level map by min)
    lvl = np.where(np.isin(lab, ids), level[lab], np.inf).astype(np.float32)
    if r > 0:
        k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))
        lvl = cv2.erode(lvl, k)  # min filter
    H = hat(name, s)
    low = H >= lvl
    seeds = m & low
    n, l2 = cv2.connectedComponents(low.astype(np.uint8), connectivity=8)
    hitl = np.zeros(n, bool); hitl[np.unique(l2[seeds])] = True; hitl[0] = False
    return hitl[l2]

opts = [None] + list(itertools.product([0.05, 0.1, 0.15], [2, 4, 8], [1.0, 2.0], [2.0, 3.0]))
import sys
if len(sys.argv) > 1:
    opts = [tuple(map(float, a.split(','))) for a in sys.argv[1:]]
    opts = [(a, int(r), s, f) for a, r, s, f in opts]
run(f'relative outline, options {opts}', post, opts)
