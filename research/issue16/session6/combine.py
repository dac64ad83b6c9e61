"""Ways of combining the held-out U-Net maps of unetdel.py (/tmp/s6/unet-<film>.npy) with the held-out detector's
masks, every one logged (combine.jsonl); none is chosen by these figures alone (three films).
    python research/issue16/session6/combine.py MASKED_OUT"""
import json, sys
from pathlib import Path
import cv2
import numpy as np
sys.path.insert(0, '/work/main')
from riawelc.inspect.detector import Detector
from riawelc.metrics.film import false_positive_components

MASKED = Path(sys.argv[1]); ROOT = Path('/work/shared/gdxray')
FILMS = {'bam5': 1, 'RRT-12R': 2, 'RRT-22R': 3}


def dice(p, t):
    return round(float(2 * (p & t).sum() / max(1, p.sum() + t.sum())), 4)


def disk(r):
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))


def false_components(p, t):
    return false_positive_components(p.astype(np.uint8), t.astype(np.uint8))["all"]


def touching(u, seeds):
    """Components of u that hold a seed pixel."""
    n, lab = cv2.connectedComponents(u.astype(np.uint8), connectivity=8)
    keep = np.zeros(n, bool); keep[np.unique(lab[seeds & u])] = True; keep[0] = False
    return keep[lab]


rows = {}
for name, i in FILMS.items():
    film = cv2.imread(str(ROOT / f'W0001/W0001_000{i}.png'), 0)
    truth = cv2.imread(str(ROOT / f'W0002/W0002_000{i}.png'), 0) > 0
    det = cv2.imread(str(MASKED / 'masks' / f'{name}.png'), 0) > 0
    prob = np.load(f'/tmp/s6/unet-{name}.npy')
    detector = Detector.load(MASKED / f'detector-{name}.json')
    cand = detector.detect(film).candidates.labels > 0  # every candidate, kept or not
    r = {'detector': dice(det, truth), 'detector false components': false_components(det, truth)}
    for t in (0.5, 0.7):
        u = prob > t
        for rad in (5, 9, 15):
            r[f'union r{rad} t{t}'] = dice(det | (u & (cv2.dilate(det.astype(np.uint8), disk(rad)) > 0)), truth)
        r[f'union touching-kept t{t}'] = dice(det | touching(u, det), truth)
        for rad in (9,):  # only the U-Net pixels within reach that connect to a kept region: no new components
            grown = det | (u & (cv2.dilate(det.astype(np.uint8), disk(rad)) > 0))
            joined = touching(grown, det)
            r[f'union r{rad} connected t{t}'] = dice(joined, truth)
            r[f'union r{rad} connected t{t} false components'] = false_components(joined, truth)
            r[f'union r{rad} t{t} false components'] = false_components(grown, truth)
        r[f'union touching-candidate t{t}'] = dice(det | touching(u, cand), truth)
        r[f'unet touching-kept t{t}'] = dice(touching(u, det), truth)
    rows[name] = r
for key in rows['bam5']:
    per = [rows[n][key] for n in FILMS]
    if 'false components' in key:
        print(f"{key:45s} {per}"); continue
    line = {'variant': key, 'per_film': dict(zip(FILMS, per)), 'mean_dice': round(float(np.mean(per)), 4)}
    print(f"{key:32s} {per} mean {line['mean_dice']}")
    with open(Path(__file__).with_name('combine.jsonl'), 'a') as f:
        f.write(json.dumps(line) + '\n')
