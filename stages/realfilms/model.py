"""Stage model: the real-film detector the CLI and the service run (realfilms/out/models/detector.json). Its rejector
was trained on all three hand-masked films, with the extent and threshold that cross-fit between them chose (stage
masked); its component classifier is trained here on the kept candidates of every tabled film whose cell the table
gives exactly one class; its card says what it was trained on and how it scored (the masked films leave one film
out, the cells in film CV). `python -m stages.realfilms.model`.
"""

import json

import numpy as np

from riawelc.constants import DEFECT_CLASSES, MM_PER_PIXEL
from riawelc.inspect.candidates import COMPONENT_FEATURES
from riawelc.inspect.detector import DETECTOR_FILE, Detector
from riawelc.learn.detector import BoostingParams, fit_ensemble
from stages.common import REAL_PARAMS, load_params, write_json
from stages.realfilms import OUT, RESULTS
from stages.realfilms.detection import CELLS_RULES, DETECTOR_RULES, class_rows


def main() -> None:
    cells = load_params("cells", CELLS_RULES, REAL_PARAMS)
    detector_params = load_params("detector", DETECTOR_RULES, REAL_PARAMS)
    detector = Detector.load(OUT / "masked" / "detector-all.json")
    x, y, films = class_rows(np.load(OUT / "cells" / "candidates.npz"), detector.threshold)
    try:
        detector.classifier = fit_ensemble(x, y, None, list(DEFECT_CLASSES), list(COMPONENT_FEATURES),
                                           detector_params["seed"],
                                           BoostingParams(cells["class_estimators"], 0.05, 7, 10))
        classes_note = "kept candidates in cells the flaw table gives exactly one class"
    except ValueError as error:  # a class with no example: regions stay unclassified rather than guessed
        detector.classifier = None
        classes_note = f"no component classifier: {error}"
        print(f"warning: {classes_note}")
    masked = json.loads((RESULTS / "masked.json").read_text())
    scored = json.loads((RESULTS / "cells.json").read_text())
    detector.card = {
        "what": "black top-hat candidates kept by a gradient-boosted rejector, classed by a component classifier",
        "rejector_trained_on": detector.card.get("trained_on", []),
        "rejector_choice": {"extent": detector.settings.extent, "threshold": detector.settings.threshold,
                            "by": "cross-fit between the masked films, mean Dice"},
        "classifier_trained_on": {"films": films, "candidates": int(len(y)),
                                  "per_class": {c: int(np.sum(y == k)) for k, c in enumerate(DEFECT_CLASSES)},
                                  "labels": classes_note},
        "scores": {"masked_films_leave_one_film_out": masked["summary"]["detector"],
                   "tophat_same_folds": masked["summary"]["tophat"],
                   "cells_film_cv_f1": scored["defect_vs_none"]["detector"]["f1_mean"],
                   "cells_tophat_f1": scored["defect_vs_none"]["tophat"]["f1_mean"],
                   "cells_every_cell_f1": scored["defect_vs_none"]["every_cell"]["f1"]},
        "scale_mm_per_pixel": MM_PER_PIXEL,
        "source": "GDXray W0001/W0002 (BAM round-robin films, research use only) and W0003 with real-values.xls",
    }
    out = OUT / "models"
    detector.save(out / DETECTOR_FILE)
    write_json(out / "card.json", detector.card)
    print(f"{out / DETECTOR_FILE}: extent {detector.settings.extent:g}, threshold {detector.settings.threshold:g}; "
          f"component classifier on {len(y)} candidates of {len(films)} films "
          f"({', '.join(f'{c} {int(np.sum(y == k))}' for k, c in enumerate(DEFECT_CLASSES))})")


if __name__ == "__main__":
    main()
