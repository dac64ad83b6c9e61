"""Component recall against false components once the delineator outlines the kept regions, and why components
are missed. Each masked film is scored by its held-out detector (stage masked) and held-out delineator (stage
delineate) at rejector thresholds 0.05-0.97. A "recall operating point" is chosen for each film on the other two
(the most found components with <= 20 false components on each of them). At each film's own shipped threshold, every
missed hand-masked component is put in one class: no candidate touches it, only rejected candidates touch it, or
kept regions touch it but cover < 30 % of it. Appends to recall.jsonl.
    python research/issue16/session8/recall.py DETECTORS_DIR DELINEATORS_DIR"""
import json
import sys
from pathlib import Path

import cv2
import numpy as np

from riawelc.inspect.delineator import Delineator
from riawelc.inspect.detector import Detector
from riawelc.learn.lofo import mask_scores, summarise
from riawelc.metrics.annotated import load_pair, read_annotated

HERE = Path(__file__).parent
DETECTORS, DELINEATORS = Path(sys.argv[1]), Path(sys.argv[2])
THRESHOLDS = (0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.97)
items, _ = read_annotated("../shared/gdxray")
films = {item.name: load_pair(item) for item in items}

scores, shipped, misses = {}, {}, {}
for name, (film, truth) in films.items():
    detector = Detector.load(DETECTORS / f"detector-{name}.json")
    detection = detector.detect(film)
    smooth = detection.candidates.smooth
    delineation = json.loads((DELINEATORS / "delineation.json").read_text())
    delineator = Delineator.load(DELINEATORS / f"delineator-{name}.onnx", delineation["threshold"],
                                 delineation["radius"])
    shipped[name] = detector.threshold
    for t in sorted({*THRESHOLDS, detector.threshold}):
        kept = detection.candidates.mask(detection.probability > t) > 0
        scores.setdefault(t, {})[name] = mask_scores(delineator.outline(film, smooth, kept), truth)
        s = scores[t][name]
        print(name, t, s["component_recall"], s["false_components"], s["dice"], flush=True)
    kept = detection.candidates.mask(detection.probability > detector.threshold) > 0
    final = delineator.outline(film, smooth, kept)
    anything = detection.candidates.labels > 0
    count, labels = cv2.connectedComponents(truth.astype(np.uint8), connectivity=8)
    why = {"no candidate": 0, "rejected": 0, "under 30 %": 0, "found": 0}
    sizes = {k: [] for k in why}
    for k in range(1, count):
        part = labels == k
        if final[part].mean() >= 0.3:
            kind = "found"
        elif kept[part].any():
            kind = "under 30 %"
        elif anything[part].any():
            kind = "rejected"
        else:
            kind = "no candidate"
        why[kind] += 1
        sizes[kind].append(int(part.sum()))
    misses[name] = {"counts": why, "median_px": {k: int(np.median(v)) if v else 0 for k, v in sizes.items()}}
    print(name, misses[name], flush=True)

with open(HERE / "recall.jsonl", "a") as out:
    for t in sorted(scores):
        if len(scores[t]) == len(films):
            out.write(json.dumps({"variant": "delineated", "threshold": t, "summary": summarise(scores[t]),
                                  "recall": {n: scores[t][n]["component_recall"] for n in films},
                                  "false_components": {n: scores[t][n]["false_components"] for n in films}}) + "\n")
    chosen = {}
    for name in films:
        others = [n for n in films if n != name]
        ok = [t for t in THRESHOLDS if all(scores[t][o]["false_components"] <= 20 for o in others)]
        best = max(ok, key=lambda t: (sum(scores[t][o]["found"] for o in others), t))
        chosen[name] = (best, scores[best][name])
    line = {"variant": "delineated, recall operating point chosen leave one film out (<= 20 false components on each "
                       "other film)", "threshold": {n: c[0] for n, c in chosen.items()},
            "summary": summarise({n: c[1] for n, c in chosen.items()}),
            "false_components": {n: c[1]["false_components"] for n, c in chosen.items()}}
    print(json.dumps(line))
    out.write(json.dumps(line) + "\n")
    out.write(json.dumps({"variant": "why missed at the shipped threshold", "threshold": shipped,
                          "misses": misses}) + "\n")
