"""Stage model: the real-film detector the CLI and the service run (realfilms/out/models/detector.json). Its rejector
was trained on all three hand-masked films, with the extent and threshold that cross-fit between them chose (stage
masked); its component classifier is trained here on the kept candidates of every tabled film whose cell the table
gives exactly one class; its cell model (the inspection's 1 cm cell calls) on the cells of every readable tabled
film, with C and threshold chosen by film-grouped CV on them; its card says what it was trained on and how it scored
(the masked films leave one film out, the cells in film CV); the delineator that outlines its kept regions (stage
delineate) is copied beside it. `python -m stages.realfilms.model`.
"""

import json
import shutil
from dataclasses import replace

import numpy as np

from riawelc.constants import DEFECT_CLASSES, MM_PER_PIXEL
from riawelc.inspect.candidates import COMPONENT_FEATURES
from riawelc.inspect.detector import DETECTOR_FILE, Detector, DetectorError
from riawelc.learn.detector import BoostingParams, fit_ensemble
from stages.common import REAL_PARAMS, fail, load_params, write_json
from stages.realfilms import OUT, RESULTS
from stages.realfilms.cellmodel import as_cell_model, choose_and_fit
from stages.realfilms.detection import CELLS_RULES, DETECTOR_RULES, class_rows


def main() -> None:
    cells = load_params("cells", CELLS_RULES, REAL_PARAMS)
    detector_params = load_params("detector", DETECTOR_RULES, REAL_PARAMS)
    detector = Detector.load(OUT / "masked" / "detector-all.json")
    stored = np.load(OUT / "cells" / "candidates.npz")
    x, y, films = class_rows(stored, detector.threshold)
    try:
        classifier = fit_ensemble(x, y, None, list(DEFECT_CLASSES), list(COMPONENT_FEATURES),
                                           detector_params["seed"],
                                           BoostingParams(cells["class_estimators"], 0.05, 7, 10))
        classes_note = "kept candidates in cells the flaw table gives exactly one class"
    except ValueError as error:  # a class with no example: regions stay unclassified rather than guessed
        classifier = None
        classes_note = f"no component classifier: {error}"
        print(f"warning: {classes_note}")
    table_cells = {n: (stored[f"{n}/cell_features"], stored[f"{n}/cell_truth"]) for n in films
                   if f"{n}/cell_features" in stored.files}
    fitted, c, threshold = choose_and_fit(table_cells, sorted(table_cells), cells["cell_model_cs"], cells["seeds"][0])
    try:
        cell_model = as_cell_model(fitted, threshold)
    except ValueError as error:
        fail(f"cells: {error}")
    truth = np.concatenate([t for _, t in table_cells.values()])
    delineation = json.loads((OUT / "delineator" / "delineation.json").read_text())
    delineator_trained_on = delineation.pop("trained_on")
    delineated = json.loads((RESULTS / "delineated.json").read_text())
    masked = json.loads((RESULTS / "masked.json").read_text())
    scored = json.loads((RESULTS / "cells.json").read_text())
    card = {
        "what": ("black top-hat candidates kept by a gradient-boosted rejector, outlined by a small U-Net (ONNX), "
                 "classed by a component classifier; each 1 cm cell called by a logistic cell model"),
        "rejector_trained_on": detector.card.get("trained_on", []),
        "rejector_table_films": {"films": detector.card.get("table_films", []),
                                 "labels": "real-values.xls, 1 cm cells: candidates of clean cells false, each "
                                           "defect cell's top-ranked candidate true"},
        "rejector_choice": {"extent": detector.settings.extent, "threshold": detector.settings.threshold,
                            "peak_share": detector.settings.peak_share,
                            "by": "cross-fit between the masked films, mean Dice"},
        "classifier_trained_on": {"films": films, "candidates": int(len(y)),
                                  "per_class": {c: int(np.sum(y == k)) for k, c in enumerate(DEFECT_CLASSES)},
                                  "labels": classes_note},
        "delineator_trained_on": {"films": delineator_trained_on, "labels": "the hand masks (W0002)",
                                  "threshold": delineation["threshold"], "radius_px": delineation["radius"]},
        "cell_model_trained_on": {"films": sorted(table_cells), "cells": int(len(truth)),
                                  "defect_cells": int(truth.sum()), "labels": "real-values.xls, 1 cm cells",
                                  "C": c, "threshold": threshold,
                                  "chosen_by": "film-grouped CV on the same films, pooled cell F1"},
        "scores": {"masked_films_leave_one_film_out": delineated["summary"]["delineated"],
                   "masked_films_before_delineation": delineated["summary"]["detector"],
                   "tophat_same_folds": masked["summary"]["tophat"],
                   "cells_film_cv_f1": scored["defect_vs_none"]["cell_model"]["f1_mean"],
                   "cells_region_rule_f1": scored["defect_vs_none"]["detector"]["f1_mean"],
                   "cells_tophat_f1": scored["defect_vs_none"]["tophat"]["f1_mean"],
                   "cells_every_cell_f1": scored["defect_vs_none"]["every_cell"]["f1"]},
        "scale_mm_per_pixel": MM_PER_PIXEL,
        "source": "GDXray W0001/W0002 (BAM round-robin films, research use only) and W0003 with real-values.xls",
    }
    try:  # replace() runs the detector's checks on each part (features, classes, the delineation entry)
        detector = replace(detector, classifier=classifier, cell_model=cell_model, delineation=delineation, card=card)
    except DetectorError as error:
        fail(f"model: {error}")
    out = OUT / "models"
    out.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(OUT / "delineator" / delineation["file"], out / delineation["file"])
    detector.save(out / DETECTOR_FILE)
    write_json(out / "card.json", detector.card)
    print(f"{out / DETECTOR_FILE}: extent {detector.settings.extent:g}, threshold {detector.settings.threshold:g}; "
          f"component classifier on {len(y)} candidates of {len(films)} films "
          f"({', '.join(f'{name} {int(np.sum(y == k))}' for k, name in enumerate(DEFECT_CLASSES))}); cell model "
          f"on {len(truth)} cells of {len(table_cells)} films (C {c:g}, threshold {threshold:g})")


if __name__ == "__main__":
    main()
