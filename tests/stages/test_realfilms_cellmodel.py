"""The learned cell model's features (stages/realfilms/cellmodel.py): per 1 cm cell, from the film and the
detector's candidates, raw and relative to the film's median cell."""

import cv2
import numpy as np

from riawelc.films.labels import CELL_PX
from riawelc.inspect.candidates import COMPONENT_FEATURES, CandidateSettings, find_candidates
from stages.realfilms.cellmodel import cell_features, choose_and_fit
from tests.inspect.test_detector import blob_film


def test_a_dark_spot_raises_its_own_cells_features_and_no_other():
    width = int(4 * CELL_PX)
    film, _ = blob_film([(int(1.5 * CELL_PX), 100, 6, 25)], shape=(200, width))
    found = find_candidates(film, CandidateSettings(extent=3.0, peak=10.0))
    x = found.centres()[:, 0]
    features = cell_features(film, 1.0, None, None, x, np.full(len(found), 0.95), found.features, count=6)
    raw, relative = np.split(features, 2, axis=1)
    assert features.shape == (6, 2 * raw.shape[1])
    spot = int(np.argmax(raw[:, 1]))  # the 25-px top-hat's maximum
    assert spot == 1 and raw[1, 1] > 15 > raw[0, 1]
    assert raw[1, 20:24].tolist() == [1, 0.95, 1, 1]  # one candidate, P 0.95, above 0.5 and 0.9
    assert not raw[4:].any()  # cells past the film's end are empty
    assert np.allclose(relative, raw - np.median(raw[:4], axis=0))  # relative to the film's own cells
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
