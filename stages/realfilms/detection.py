"""What the real-film detector's stages (cells, model, verdicts) share: which films are scored, and the stored
candidates a component classifier learns from. Their params sections' rules are stages/realfilms/rules.py."""

from pathlib import Path

import numpy as np

from riawelc.constants import DEFECT_CLASSES
from riawelc.films.tree import read_film_names
from riawelc.inspect.candidates import COMPONENT_FEATURES
from riawelc.metrics.annotated import read_annotated



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
