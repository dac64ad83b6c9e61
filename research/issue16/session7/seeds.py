"""The delineator's seed-to-seed spread: the delineate stage's leave-one-film-out protocol (the masked stage's
held-out detectors, a delineator trained on the other two films' masks, the connected outline, every setting the
stage's) repeated with other training seeds. Nothing is chosen here; it measures how far the shipped seed-0 figure
(mean Dice 0.653) could move by chance. Writes figures only, to seeds.jsonl.
    [ONLY=RRT-22R,...] python research/issue16/session7/seeds.py DETECTORS_DIR SEED [SEED ...]
DETECTORS_DIR holds the masked stage's detector-<film>.json and detector-all.json (realfilms/out/masked); ONLY
scores those films alone (session 8: RRT-22R with the peak-share detectors)."""
import json
import os
import sys
import time
from pathlib import Path

import yaml

from riawelc.inspect.tophat import film_smoothing
from riawelc.inspect.delineator import Delineator, delineator_maps
from riawelc.inspect.detector import Detector
from riawelc.learn.delineator import DelineatorParams, export_delineator, train_delineator
from riawelc.learn.lofo import mask_scores, summarise
from riawelc.metrics.annotated import load_pair, read_annotated

HERE = Path(__file__).parent
DETECTORS = Path(sys.argv[1])
SEEDS = [int(s) for s in sys.argv[2:]]
p = yaml.safe_load(open("realfilms/params.yaml"))["delineator"]
items, _ = read_annotated("../shared/gdxray")
films = {item.name: load_pair(item) for item in items}
only = [n for n in os.environ.get("ONLY", "").split(",") if n] or list(films)
detectors = {name: Detector.load(DETECTORS / f"detector-{name}.json") for name in films}
smooth_of = Detector.load(DETECTORS / "detector-all.json").settings
maps = {name: delineator_maps(film, film_smoothing(film, smooth_of.smooth, smooth_of.max_grain)) for name, (film, _) in films.items()}
for seed in SEEDS:
    params = DelineatorParams(p["steps"], p["batch_size"], p["tile"], p["learning_rate"], tuple(p["filters"]),
                              p["centred"], p["jitter"], seed)
    after = {}
    for name in only:
        film, truth = films[name]
        started = time.time()
        model = train_delineator([(maps[o], films[o][1]) for o in films if o != name], params)
        delineator = Delineator.load(export_delineator(model, f"/tmp/s7/delineator-{name}-seed{seed}.onnx"),
                                     p["threshold"], p["radius"])
        detector = detectors[name]
        detection = detector.detect(film)
        kept = detection.candidates.mask(detection.probability > detector.threshold) > 0
        after[name] = mask_scores(delineator.outline(film, detection.candidates.smooth, kept), truth)
        print(name, seed, round(after[name]["dice"], 4), round(time.time() - started), flush=True)
    line = {"seed": seed, "detectors": str(DETECTORS), "summary": summarise(after),
            "per_film": {n: {k: after[n][k] for k in ("dice", "iou", "found", "components", "false_components")}
                         for n in after}}
    with open(HERE / "seeds.jsonl", "a") as out:
        out.write(json.dumps(line) + "\n")
