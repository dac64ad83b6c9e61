"""Outlines at a share of each region's own peak. On RRT-22R the detector's regions are too fat, not too few: of
its 14,722 predicted px, 6,078 are false, 4,030 of them around one crack (x 4476-4992) whose halo passes the
candidates' fixed extent (4 grey levels). A region drawn at max(extent, alpha x its peak top-hat) is a half-maximum
rule with one number. This scores alpha 0-0.5 on the masked stage's held-out detectors, with and without the
held-out delineators (stage delineate), alpha chosen for each film on the other two (leave one film out).
Appends figures to relative.jsonl.
    python research/issue16/session7/relative.py DETECTORS_DIR DELINEATORS_DIR [SUFFIX]
SUFFIX picks delineator-<film>SUFFIX.onnx (seeds.py writes -seed1 and so on)."""
import json
import sys
from pathlib import Path

import cv2
import numpy as np

from riawelc.inspect.candidates import black_tophat
from riawelc.inspect.delineator import Delineator
from riawelc.inspect.detector import Detector
from riawelc.learn.lofo import mask_scores, summarise
from riawelc.metrics.annotated import load_pair, read_annotated

HERE = Path(__file__).parent
DETECTORS, DELINEATORS = Path(sys.argv[1]), Path(sys.argv[2])
SUFFIX = sys.argv[3] if len(sys.argv) > 3 else ""
ALPHAS = (0.0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5)
items, _ = read_annotated("../shared/gdxray")
films = {item.name: load_pair(item) for item in items}


def trimmed(kept, hat, alpha):
    if alpha == 0:
        return kept
    count, labels = cv2.connectedComponents(kept.astype(np.uint8), connectivity=8)
    peak = np.zeros(count)
    np.maximum.at(peak, labels[kept], hat[kept])
    return kept & (hat >= alpha * peak[labels])


scores = {}  # (variant, alpha) -> film -> scores
for name, (film, truth) in films.items():
    detector = Detector.load(DETECTORS / f"detector-{name}.json")
    detection = detector.detect(film)
    kept = detection.candidates.mask(detection.probability > detector.threshold) > 0
    smooth = detection.candidates.smooth
    hat = black_tophat(film, detector.settings.size, smooth)
    delineator = Delineator.load(DELINEATORS / f"delineator-{name}{SUFFIX}.onnx", 0.5, 9)
    for alpha in ALPHAS:
        base = trimmed(kept, hat, alpha)
        scores.setdefault(("detector", alpha), {})[name] = mask_scores(base, truth)
        scores.setdefault(("delineated", alpha), {})[name] = mask_scores(delineator.outline(film, smooth, base), truth)
        print(name, alpha, round(scores[("detector", alpha)][name]["dice"], 4),
              round(scores[("delineated", alpha)][name]["dice"], 4), flush=True)
with open(HERE / "relative.jsonl", "a") as out:
    for (variant, alpha), per in scores.items():
        out.write(json.dumps({"variant": variant + SUFFIX, "alpha": alpha, "summary": summarise(per),
                              "dice": {n: round(per[n]["dice"], 4) for n in per},
                              "false_components": {n: per[n]["false_components"] for n in per}}) + "\n")
    for variant in ("detector", "delineated"):  # alpha chosen on the other two films' mean Dice
        chosen = {}
        for name in films:
            others = [n for n in films if n != name]
            best = max(ALPHAS, key=lambda a: (np.mean([scores[(variant, a)][n]["dice"] for n in others]), -a))
            chosen[name] = (best, scores[(variant, best)][name])
        line = {"variant": f"{variant}{SUFFIX} alpha chosen leave one film out", "alpha": {n: c[0] for n, c in chosen.items()},
                "summary": summarise({n: c[1] for n, c in chosen.items()}),
                "dice": {n: round(c[1]["dice"], 4) for n, c in chosen.items()}}
        print(json.dumps(line)[:400])
        out.write(json.dumps(line) + "\n")
