"""Issue 16, session 9: the held-out detectors of a masked-stage run (MASKED_OUT/detector-<film>.json) outlined by
the held-out delineators of a delineator-stage run (DELINEATOR_OUT/delineator-<film>.onnx), as stage delineate
scores them, so that two detector variants can be compared before either is shipped. Appends to delineated.jsonl.
`PYTHONPATH=. python research/issue16/session9/delineated.py LABEL MASKED_OUT DELINEATOR_OUT`
"""

import json
import sys
from pathlib import Path

from riawelc.inspect.delineator import delineator_of
from riawelc.inspect.detector import Detector
from riawelc.learn.lofo import mask_scores, summarise
from stages.common import REAL_PARAMS, load_params
from stages.realfilms.masked import masked_films

label, masked_out, delineator_out = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
p = load_params("delineator", None, REAL_PARAMS)
entry = {"file": "", "threshold": p["threshold"], "radius": p["radius"], "sha256": ""}
before, after = {}, {}
for name, (film, truth) in masked_films().items():
    detector = Detector.load(masked_out / f"detector-{name}.json")
    detection = detector.detect(film)
    kept = detection.candidates.mask(detection.probability > detector.threshold) > 0
    mask = delineator_of(entry, delineator_out, file=f"delineator-{name}.onnx").outline(film, detection.candidates.smooth,
                                                                                       kept)
    before[name], after[name] = mask_scores(kept, truth), mask_scores(mask, truth)
row = {"label": label, "detector": summarise(before), "delineated": summarise(after),
       "per_film_dice": {n: [before[n]["dice"], after[n]["dice"]] for n in after}}
print(json.dumps(row))
with open(Path(__file__).parent / "delineated.jsonl", "a") as f:
    f.write(json.dumps(row) + "\n")
