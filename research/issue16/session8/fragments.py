"""The masked films scored as `riawelc inspect` writes them. The delineate stage scores the held-out detector's kept
regions outlined by the held-out delineator; inspect_film then drops components under FilmSettings.min_area (12 px).
Before the peak share no kept region was that small; drawn at a share, a region can split and leave small pieces.
    python research/issue16/session8/fragments.py REALFILMS_OUT   (realfilms/out of a built pipeline)
Prints both scorings; session 8's output is in REPORT.md."""
import json
import sys
from pathlib import Path

import numpy as np

from riawelc.inspect.delineator import delineator_of
from riawelc.inspect.detector import Detector
from riawelc.inspect.film import FilmSettings
from riawelc.inspect.pseudomask import remove_small_components
from riawelc.learn.lofo import mask_scores, summarise
from riawelc.metrics.annotated import load_pair, read_annotated

OUT = Path(sys.argv[1])
MIN_AREA = FilmSettings().min_area
items, _ = read_annotated("../shared/gdxray")
entry = json.loads((OUT / "delineator" / "delineation.json").read_text())
as_stage, as_inspection = {}, {}
for item in items:
    film, truth = load_pair(item)
    detector = Detector.load(OUT / "masked" / f"detector-{item.name}.json")
    detection = detector.detect(film)
    kept = detection.candidates.mask(detection.probability > detector.threshold) > 0
    delineator = delineator_of(entry, OUT / "delineator", file=f"delineator-{item.name}.onnx")
    mask = delineator.outline(film, detection.candidates.smooth, kept)
    as_stage[item.name] = mask_scores(mask, truth)
    as_inspection[item.name] = mask_scores(remove_small_components(mask.astype(np.uint8), MIN_AREA) > 0, truth)
    print(item.name, as_stage[item.name]["dice"], as_stage[item.name]["false_components"], "->",
          as_inspection[item.name]["dice"], as_inspection[item.name]["false_components"])
print("as the stage scores:", summarise(as_stage))
print("as riawelc inspect writes:", summarise(as_inspection))
