"""Film-normalised hat features: each film's hat/darkness features divided by their median over the film's candidates
(added as extra columns, or replacing). Writes cands_n.pkl / cands_r.pkl for tableneg.py."""
import pickle, sys, numpy as np
sys.path.insert(0, '/work/main')
from riawelc.inspect.candidates import COMPONENT_FEATURES
COLS = [COMPONENT_FEATURES.index(f) for f in ("peak_hat", "mean_hat", "peak_hat_medium", "mean_hat_medium", "peak_hat_small", "mean_darkness")]
mode = sys.argv[1]
D = pickle.load(open('/work/probe17/cands.pkl', 'rb'))
def tr(f):
    if not len(f): return np.zeros((0, f.shape[1] + (len(COLS) if mode == 'n' else 0)))
    med = np.maximum(np.median(f[:, COLS], axis=0), 1e-3)
    rel = f[:, COLS] / med
    if mode == 'n': return np.concatenate([f, rel], 1)
    g = f.copy(); g[:, COLS] = rel; return g
for n, r in D['tabled'].items():
    r[4.0]['features'] = tr(r[4.0]['features'])
for n, r in D['masked'].items():
    r[4.0]['candidates'].features = tr(r[4.0]['candidates'].features)
pickle.dump(D, open(f'/work/probe17/cands_{mode}.pkl', 'wb'))
