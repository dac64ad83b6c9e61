"""What the real-film detector's stages (masked, cells, patches, model, verdicts) share: their params sections'
rules, which films are scored, and the stored candidates a component classifier learns from."""

from pathlib import Path

import numpy as np

from riawelc.constants import DEFECT_CLASSES
from riawelc.films.tree import read_film_names
from riawelc.inspect.candidates import COMPONENT_FEATURES
from riawelc.metrics.filmeval import read_annotated
from stages.validation import integer, number, numbers, odd_integer, text

MASKED_RULES = {"root": text()}  # the hand-masked films: root/W0001 films, root/W0002 masks
DETECTOR_RULES = {"size": odd_integer(3), "smooth": number(0), "max_grain": number(0, low_open=True),
                  "min_area": integer(1), "extents": numbers(0, 255), "thresholds": numbers(0, 1),
                  "peak_shares": numbers(0, 0.99), "seed": integer(0),
                  "estimators": integer(1), "learning_rate": number(0, 1), "max_leaf_nodes": integer(2),
                  "min_samples_leaf": integer(1)}
BASELINE_RULES = {"tophat_sizes": numbers(3, 255, integers=True), "tophat_levels": numbers(0, 255),
                  "hysteresis_extents": numbers(0, 255), "hysteresis_peaks": numbers(0, 255), "unet_models": text(),
                  "unet_thresholds": numbers(0, 1)}
CELLS_RULES = {"folds": integer(2), "seeds": numbers(0, integers=True), "thresholds": numbers(0, 1),
               "min_areas": numbers(1, integers=True), "tophat_levels": numbers(0, 255),
               "class_estimators": integer(1), "cell_model_cs": numbers(0.0001)}


def films_to_score(films_dir: Path, masked_root: str) -> tuple[dict, dict]:
    """name -> film path (W0003, or the W0001 crop of a masked film the folder lacks), name -> annotated film."""
    names, _ = read_film_names(films_dir)
    paths = {}
    for file, film in names.items():  # a film the readme names twice is its first file, as the films tree takes it
        if (films_dir / file).is_file():
            paths.setdefault(film, films_dir / file)
    masks = {}
    items, _ = read_annotated(masked_root)
    for item in items:
        masks[item.name] = item
        paths.setdefault(item.name, item.film)
    return paths, masks


def class_rows(stored, threshold: float) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Features and class index of every kept candidate lying in a cell the table gives one class; the films."""
    names = sorted({key.split("/")[0] for key in stored.files})
    xs, ys = [], []
    for name in names:
        classes = dict(zip(stored[f"{name}/cells"].tolist(), stored[f"{name}/cell_classes"].tolist()))
        keep = stored[f"{name}/probability"] > threshold
        for features, cell in zip(stored[f"{name}/features"][keep], stored[f"{name}/cell_of_candidate"][keep]):
            found = classes.get(int(cell), "")
            if found and "|" not in found:
                xs.append(features)
                ys.append(DEFECT_CLASSES.index(found))
    return np.array(xs).reshape(-1, len(COMPONENT_FEATURES)), np.array(ys, np.int64), names
