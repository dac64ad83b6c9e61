import sys; sys.path.insert(0, '/work/main')
import cv2, numpy as np
from stages.realfilms.masked import masked_films
from riawelc.inspect.candidates import black_tophat
films = masked_films()
for name, (film, truth) in films.items():
    pred = cv2.imread(f'realfilms/out/masked/masks/{name}.png', 0) > 0
    truth = truth > 0
    n, lab = cv2.connectedComponents(truth.astype(np.uint8), connectivity=8)
    hit = np.bincount(lab[pred & truth], minlength=n) ; size = np.bincount(lab.ravel(), minlength=n)
    found = np.zeros(n, bool); found[1:] = hit[1:] > 0
    missed_in_found = (truth & ~pred & found[lab]).sum(); missed_in_missed = (truth & ~found[lab]).sum()
    hat = black_tophat(film, 41, 1.0)
    print(name, 'true', truth.sum(), 'pred', pred.sum(), 'tp', (pred & truth).sum(), 'miss-in-touched', missed_in_found,
          'miss-in-untouched', missed_in_missed, 'fp', (pred & ~truth).sum())
    # hat distribution of missed pixels in touched components
    m = truth & ~pred & found[lab]
    print('   hat on missed-in-touched pct', np.percentile(hat[m], [10, 50, 90]).round(1), 'hat on tp', np.percentile(hat[pred & truth], [10, 50, 90]).round(1))
    # distance of missed-in-touched from pred
    d = cv2.distanceTransform((~pred).astype(np.uint8), cv2.DIST_L2, 3)
    print('   dist of missed-in-touched from pred pct', np.percentile(d[m], [10, 50, 90]).round(1), ' fp-ring: ring1-2 px around pred that is true', ((d > 0) & (d <= 2) & truth).sum(), 'of', ((d > 0) & (d <= 2)).sum())
