"""Stage delineate: the delineator (riawelc.inspect.delineator), a small U-Net that outlines the detector's kept
regions as the hand masks do, leave one film out. For each masked film, a delineator trained on the other two films'
masks outlines the regions of that film's held-out detector (stage masked); the figures put the detector's masks
before and after side by side (results-real/realfilms/delineated.json). Then one delineator is trained on all the
masked films for the model stage (realfilms/out/delineator/delineator.onnx and delineation.json: its threshold, reach
and sha256). Every setting is the params' `delineator` section, fixed beforehand: none is chosen on the masked films.
Masks and contact sheets go to realfilms/out/delineator (cached, never committed). `python -m stages.realfilms.delineate`.
"""

import numpy as np

from riawelc.digest import sha256_of
from riawelc.images import write_png
from riawelc.inspect.candidates import film_smoothing
from riawelc.inspect.delineator import DELINEATOR_FILE, Delineator, delineator_maps
from riawelc.inspect.detector import Detector
from riawelc.learn.delineator import DelineatorParams, export_delineator, train_delineator
from riawelc.learn.lofo import mask_scores, summarise, summary_lines
from riawelc.metrics.filmeval import AnnotatedError, load_pair, read_annotated
from riawelc.metrics.sheets import write_sheet
from stages.common import REAL_PARAMS, fail, load_params, write_json
from stages.realfilms import OUT, RESULTS
from stages.realfilms.detection import MASKED_RULES
from stages.validation import integer, number, numbers

RULES = {"steps": integer(1), "batch_size": integer(1), "tile": integer(8), "learning_rate": number(0, low_open=True),
         "filters": numbers(1, integers=True), "centred": number(0, 1), "jitter": integer(0), "seed": integer(0),
         "threshold": number(0, 1), "radius": integer(0)}


def main() -> None:
    p = load_params("delineator", RULES, REAL_PARAMS)
    try:
        params = DelineatorParams(p["steps"], p["batch_size"], p["tile"], p["learning_rate"], tuple(p["filters"]),
                                  p["centred"], p["jitter"], p["seed"])
        items, _ = read_annotated(load_params("masked", MASKED_RULES, REAL_PARAMS)["root"])
        films = {item.name: load_pair(item) for item in items}
    except (AnnotatedError, ValueError) as error:
        fail(f"{REAL_PARAMS}: delineator: {error}")
    if len(films) < 2:
        fail(f"leave one film out needs at least two masked films, found {len(films)}")
    out = OUT / "delineator"
    detectors = {name: Detector.load(OUT / "masked" / f"detector-{name}.json") for name in films}
    detectors["all"] = Detector.load(OUT / "masked" / "detector-all.json")
    maps = {name: delineator_maps(film, film_smoothing(film, detectors["all"].settings))
            for name, (film, _) in films.items()}
    before, after = {}, {}
    for name, (film, truth) in films.items():
        print(f"{name}: delineator trained on the other {len(films) - 1} films")
        model = train_delineator([(maps[o], films[o][1]) for o in films if o != name], params)
        delineator = Delineator.load(export_delineator(model, out / f"delineator-{name}.onnx"), p["threshold"],
                                     p["radius"])
        detector = detectors[name]
        detection = detector.detect(film)
        kept = detection.candidates.mask(detection.probability > detector.threshold) > 0
        mask = delineator.outline(film, detection.candidates.smooth, kept)
        write_png(out / "masks" / f"{name}.png", mask.astype(np.uint8) * np.uint8(255))
        counts = write_sheet(out / "sheets" / f"{name}.png", film, mask, truth)
        before[name], after[name] = mask_scores(kept, truth), {**mask_scores(mask, truth), "sheet": counts}
        print(f"  {name}: Dice {before[name]['dice']:.3f} -> {after[name]['dice']:.3f}, found "
              f"{after[name]['found']}/{after[name]['components']}, false {after[name]['false_components']}")
    print(f"all {len(films)} films: the delineator the inspection runs")
    path = export_delineator(train_delineator([(maps[n], films[n][1]) for n in films], params), out / DELINEATOR_FILE)
    entry = {"file": DELINEATOR_FILE, "threshold": float(p["threshold"]), "radius": int(p["radius"]),
             "sha256": sha256_of(path)}
    write_json(out / "delineation.json", {**entry, "trained_on": sorted(films)})
    results = {"protocol": "leave one film out: each film's held-out detector (stage masked), its kept regions "
                           "outlined by a delineator trained on the other films' masks; settings fixed beforehand",
               "summary": {"delineated": summarise(after), "detector": summarise(before)},
               "per_film": {"delineated": after, "detector": before}}
    write_json(RESULTS / "delineated.json", results)
    print("\n".join(summary_lines(results["summary"], results["per_film"])))


if __name__ == "__main__":
    main()
