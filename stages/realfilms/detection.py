"""What the real-film detector's stages (masked, cells, patches, model, verdicts) share: their params sections'
rules (but those the delineator's training shares: stages/realfilms/rules.py), which films are scored, the detector
that never learned from a film, the tabled films' candidates the rejector learns from, and the stored candidates a
component classifier learns from."""

from dataclasses import replace
from pathlib import Path

import numpy as np

from riawelc.constants import DEFECT_CLASSES
from riawelc.films.cells import cell_truth, cells_hit
from riawelc.films.flawtable import read_flaw_table
from riawelc.films.tree import find_table, read_film_names
from riawelc.images import BadImage
from riawelc.inspect.candidates import COMPONENT_FEATURES, CandidateSettings, find_candidates
from riawelc.inspect.detector import Detector
from riawelc.inspect.film import FilmSettings, inspected_band, read_film
from riawelc.learn.detector import TabledFilm
from riawelc.metrics.annotated import read_annotated
from stages.realfilms.rules import SMOOTHING_RULES
from stages.validation import flag, integer, number, numbers, odd_integer, text

DETECTOR_RULES = {"size": odd_integer(3), **SMOOTHING_RULES,
                  "min_area": integer(1), "extents": numbers(0, 255), "thresholds": numbers(0, 1),
                  "peak_shares": numbers(0, 0.99), "learn_from_table": flag(), "seed": integer(0),
                  "estimators": integer(1), "learning_rate": number(0, 1), "max_leaf_nodes": integer(2),
                  "min_samples_leaf": integer(1)}
BASELINE_RULES = {"tophat_sizes": numbers(3, 255, integers=True), "tophat_levels": numbers(0, 255),
                  "hysteresis_extents": numbers(0, 255), "hysteresis_peaks": numbers(0, 255), "unet_models": text(),
                  "unet_thresholds": numbers(0, 1)}
CELLS_RULES = {"folds": integer(2), "seeds": numbers(0, integers=True), "thresholds": numbers(0, 1),
               "min_areas": numbers(1, integers=True), "tophat_levels": numbers(0, 255),
               "class_estimators": integer(1), "cell_model_cs": numbers(0.0001)}


def held_out_detector(folder: Path, name: str, final: Detector) -> Detector:
    """The detector that never learned from film `name`, as stage masked writes it (folder/detector-<name>.json): a
    masked film's leave-one-film-out detector, or for a tabled film the final one whose rejector never saw the
    film's table cells; `final` for any other film."""
    path = folder / f"detector-{name}.json"
    return Detector.load(path) if path.is_file() else final


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


def tabled_films(films_dir: Path, masked_root: str, settings: CandidateSettings,
                 extents: list[float]) -> tuple[dict[float, list[TabledFilm]], list[str]]:
    """Every readable tabled film's candidates at each extent (in the band the inspection inspects) with the flaw
    table's word on its cells, for the rejector to learn from; and a note per film left out."""
    table = read_flaw_table(find_table(films_dir))
    paths, _ = films_to_score(films_dir, masked_root)
    tabled, notes = {extent: [] for extent in extents}, []
    for name in sorted(table.films):
        if table.films[name].unusable or name not in paths:
            continue  # the cells stage names these
        try:
            film = read_film(paths[name])
        except BadImage as error:
            notes.append(f"{name}: not learned from ({error})")
            continue
        defect = {cell: bool(v) for cell, v in cell_truth(table.films[name], film.shape[1]).items() if v is not None}
        if not defect:
            continue  # only flaws outside the four classes
        seam, region, _ = inspected_band(film, FilmSettings(source="candidates"))
        for extent in extents:
            found = find_candidates(film, replace(settings, extent=extent, peak=max(settings.peak, extent)), seam,
                                    region)
            cells = cells_hit(found.centres()[:, 0]) if len(found) else np.zeros(0, np.int64)
            tabled[extent].append(TabledFilm(name, found.features, cells, defect))
    return tabled, notes


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
