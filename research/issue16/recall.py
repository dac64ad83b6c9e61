"""Component recall vs false components of the hysteresis detector (41-px top-hat, extent > low), and a LOFO
operating point: (low, high, min area) maximising the other two films' mean component recall subject to <= 20
false components on each of them; Dice reported at that point too."""
import itertools
from common import NAMES, load_masked, log_variant, scores, show
from hyst import predict

films = load_masked()
grid = list(itertools.product([4, 6, 8, 10], [8, 10, 12, 16], [12, 30]))
res = {}
for low, high, a in grid:
    if high <= low:
        continue
    p = {"size": 41, "low": low, "r": 0, "c": 0, "high": high, "min_area": a}
    res[(low, high, a)] = {n: scores(predict(films[n][0], p), films[n][1]) for n in NAMES}
    print((low, high, a), "  ".join(f"{n}: R {res[(low, high, a)][n]['comp_recall']:.2f} FP {res[(low, high, a)][n]['false_components']} "
                                    f"D {res[(low, high, a)][n]['dice']:.3f}" for n in NAMES), flush=True)
per_film, chosen = {}, {}
for name in NAMES:
    others = [o for o in NAMES if o != name]
    ok = [k for k in res if all(res[k][o]["false_components"] <= 20 for o in others)]
    k = max(ok, key=lambda k: sum(res[k][o]["comp_recall"] for o in others))
    per_film[name] = {**res[k][name], "low": k[0], "high": k[1], "min_area": k[2]}
    chosen[name] = k
e = log_variant("hysteresis41_recall_operating_point", "41-px top-hat hysteresis; (low, high, min area) chosen LOFO for "
                "max component recall with <= 20 false components on each other film", {"grid": grid, "chosen": chosen}, per_film)
show(e)
for n in NAMES:
    print("   ", n, chosen[n])
