"""Stage delineate: the delineator's leave-one-film-out figures. For each masked film, the delineator trained on the
other films' masks (stage delineator) outlines the regions of that film's held-out detector (stage masked); the
figures put the detector's masks before and after side by side (results-real/realfilms/delineated.json). Masks and
contact sheets go to realfilms/out/delineated (cached, never committed, since they show film).
`python -m stages.realfilms.delineate`.
"""

import json

import numpy as np

from riawelc.images import write_png
from riawelc.inspect.delineator import delineator_of
from riawelc.inspect.detector import Detector
from riawelc.learn.lofo import mask_scores, summarise, summary_lines
from riawelc.metrics.annotated import AnnotatedError, load_pair, read_annotated
from riawelc.metrics.sheets import write_sheet
from stages.common import REAL_PARAMS, fail, load_params, write_json
from stages.realfilms import OUT, RESULTS
from stages.realfilms.rules import MASKED_RULES


def main() -> None:
    try:
        items, _ = read_annotated(load_params("masked", MASKED_RULES, REAL_PARAMS)["root"])
        films = {item.name: load_pair(item) for item in items}
    except (AnnotatedError, ValueError) as error:
        fail(f"{REAL_PARAMS}: masked: {error}")
    trained = OUT / "delineator"
    entry = json.loads((trained / "delineation.json").read_text())
    out = OUT / "delineated"
    before, after = {}, {}
    for name, (film, truth) in films.items():
        delineator = delineator_of(entry, trained, file=f"delineator-{name}.onnx")
        detector = Detector.load(OUT / "masked" / f"detector-{name}.json")
        detection = detector.detect(film)
        kept = detection.candidates.mask(detection.probability > detector.threshold) > 0
        mask = delineator.outline(film, detection.candidates.smooth, kept)
        write_png(out / "masks" / f"{name}.png", mask.astype(np.uint8) * np.uint8(255))
        counts = write_sheet(out / "sheets" / f"{name}.png", film, mask, truth)
        before[name], after[name] = mask_scores(kept, truth), {**mask_scores(mask, truth), "sheet": counts}
        print(f"{name}: Dice {before[name]['dice']:.3f} -> {after[name]['dice']:.3f}, found "
              f"{after[name]['found']}/{after[name]['components']}, false {after[name]['false_components']}")
    results = {"protocol": "leave one film out: each film's held-out detector (stage masked), its kept regions "
                           "outlined by a delineator trained on the other films' masks; settings fixed beforehand",
               "summary": {"delineated": summarise(after), "detector": summarise(before)},
               "per_film": {"delineated": after, "detector": before}}
    write_json(RESULTS / "delineated.json", results)
    print("\n".join(summary_lines(results["summary"], results["per_film"])))


if __name__ == "__main__":
    main()
