"""The delineator: its input maps, its training and ONNX export (parity with Keras, same params same weights), the
outline it adds to kept regions (only near them, box by box as on the whole film), the detector file's entry for it,
and inspect_film running it from a model folder."""

import json
import subprocess
import sys

import cv2
import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from riawelc.digest import sha256_of
from riawelc.inspect.candidates import CandidateSettings
from riawelc.inspect.delineator import (DELINEATOR_FILE, Delineator, DelineatorError, delineator_maps,
                                        delineator_of, near)
from riawelc.inspect.detector import DETECTOR_FILE, Detector, DetectorError
from riawelc.inspect.film import FilmInspectError, FilmModels, FilmSettings, inspect_film
from riawelc.learn.delineator import DelineatorParams, export_delineator, train_delineator
from tests.inspect.test_detector import blob_film

SPOTS = [(80, 60, 5, 25), (260, 130, 7, 18), (420, 70, 4, 30), (520, 140, 6, 22)]
TINY = DelineatorParams(steps=150, batch_size=8, tile=64, learning_rate=0.003, filters=(8, 16, 16), jitter=16)


def outlined_film(spots, seed):
    """A blob film whose truth is each disc grown by 2 px: a rim the dark core alone does not give."""
    film, core = blob_film(spots, shape=(200, 600), seed=seed)
    return film, cv2.dilate(core.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    films = [outlined_film(SPOTS, 0), outlined_film([(x + 20, y, r, d) for x, y, r, d in SPOTS], 1)]
    model = train_delineator([(delineator_maps(f, 1.0), t) for f, t in films], TINY, log=lambda *_: None)
    path = export_delineator(model, tmp_path_factory.mktemp("delineator") / DELINEATOR_FILE)
    return model, path


def test_the_maps_see_dark_spots_and_refuse_a_bad_film():
    film, _ = blob_film([(100, 100, 6, 20)])
    maps = delineator_maps(film, 1.0)
    assert maps.shape == (*film.shape, 2) and maps.dtype == np.float32
    assert maps[100, 100, 0] > 1.5 and abs(maps[100, 400, 0]) < 0.5  # the top-hat channel, in units of 10 levels
    assert maps[100, 100, 1] < -0.5  # darker than its background
    assert np.abs(maps).max() <= 3.0
    with pytest.raises(ValueError, match="uint8"):
        delineator_maps(film.astype(np.float32), 1.0)


@pytest.mark.parametrize("smooth", [0.0, 1.0, 3.0])
def test_a_box_s_maps_are_the_whole_film_s_maps_there(smooth):
    film, _ = blob_film([(x, y, 5, 25) for x in range(60, 900, 110) for y in (90, 200, 330)], shape=(420, 900))
    whole = delineator_maps(film, smooth)
    for y0, y1, x0, x1 in [(0, 40, 0, 50), (150, 260, 300, 420), (380, 420, 860, 900), (0, 420, 450, 470)]:
        np.testing.assert_allclose(delineator_maps(film, smooth, (y0, y1, x0, x1)), whole[y0:y1, x0:x1], atol=1e-5)
    # the context is what makes them equal: a box cut without it differs
    assert not np.allclose(delineator_maps(film[150:260, 300:420], smooth), whole[150:260, 300:420], atol=1e-3)


def test_the_onnx_delineator_computes_what_keras_does_and_learns_the_rim(trained):
    model, path = trained
    film, truth = outlined_film(SPOTS, 2)
    maps = delineator_maps(film, 1.0)
    delineator = Delineator.load(path)
    probability = delineator.probabilities(maps)
    np.testing.assert_allclose(probability, model.predict(maps[None], verbose=0)[0, :, :, 0], atol=1e-4)
    assert probability[truth].mean() > probability[~near(truth, 10)].mean() + 0.3
    graph = onnx.load(str(path)).graph  # named input, output and dimensions (riawelc.deploy.export's helpers)
    assert [v.name for v in graph.input] == ["maps"] and [v.name for v in graph.output] == ["outline"]
    for value in (*graph.input, *graph.output):
        assert [d.dim_param for d in value.type.tensor_type.shape.dim[:3]] == ["batch", "height", "width"]


def test_an_outline_apart_from_every_kept_region_is_dropped(trained):
    _, path = trained
    film, _ = outlined_film([(100, 100, 6, 25), (112, 100, 2, 25)], 5)  # a small spot 6 px right of a disc's edge
    kept = np.zeros(film.shape, bool)
    cv2.circle(kept.view(np.uint8), (100, 100), 3, 1, -1)  # only the big disc's core is kept
    grown = Delineator.load(path, threshold=0.5, radius=12).outline(film, 1.0, kept)
    count, labels = cv2.connectedComponents(grown.astype(np.uint8))
    assert count == 2  # one region: the kept core and whatever outline touches it


def test_the_outline_adds_pixels_only_near_kept_regions_as_the_whole_film_would(trained):
    _, path = trained
    film, truth = outlined_film(SPOTS, 3)
    kept = cv2.erode(truth.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0  # the dark cores
    delineator = Delineator.load(path, threshold=0.5, radius=4)
    out = delineator.outline(film, 1.0, kept)
    assert (out & kept).sum() == kept.sum() and not (out & ~near(kept, 4)).any()
    count, labels = cv2.connectedComponents(out.astype(np.uint8))
    assert set(np.unique(labels[out])) == set(np.unique(labels[kept]))  # every outline joins a kept region
    grown = kept | ((delineator.probabilities(delineator_maps(film, 1.0)) > 0.5) & near(kept, 4))
    count, labels = cv2.connectedComponents(grown.astype(np.uint8))
    whole = np.isin(labels, np.unique(labels[kept])) & grown
    assert (out != whole).sum() <= 0.001 * near(kept, 4).sum()  # box by box, as on the whole film
    assert (out & truth).sum() > (kept & truth).sum()  # it draws some of the rim
    assert np.array_equal(Delineator.load(path, radius=0).outline(film, 1.0, kept), kept)
    assert not delineator.outline(film, 1.0, np.zeros_like(kept)).any()


TRAIN_IN_A_PROCESS = """
import hashlib, sys
import numpy as np
from riawelc.learn.delineator import DelineatorParams, train_delineator
rng = np.random.default_rng(1)
films = [(rng.normal(size=(300, 400, 2)).astype(np.float32), rng.random((300, 400)) > 0.9) for _ in range(2)]
model = train_delineator(films, DelineatorParams(steps=4), log=lambda *_: None)
print(hashlib.sha256(b"".join(w.tobytes() for w in model.get_weights())).hexdigest())
"""


def test_same_params_give_the_same_delineator_in_another_process():
    """The stage's size of network and tile: run as a graph, two processes gave two sets of weights (three of three
    differed after 4 steps); one process retraining twice could not see it."""
    digests = [subprocess.run([sys.executable, "-c", TRAIN_IN_A_PROCESS], capture_output=True, text=True, check=True,
                              timeout=300).stdout.strip() for _ in range(2)]
    assert len(digests[0]) == 64 and digests[0] == digests[1]


def test_same_params_same_delineator(tmp_path):
    film, truth = outlined_film(SPOTS, 0)
    params = DelineatorParams(steps=5, batch_size=2, tile=64, filters=(4, 4, 4))
    a, b = (export_delineator(train_delineator([(delineator_maps(film, 1.0), truth)], params, log=lambda *_: None),
                              tmp_path / name) for name in ("a.onnx", "b.onnx"))
    assert a.read_bytes() == b.read_bytes()


def test_bad_training_settings_and_films_are_refused():
    with pytest.raises(ValueError, match="multiple of 4"):
        DelineatorParams(tile=66)
    with pytest.raises(ValueError, match="centred"):
        DelineatorParams(centred=1.5)
    film, truth = outlined_film(SPOTS, 0)
    with pytest.raises(ValueError, match="smaller than a 256-px tile"):
        train_delineator([(delineator_maps(film, 1.0), truth)], DelineatorParams(tile=256))
    with pytest.raises(ValueError, match="do not match"):
        train_delineator([(delineator_maps(film, 1.0), truth[:100])], TINY)
    with pytest.raises(ValueError, match="at least one"):
        train_delineator([], TINY)


def test_a_bad_delineator_file_is_refused_naming_it(tmp_path, trained):
    _, path = trained
    with pytest.raises(DelineatorError, match="no such delineator file"):
        Delineator.load(tmp_path / "missing.onnx")
    (tmp_path / "junk.onnx").write_bytes(b"not onnx")
    with pytest.raises(DelineatorError, match="junk.onnx: cannot load"):
        Delineator.load(tmp_path / "junk.onnx")
    with pytest.raises(DelineatorError, match="sha256"):
        Delineator.load(path, sha256="0" * 64)
    graph = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "other",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])])
    onnx.save(helper.make_model(graph), str(tmp_path / "other.onnx"))
    with pytest.raises(DelineatorError, match="not a delineator"):
        Delineator.load(tmp_path / "other.onnx")
    with pytest.raises(DelineatorError, match="threshold"):
        Delineator(None, threshold=1.5)


def test_the_detector_file_names_its_delineator_and_inspect_film_runs_it(tmp_path, trained):
    _, path = trained
    folder = tmp_path / "models"
    folder.mkdir()
    (folder / DELINEATOR_FILE).write_bytes(path.read_bytes())
    entry = {"file": DELINEATOR_FILE, "threshold": 0.5, "radius": 4, "sha256": sha256_of(path)}
    settings = CandidateSettings(extent=3.0, peak=10.0, threshold=0.5)
    Detector(settings, delineation=entry).save(folder / DETECTOR_FILE)
    assert Detector.load(folder / DETECTOR_FILE).delineation == entry
    models = FilmModels.load(folder)
    assert models.delineator is not None and models.delineator.radius == 4
    film, truth = outlined_film(SPOTS, 4)
    plain = inspect_film(film, FilmModels(None, None, 1.0, detector=models.detector), FilmSettings(source="candidates"))
    outlined = inspect_film(film, models, FilmSettings(source="candidates"))
    before, after = plain.mask > 0, outlined.mask > 0
    assert after.sum() > before.sum() and (after & before).sum() == before.sum()
    assert not (after & ~near(before, 4)).any()
    assert (after & truth).sum() > (before & truth).sum()
    assert len(outlined.regions) == len(plain.regions)  # outlines join the regions they border
    assert np.all(outlined.probability[after & ~before] > outlined.threshold)
    (folder / DELINEATOR_FILE).write_bytes(b"changed")
    with pytest.raises(FilmInspectError, match="sha256"):
        FilmModels.load(folder)
    (folder / DELINEATOR_FILE).unlink()
    with pytest.raises(FilmInspectError, match="no such delineator file"):
        FilmModels.load(folder)


def test_delineator_of_loads_the_entry_s_file_checked_and_a_held_out_file_with_its_settings(tmp_path, trained):
    _, path = trained
    (tmp_path / DELINEATOR_FILE).write_bytes(path.read_bytes())
    (tmp_path / "delineator-held-out.onnx").write_bytes(path.read_bytes())
    entry = {"file": DELINEATOR_FILE, "threshold": 0.7, "radius": 5, "sha256": sha256_of(path)}
    assert delineator_of(None, tmp_path) is None  # a detector without a delineator
    shipped = delineator_of(entry, tmp_path)
    held_out = delineator_of(entry, tmp_path, file="delineator-held-out.onnx")
    assert (shipped.threshold, shipped.radius) == (held_out.threshold, held_out.radius) == (0.7, 5)
    (tmp_path / DELINEATOR_FILE).write_bytes(b"changed")
    with pytest.raises(DelineatorError, match="sha256"):
        delineator_of(entry, tmp_path)
    with pytest.raises(DelineatorError, match="no such delineator file"):
        delineator_of(entry, tmp_path, file="missing.onnx")


@pytest.mark.parametrize("change, reason", [
    ({"file": "../delineator.onnx"}, "file name beside"),
    ({"threshold": 2}, "threshold"),
    ({"radius": -1}, "radius"),
    ({"radius": 2.5}, "radius"),
    ({"sha256": "abc"}, "sha256"),
])
def test_a_bad_delineation_entry_is_refused_naming_the_problem(tmp_path, change, reason):
    entry = {"file": DELINEATOR_FILE, "threshold": 0.5, "radius": 9, "sha256": "0" * 64}
    path = tmp_path / DETECTOR_FILE
    Detector(CandidateSettings(), delineation=entry).save(path)
    data = json.loads(path.read_text())
    path.write_text(json.dumps({**data, "delineation": {**entry, **change}}))
    with pytest.raises(DetectorError, match=reason):
        Detector.load(path)
    path.write_text(json.dumps({key: value for key, value in data.items() if key != "delineation"}))
    assert Detector.load(path).delineation is None  # a detector file from before the delineator
