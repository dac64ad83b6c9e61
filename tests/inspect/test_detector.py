"""The real-film detector: top-hat candidates, numpy tree ensembles that equal scikit-learn's, the detector file,
its training by cross-fit, leave-one-film-out choices, the source "candidates" of inspect_film, cells and sheets."""

import json

import cv2
import numpy as np
import pytest
from sklearn.ensemble import GradientBoostingClassifier

from riawelc.constants import DEFECT_CLASSES
from riawelc.films.cells import cell_truth, cells_hit, every_cell_scores, precision_recall_f1
from riawelc.films.flawtable import Flaw, FilmFlaws
from riawelc.inspect.candidates import (COMPONENT_FEATURES, Candidates, CandidateSettings, black_tophat,
                                        find_candidates, peak_rule)
from riawelc.inspect.detector import DETECTOR_FILE, Detector, DetectorError
from riawelc.inspect.film import FilmInspectError, FilmModels, FilmSettings, inspect_film
from riawelc.inspect.tophat import film_grain, film_smoothing
from riawelc.inspect.trees import TreeEnsemble, TreesError
import riawelc.learn.detector as learning
from riawelc.learn.detector import (BoostingParams, TabledFilm, average_ensembles, build_detector,
                                    choose_by_crossfit, film_candidates, fit_ensemble, table_rows, to_ensemble,
                                    train_rejector)
from riawelc.learn.lofo import leave_one_out_grid, mask_scores, summarise, summary_lines
from riawelc.metrics.sheets import component_cases, contact_sheet
from riawelc.synth.film import FilmSpec, generate_film

FAST = BoostingParams(estimators=30, learning_rate=0.1, max_leaf_nodes=7, min_samples_leaf=5)


def blob_film(spots, shape=(200, 600), level=180, seed=0):
    """A flat grainy film with dark discs (x, y, radius, depth); truth: the discs."""
    rng = np.random.default_rng(seed)
    film = np.full(shape, float(level)) + rng.normal(0, 0.8, shape)
    truth = np.zeros(shape, np.uint8)
    for x, y, r, depth in spots:
        disc = np.zeros(shape, np.uint8)
        cv2.circle(disc, (x, y), r, 1, -1)
        film -= depth * cv2.GaussianBlur(disc.astype(np.float64), (0, 0), 1.0)
        truth |= disc
    return np.clip(np.rint(film), 0, 255).astype(np.uint8), truth > 0


@pytest.fixture(scope="module")
def films():
    """Three synthetic films with true masks (the filmsample generator, small)."""
    out = {}
    for k in range(3):
        film, mask, _ = generate_film(np.random.default_rng(10 + k), FilmSpec(height=400, width=1400, defects=5))
        out[f"film{k}"] = (film, mask > 0)
    return out


def test_top_hat_is_in_grey_levels_and_candidates_carry_their_features():
    film, truth = blob_film([(100, 100, 6, 20), (300, 100, 6, 6), (500, 100, 1, 30)])
    hat = black_tophat(film, 41)
    assert 18 <= hat[100, 100] <= 23 and 4 <= hat[100, 300] <= 8  # each disc's depth (+ grain), in grey levels
    assert len(find_candidates(film, CandidateSettings(extent=3.0, peak=10.0, min_area=12))) == 3
    found = find_candidates(film, CandidateSettings(extent=3.0, peak=10.0, min_area=60))
    assert len(found) == 2  # the small spot is under min_area
    centres = found.centres()
    assert sorted(np.round(centres[:, 0]).tolist()) == [100, 300]
    peaks = found.features[:, COMPONENT_FEATURES.index("peak_hat")]
    assert found.mask(peak_rule(found, CandidateSettings(extent=3.0, peak=10.0)))[100, 100] == 1
    assert sorted(peaks > 10) == [False, True]
    assert found.touching(truth).all()
    region = np.zeros(film.shape, bool)
    region[:, :200] = True
    assert len(find_candidates(film, CandidateSettings(extent=3.0, peak=10.0), region=region)) == 1


def test_a_dark_film_edge_is_not_a_candidate_but_a_flaw_that_reaches_the_edge_is():
    film, _ = blob_film([(300, 100, 6, 20)])
    film[:, :6] = 40  # the scanner's dark edge: a stripe across the whole film
    film[:, -3:] = 60
    cv2.line(film, (0, 60), (120, 60), 150, 2)  # a thin dark line (a crack) running in from the edge
    found = find_candidates(film, CandidateSettings(extent=3.0, peak=10.0))
    boxes = sorted(cv2.boundingRect((found.labels == k + 1).astype(np.uint8)) for k in range(len(found)))
    assert len(found) == 2 and all(h < 30 for _, _, _, h in boxes)  # no stripe of the film's height
    assert found.labels[60, 10:118].all() and found.labels[100, 300] > 0
    assert not found.labels[:, :6].any() and not found.labels[:, -3:].any()
    region = np.zeros(film.shape, bool)
    region[40:160] = True  # a seam band: the stripe covers all of the band's rows at the edge columns
    assert not find_candidates(film, CandidateSettings(extent=3.0, peak=10.0), region=region).labels[:, :6].any()


def test_a_grainy_film_is_smoothed_until_its_grain_is_the_training_films():
    smooth, _ = blob_film([(300, 100, 6, 20)])
    grainy, truth = blob_film([(300, 100, 6, 20)], seed=1)
    grainy = np.clip(grainy + np.random.default_rng(2).normal(0, 3.0, grainy.shape), 0, 255).astype(np.uint8)
    adaptive = CandidateSettings(extent=3.0, peak=10.0, max_grain=0.5)
    assert film_grain(grainy) > 3 * film_grain(smooth)
    assert film_smoothing(smooth, 1.0, 0.5) == 1.0 and film_smoothing(grainy, 1.0) == 1.0  # no max_grain: fixed
    sigma = film_smoothing(grainy, 1.0, 0.5)
    assert sigma > 1.0 and film_grain(cv2.GaussianBlur(grainy, (0, 0), sigma)) <= 0.5
    fixed = find_candidates(grainy, CandidateSettings(extent=3.0, peak=10.0))
    kept = find_candidates(grainy, adaptive)
    assert len(kept) < len(fixed) / 5 and kept.touching(truth).any()  # grain specks go, the pore stays
    with pytest.raises(ValueError, match="max_grain"):
        CandidateSettings(max_grain=0.0)


def test_a_peak_share_draws_a_deep_candidate_without_its_halo_and_keeps_what_it_finds():
    film, _ = blob_film([(150, 100, 4, 60), (450, 100, 6, 8)])  # a deep pore; a shallow one
    halo = np.zeros(film.shape, np.uint8)
    cv2.circle(halo, (150, 100), 14, 1, -1)
    film = (film.astype(int) - 6 * halo).astype(np.uint8)  # a faint shadow around the deep pore
    whole = find_candidates(film, CandidateSettings(extent=3.0, peak=10.0))
    drawn = find_candidates(film, CandidateSettings(extent=3.0, peak=10.0, peak_share=0.2))
    np.testing.assert_array_equal(drawn.features, whole.features)  # the same candidates, described the same
    deep, shallow = whole.labels[100, 150], whole.labels[100, 450]
    assert (whole.labels == deep).sum() > 500 and (drawn.labels == deep).sum() < 150  # the shadow is not drawn
    assert drawn.labels[100, 150] == deep and ((drawn.labels == deep) <= (whole.labels == deep)).all()
    np.testing.assert_array_equal(drawn.labels == shallow, whole.labels == shallow)  # 0.2 x its peak < extent


def test_a_peak_share_drops_the_pieces_it_leaves_under_min_area():
    labels = np.zeros((60, 60), np.int32)
    labels[10:40, 10:40] = 1  # one candidate ...
    hat = np.where(labels > 0, 10.0, 0.0).astype(np.float32)
    hat[12:17, 12:17] = 100.0  # ... with a deep core of 25 px
    hat[30:32, 30:32] = 50.0  # and a 4-px speck apart from it, both above 0.2 x its peak
    features = np.zeros((1, len(COMPONENT_FEATURES)))
    features[0, COMPONENT_FEATURES.index("peak_hat")] = 100.0
    candidates = Candidates(labels, features)
    assert (candidates.drawn_at(hat, 0.2).labels > 0).sum() == 29  # min_area 1: both pieces
    drawn = candidates.drawn_at(hat, 0.2, min_area=12).labels
    assert (drawn > 0).sum() == 25 and (drawn[12:17, 12:17] == 1).all()  # the speck is dropped, the core kept


def test_candidate_settings_refuse_bad_values():
    with pytest.raises(ValueError, match="odd"):
        CandidateSettings(size=40)
    with pytest.raises(ValueError, match="extent <= peak"):
        CandidateSettings(extent=9.0, peak=8.0)
    with pytest.raises(ValueError, match="threshold"):
        CandidateSettings(threshold=1.5)
    with pytest.raises(ValueError, match="peak_share"):
        CandidateSettings(peak_share=1.0)


@pytest.mark.parametrize("classes", [2, 3])
def test_numpy_trees_equal_scikit_learn_and_survive_json(classes, tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, len(COMPONENT_FEATURES)))
    y = (x[:, 0] + x[:, 1] > 0).astype(int) + ((x[:, 2] > 1).astype(int) if classes == 3 else 0)
    names = [f"c{k}" for k in range(classes)]
    ensemble = fit_ensemble(x, y, None, names, list(COMPONENT_FEATURES), 0, FAST)
    model = GradientBoostingClassifier(n_estimators=30, learning_rate=0.1, max_leaf_nodes=7, min_samples_leaf=5,
                                       random_state=0).fit(x, y)
    fresh = rng.normal(size=(50, len(COMPONENT_FEATURES))) * 2
    np.testing.assert_allclose(ensemble.probabilities(fresh), model.predict_proba(fresh), rtol=1e-9, atol=1e-12)
    ensemble.save(tmp_path / "trees.json")
    again = TreeEnsemble.load(tmp_path / "trees.json")
    np.testing.assert_array_equal(again.decision(fresh), ensemble.decision(fresh))
    assert to_ensemble(model, names, list(COMPONENT_FEATURES)).classes == names


def test_a_broken_tree_file_is_refused_with_its_reason(tmp_path):
    x = np.random.default_rng(1).normal(size=(100, 3))
    good = fit_ensemble(x, (x[:, 0] > 0).astype(int), None, ["no", "yes"], ["a", "b", "c"], 0, FAST).as_dict()
    path = tmp_path / "t.json"
    for broken, reason in ((dict(good, format="other"), "format"), (dict(good, baseline=[0.0, 1.0]), "baseline"),
                           (dict(good, features=["a"]), "feature")):
        path.write_text(json.dumps(broken))
        with pytest.raises(TreesError, match=reason):
            TreeEnsemble.load(path)
    path.write_text("{")
    with pytest.raises(TreesError, match="cannot read"):
        TreeEnsemble.load(path)


def test_averaged_ensembles_decide_the_mean():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(200, 4))
    a = fit_ensemble(x, (x[:, 0] > 0).astype(int), None, ["n", "y"], list("abcd"), 0, FAST)
    b = fit_ensemble(x, (x[:, 1] > 0).astype(int), None, ["n", "y"], list("abcd"), 0, FAST)
    np.testing.assert_allclose(average_ensembles([a, b]).decision(x), (a.decision(x) + b.decision(x)) / 2)


def test_the_detector_learns_which_candidates_are_defects_and_round_trips(films, tmp_path):
    training = {name: films[name] for name in ("film0", "film1")}
    detector, choice = build_detector(training, CandidateSettings(), [3.0, 5.0], [0.3, 0.5, 0.7], 0, FAST,
                                      peak_shares=[0.0, 0.3])
    assert choice.extent in (3.0, 5.0) and set(choice.grid) == {f"{e:g}/{t:g}/{s:g}" for e in (3.0, 5.0)
                                                                 for t in (0.3, 0.5, 0.7) for s in (0.0, 0.3)}
    assert choice.crossfit_dice == max(choice.grid.values())
    assert (detector.settings.threshold, detector.settings.peak_share) == (choice.threshold, choice.peak_share)
    with pytest.raises(ValueError, match="top-hats"):  # a share above 0 cannot be scored without them
        choose_by_crossfit(training, film_candidates(training, CandidateSettings(), [3.0]), [0.5], 0, FAST, [0.2])
    film, truth = films["film2"]
    detection = detector.detect(film)
    kept = detection.candidates.mask(detection.probability > detector.threshold) > 0
    true_candidates = detection.candidates.touching(truth)
    assert detection.probability[true_candidates].mean() > detection.probability[~true_candidates].mean() + 0.2
    assert mask_scores(kept, truth)["dice"] > 0.3
    detector.save(tmp_path / DETECTOR_FILE)
    again = Detector.load(tmp_path / DETECTOR_FILE)
    np.testing.assert_array_equal(again.detect(film).probability, detection.probability)


def test_the_table_labels_clean_cells_false_and_each_defect_cells_top_candidate_true():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(400, len(COMPONENT_FEATURES)))
    scorer = fit_ensemble(x, (x[:, 0] > 0).astype(int), None, ["false", "true"], list(COMPONENT_FEATURES), 0, FAST)
    features = rng.normal(size=(6, len(COMPONENT_FEATURES))) * 0.1
    features[:, 0] = [-1.0, 0.0, -2.0, 2.0, -3.0, 5.0]  # the scorer ranks by this feature
    film = TabledFilm("RRT-1R", features, np.array([1, 1, 2, 2, 2, 3]), {1: False, 2: True})  # cell 3: unlabelled
    rows, labels = table_rows([film], scorer)
    np.testing.assert_array_equal(rows, features[[0, 1, 3]])  # clean cell 1 whole; defect cell 2's top candidate
    np.testing.assert_array_equal(labels, [False, False, True])


def test_the_rejector_learns_from_the_table_as_one_more_model_but_never_the_scored_films_cells(films, monkeypatch):
    training = {name: films[name] for name in ("film0", "film1")}
    candidates = film_candidates(films, CandidateSettings(), [3.0])[3.0]
    tabled = []
    for name, (_, truth) in films.items():  # the films as tabled films: 200-px cells, defect where the truth is
        cells = (candidates[name].centres()[:, 0] // 200).astype(np.int64) + 1
        defect = {c: bool(truth[:, (c - 1) * 200:c * 200].any()) for c in range(1, truth.shape[1] // 200 + 1)}
        tabled.append(TabledFilm(name, candidates[name].features, cells, defect))
    parts = [(candidates[n], films[n][1]) for n in training]
    assert len(train_rejector(parts, 0, FAST, tabled).stages) == 3 * FAST.estimators  # two films and the table
    clean = [TabledFilm(t.name, t.features, t.cells, {c: False for c in t.defect}) for t in tabled]
    with pytest.raises(ValueError, match="both clean and defect cells"):
        train_rejector(parts, 0, FAST, clean)
    seen, train = [], learning.train_rejector
    monkeypatch.setattr(learning, "train_rejector", lambda p, s, b, t=(): seen.append([x.name for x in t]) or
                        train(p, s, b, t))
    choose_by_crossfit(training, {3.0: {n: candidates[n] for n in training}}, [0.5], 0, FAST, tabled={3.0: tabled})
    assert seen == [["film1", "film2"], ["film0", "film2"]]  # film0 scored without film0's cells, then film1


def test_a_bad_detector_file_is_refused_naming_the_problem(tmp_path):
    path = tmp_path / DETECTOR_FILE
    Detector(CandidateSettings()).save(path)
    data = json.loads(path.read_text())
    for change, reason in (({"settings": {**data["settings"], "sise": 41}}, "unknown candidate settings"),
                           ({"settings": {**data["settings"], "size": 40}}, "odd"),
                           ({"format": "x"}, "not a detector file")):
        path.write_text(json.dumps({**data, **change}))
        with pytest.raises(DetectorError, match=reason):
            Detector.load(path)
    with pytest.raises(DetectorError, match="cannot read"):
        Detector.load(tmp_path / "missing.json")
    older = {key: value for key, value in data["settings"].items() if key != "max_grain"}  # before max_grain
    path.write_text(json.dumps({**data, "settings": older}))
    assert Detector.load(path).settings.max_grain is None
    wrong = fit_ensemble(np.random.default_rng(0).normal(size=(60, 2)), np.arange(60) % 2, None, ["n", "y"],
                         ["a", "b"], 0, FAST)
    with pytest.raises(DetectorError, match="features"):
        Detector(CandidateSettings(), wrong)


def test_without_a_rejector_the_peak_rule_decides():
    film, _ = blob_film([(100, 100, 6, 20), (300, 100, 6, 6)])
    detection = Detector(CandidateSettings(extent=3.0, peak=10.0)).detect(film)
    kept = detection.probability > 0.5
    assert kept.sum() == 1 and detection.candidates.mask(kept)[100, 100] == 1


def test_inspect_film_runs_the_detector_from_a_folder_that_holds_only_it(films, tmp_path):
    detector = train_rejector([(find_candidates(films[n][0]), films[n][1]) for n in ("film0", "film1")], 0, FAST)
    x = np.concatenate([find_candidates(films[n][0]).features for n in ("film0", "film1")])
    classifier = fit_ensemble(x, np.arange(len(x)) % 3, None, list(DEFECT_CLASSES), list(COMPONENT_FEATURES), 0, FAST)
    Detector(CandidateSettings(threshold=0.5), detector, classifier, {"trained_on": ["film0", "film1"]}).save(
        tmp_path / DETECTOR_FILE)
    models = FilmModels.load(tmp_path)
    assert models.classifier is None and models.detector is not None
    film, truth = films["film2"]
    result = inspect_film(film, models, FilmSettings(source="candidates"))
    assert result.windows == 0 and result.threshold == 0.5 and "candidates" in result.region_note
    assert result.mask.shape == film.shape and result.regions
    assert {r.cls for r in result.regions} <= set(DEFECT_CLASSES)
    assert np.logical_and(result.mask > 0, truth).sum() > 0
    with pytest.raises(FilmInspectError, match="only source 'candidates'"):
        inspect_film(film, models, FilmSettings(source="unet"))
    with pytest.raises(FilmInspectError, match="needs a detector"):
        inspect_film(film, FilmModels(None, None, 1.0), FilmSettings(source="candidates"))


def test_leave_one_out_never_chooses_on_the_scored_film():
    """Film a is best at level 1, films b, c and d at level 2: a is scored at 2."""
    truth = np.zeros((4, 4), bool)
    truth[0, 0] = True
    masks = {(name, level): truth if (name == "a") == (level == 1) else ~truth for name in "abcd" for level in (1, 2)}
    films = {name: (None, truth) for name in "abcd"}
    rows = leave_one_out_grid(films, [1, 2], lambda n, p: masks[(n, p)], lambda p: {"level": p})
    assert rows["a"]["chosen"] == {"level": 2} and rows["a"]["dice"] < 0.2
    assert rows["b"]["chosen"] == {"level": 2} and rows["b"]["dice"] == 1.0
    assert summarise(rows)["found"] == 3
    (line,) = summary_lines({"tophat": summarise(rows)}, {"tophat": rows})  # what the stages print
    assert line.startswith("tophat") and f"a {rows['a']['dice']:.3f} b 1.000" in line and "found" not in line


def test_cells_follow_the_table_and_score_like_an_inspector():
    flaws = FilmFlaws("RRT-1R", [Flaw(2, "2011", "porosity", 15.0, 3), Flaw(5, "5011", "other", 5.0, 4),
                                 Flaw(3, "1011", "crack", None, 5)], max_cells=6)
    truth = cell_truth(flaws, 6 * 248)
    assert truth == {1: frozenset(), 2: {"porosity"}, 3: {"porosity", "crack"}, 4: frozenset(), 5: None,
                     6: frozenset()}
    assert cells_hit([0, 247, 249, 1000]).tolist() == [1, 1, 2, 5]
    scores = precision_recall_f1(np.array([1, 1, 0, 0], bool), np.array([1, 0, 1, 0], bool))
    assert (scores["precision"], scores["recall"], scores["f1"]) == (0.5, 0.5, 0.5)
    assert every_cell_scores(np.array([1, 0, 0, 0], bool))["f1"] == 0.4


def test_the_contact_sheet_shows_found_missed_and_false():
    film, truth = blob_film([(100, 100, 6, 20), (300, 100, 6, 20)])
    pred = np.zeros_like(truth)
    pred[95:106, 95:106] = True  # the first disc found
    pred[150:160, 500:510] = True  # a false alarm
    cases = component_cases(pred, truth)
    assert [len(cases[k]) for k in ("found", "missed", "false")] == [1, 1, 1]
    sheet, counts = contact_sheet(film, pred, truth)
    assert counts == {"found": 1, "missed": 1, "false": 1} and sheet.ndim == 3 and sheet.shape[1] > 3 * 96
