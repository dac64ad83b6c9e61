"""The inspector's 1 cm cells (riawelc.inspect.cells): per-cell features from the film and the detector's
candidates, the numpy cell model that ships in detector.json (equal to the scikit-learn model it was fitted as,
refused with a reason when broken), its training with C and threshold chosen on the training films only, and the
cell calls of inspect_film."""

import json

import numpy as np
import pytest

from riawelc.constants import CELL_PX, DEFECT_CLASSES
from riawelc.inspect.candidates import COMPONENT_FEATURES, CandidateSettings, find_candidates
from riawelc.inspect.cells import (CELL_FEATURES, CellModel, CellModelError, cell_classes, cell_features,
                                   film_cell_count)
from riawelc.inspect.detector import DETECTOR_FILE, Detector, DetectorError
from riawelc.inspect.film import FilmModels, FilmSettings, inspect_film, overlay, write_outputs
from stages.realfilms.cellmodel import as_cell_model, choose_and_fit
from riawelc.learn.detector import fit_ensemble
from tests.inspect.test_detector import FAST, blob_film

HAT25 = CELL_FEATURES.index("hat25_max")


def spot_model(threshold: float = 0.5) -> CellModel:
    """A hand-set model: P(defect) rises with the cell's 25-px top-hat maximum, 0.5 at 10 grey levels."""
    n = len(CELL_FEATURES)
    coefficients = np.zeros(n)
    coefficients[HAT25] = 1.0
    return CellModel(np.zeros(n), np.ones(n), coefficients, -10.0, threshold)


def test_a_dark_spot_raises_its_own_cells_features_and_no_other():
    width = int(4 * CELL_PX)
    film, _ = blob_film([(int(1.5 * CELL_PX), 100, 6, 25)], shape=(200, width))
    found = find_candidates(film, CandidateSettings(extent=3.0, peak=10.0))
    x = found.centres()[:, 0]
    features = cell_features(film, 1.0, None, None, x, np.full(len(found), 0.95), found.features, count=6)
    raw, relative, neighbour = np.split(features, 3, axis=1)
    assert features.shape == (6, len(CELL_FEATURES)) and raw.shape[1] * 3 == len(CELL_FEATURES)
    spot = int(np.argmax(raw[:, HAT25]))
    assert spot == 1 and raw[1, HAT25] > 15 > raw[0, HAT25]
    first = CELL_FEATURES.index("candidates")
    assert raw[1, first:first + 4].tolist() == [1, 0.95, 1, 1]  # one candidate, P 0.95, above 0.5 and 0.9
    assert not raw[4:].any()  # cells past the film's end are empty
    assert np.allclose(relative, raw - np.median(raw[:4], axis=0))  # relative to the film's own cells
    assert np.array_equal(neighbour[0], raw[1]) and np.array_equal(neighbour[2], raw[1])  # the spot's neighbours
    assert np.array_equal(neighbour[1], np.maximum(raw[0], raw[2])) and not neighbour[5].any()
    own = cell_features(film, 1.0, None, None, x, np.full(len(found), 0.95), found.features)
    assert len(own) == film_cell_count(width) == 4 and np.array_equal(own, features[:4])
    assert len(COMPONENT_FEATURES) == found.features.shape[1]


def test_the_model_and_its_threshold_are_chosen_on_the_training_films_only():
    rng = np.random.default_rng(0)
    cells = {}
    for k in range(8):
        y = rng.random(20) < 0.4
        cells[f"f{k}"] = (np.stack([y + rng.normal(0, 0.3, 20), rng.normal(size=20)], axis=1), y)
    model, c, threshold = choose_and_fit(cells, [f"f{k}" for k in range(6)], [0.1, 1.0], seed=0)
    assert c in (0.1, 1.0) and 0.1 <= threshold <= 0.9
    held = np.concatenate([cells[n][0] for n in ("f6", "f7")])
    truth = np.concatenate([cells[n][1] for n in ("f6", "f7")])
    assert ((model.predict_proba(held)[:, 1] > threshold) == truth).mean() > 0.8


def test_the_shipped_numpy_model_equals_the_fitted_one_and_survives_the_detector_file(tmp_path):
    rng = np.random.default_rng(1)
    n = len(CELL_FEATURES)
    cells = {}
    for k in range(6):
        x = rng.normal(size=(30, n)) * rng.uniform(0.5, 20, n)
        cells[f"f{k}"] = (x, x[:, 0] + x[:, 5] > 0)
    fitted, _, threshold = choose_and_fit(cells, sorted(cells), [1.0], seed=0)
    model = as_cell_model(fitted, threshold)
    probe = rng.normal(size=(50, n)) * 10
    np.testing.assert_allclose(model.probabilities(probe), fitted.predict_proba(probe)[:, 1], rtol=1e-9, atol=1e-12)
    Detector(CandidateSettings(), cell_model=model).save(tmp_path / DETECTOR_FILE)
    again = Detector.load(tmp_path / DETECTOR_FILE).cell_model
    assert again.threshold == threshold
    np.testing.assert_array_equal(again.probabilities(probe), model.probabilities(probe))
    one_class = {k: (x, np.zeros(len(x), bool)) for k, (x, _) in cells.items()}
    with pytest.raises(ValueError, match="one class"):
        as_cell_model(choose_and_fit(one_class, sorted(one_class), [1.0], 0)[0], 0.5)


def test_a_broken_cell_model_is_refused_naming_the_problem(tmp_path):
    path = tmp_path / DETECTOR_FILE
    Detector(CandidateSettings(), cell_model=spot_model()).save(path)
    data = json.loads(path.read_text())
    good = data["cell_model"]
    for change, reason in (({"coefficients": good["coefficients"][:-1]}, "must each hold"),
                           ({"features": good["features"][:-2]}, "trained on"),
                           ({"scale": [0.0] * len(CELL_FEATURES)}, "scale <= 0"),
                           ({"intercept": "high"}, "not a number"),
                           ({"threshold": 1.5}, r"threshold must be in \[0, 1\]")):
        path.write_text(json.dumps({**data, "cell_model": {**good, **change}}))
        with pytest.raises(DetectorError, match=reason):
            Detector.load(path)
    path.write_text(json.dumps({**data, "cell_model": {"mean": [0.0]}}))
    with pytest.raises(DetectorError, match="lacks"):
        Detector.load(path)
    with pytest.raises(CellModelError):
        CellModel([np.nan] * len(CELL_FEATURES), np.ones(len(CELL_FEATURES)), np.zeros(len(CELL_FEATURES)), 0.0)
    older = {key: value for key, value in data.items() if key != "cell_model"}  # a detector from before cell models
    path.write_text(json.dumps(older))
    assert Detector.load(path).cell_model is None


def test_inspect_film_calls_every_cell_and_classes_the_defect_ones(tmp_path):
    width = int(5 * CELL_PX) + 40  # five whole cells and a sliver of a sixth
    film, _ = blob_film([(int(1.5 * CELL_PX), 100, 6, 25), (int(3.4 * CELL_PX), 90, 5, 20)], shape=(200, width))
    settings = CandidateSettings(extent=3.0, peak=10.0)
    Detector(settings, cell_model=spot_model()).save(tmp_path / DETECTOR_FILE)
    result = inspect_film(film, FilmModels.load(tmp_path), FilmSettings(source="candidates", region="film"))
    assert [c.cell for c in result.cells] == [1, 2, 3, 4, 5, 6]
    assert [c.defect for c in result.cells] == [False, True, False, True, False, False]
    assert result.cells[0].x0 == 0 and result.cells[-1].x1 == width
    assert result.cells[1].cls == "unclassified" and result.cells[1].candidates == 1  # no component classifier
    assert result.cells[0].cls == "" and result.cells[1].probability > 0.9 > 0.1 > result.cells[0].probability
    summary = result.summary()
    assert [c["defect"] for c in summary["cells"]] == [c.defect for c in result.cells]
    assert {"cell", "x0", "x1", "probability", "defect", "class", "candidates"} == set(summary["cells"][0])
    write_outputs(tmp_path / "out", "film", film, result)
    written = json.loads((tmp_path / "out" / "regions" / "film.json").read_text())
    assert sum(c["defect"] for c in written["cells"]) == 2
    bar = overlay(film, result)[-3]  # the overlay marks the defect cells along the film's bottom edge
    assert (bar[int(1.5 * CELL_PX)] != bar[int(0.5 * CELL_PX)]).any()
    strict = tmp_path / "strict"
    Detector(settings, cell_model=spot_model(threshold=1.0)).save(strict / DETECTOR_FILE)
    assert not any(c.defect for c in inspect_film(film, FilmModels.load(strict),
                                                  FilmSettings(source="candidates", region="film")).cells)
    plain = tmp_path / "plain"
    Detector(settings).save(plain / DETECTOR_FILE)
    assert inspect_film(film, FilmModels.load(plain), FilmSettings(source="candidates")).cells == []
    # With a component classifier, a defect cell takes the class of its largest candidate.
    found = find_candidates(film, settings)
    rows = np.repeat(found.features, 15, axis=0) * np.random.default_rng(0).uniform(0.8, 1.2, (15 * len(found), 1))
    classifier = fit_ensemble(rows, np.arange(len(rows)) % len(DEFECT_CLASSES), None, list(DEFECT_CLASSES),
                              list(COMPONENT_FEATURES), 0, FAST)
    classed = tmp_path / "classed"
    Detector(settings, classifier=classifier, cell_model=spot_model()).save(classed / DETECTOR_FILE)
    models = FilmModels.load(classed)
    result = inspect_film(film, models, FilmSettings(source="candidates", region="film"))
    detection = models.detector.detect(film)
    cell_of = np.floor(detection.candidates.centres()[:, 0] / CELL_PX).astype(int) + 1
    for cell in (c for c in result.cells if c.defect):
        mine = np.flatnonzero(cell_of == cell.cell)
        best = mine[np.argmax(detection.candidates.features[mine, 0])]
        assert cell.cls == DEFECT_CLASSES[int(np.argmax(detection.class_probabilities[best]))]


def test_a_defect_cell_takes_its_largest_candidates_class():
    cells, defect = np.array([1, 2, 3, 4]), np.array([True, True, False, True])
    candidate_cells = np.array([1, 1, 2, 3])  # cell 1: a small crack-like and a large pore-like candidate
    area = np.array([20.0, 300.0, 50.0, 80.0])
    classes = np.array([[0.9, 0.05, 0.05], [0.1, 0.1, 0.8], [0.1, 0.8, 0.1], [0.8, 0.1, 0.1]])
    assert cell_classes(cells, defect, candidate_cells, area, classes) == [
        "porosity", "lack_of_penetration", "", "unclassified"]  # cell 4 defect with no candidate
    assert cell_classes(cells, defect, candidate_cells, area, None) == ["unclassified", "unclassified", "",
                                                                         "unclassified"]
    assert DEFECT_CLASSES == ("crack", "lack_of_penetration", "porosity")
