"""The real-film detector's stages (masked, delineator, delineate, cells, model) on a small fake GDXray folder: three
synthetic hand-masked films, and the W0003 fixture folder of tests/films/test_films.py with its real-values.xls."""

import json
from dataclasses import replace

import numpy as np
import pytest
import yaml

from riawelc.images import write_png
from riawelc.inspect.detector import Detector
from riawelc.inspect.film import FilmModels, FilmSettings, inspect_film, read_film
from riawelc.synth.film import FilmSpec, generate_film
from stages.realfilms.detection import films_to_score
from tests.films.test_films import write_film_folder
from tests.stages.test_realfilms import ROOT, run_stage

MASKED = ["bam5", "RRT-12R", "RRT-22R"]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory, onnx_models):
    root = tmp_path_factory.mktemp("realfilms-detector")
    gdxray = root / "gdxray"
    for k, name in enumerate(MASKED, 1):
        film, mask, _ = generate_film(np.random.default_rng(20 + k), FilmSpec(height=360, width=1200, defects=5))
        write_png(gdxray / "W0001" / f"W0001_000{k}.png", film)
        write_png(gdxray / "W0002" / f"W0002_000{k}.png", mask * np.uint8(255))
    (gdxray / "W0001" / "W0001_readme.txt").write_text(
        "".join(f"W0001_0{k} {name}.tif\n" for k, name in enumerate(MASKED, 1)))
    write_film_folder(gdxray / "W0003")
    params = {
        "trees": {"films": str(gdxray / "W0003"), "options": "unused", "drawn_seed": 0},
        "masked": {"root": str(gdxray)},
        "detector": {"size": 41, "smooth": 1.0, "max_grain": 0.5, "min_area": 12, "extents": [3.0, 5.0],
                     "thresholds": [0.3, 0.6, 0.9], "peak_shares": [0.0, 0.2], "learn_from_table": True, "seed": 0,
                     "estimators": 20, "learning_rate": 0.1, "max_leaf_nodes": 7, "min_samples_leaf": 5},
        "baselines": {"tophat_sizes": [25, 41], "tophat_levels": [3.0, 6.0], "hysteresis_extents": [3.0, 5.0],
                      "hysteresis_peaks": [6.0, 12.0], "unet_models": str(onnx_models), "unet_thresholds": [0.3, 0.6]},
        "cells": {"folds": 2, "seeds": [0], "thresholds": [0.2, 0.6], "min_areas": [12, 60], "tophat_levels": [3.0, 20.0],
                  "class_estimators": 10, "cell_model_cs": [1.0]},
        "delineator": {"steps": 30, "batch_size": 4, "tile": 64, "learning_rate": 0.003, "filters": [4, 8, 16],
                       "centred": 0.5, "jitter": 16, "seed": 0, "threshold": 0.3, "radius": 5},
    }
    (root / "realfilms").mkdir()
    (root / "realfilms" / "params.yaml").write_text(yaml.safe_dump(params))
    for stage in ("masked", "delineator", "delineate", "cells", "model"):
        run_stage(root, f"stages.realfilms.{stage}")
    return root


def test_masked_stage_scores_every_method_leave_one_film_out(workspace):
    results = json.loads((workspace / "results-real/realfilms/masked.json").read_text())
    assert set(results["summary"]) == {"detector", "hysteresis", "tophat", "unet"}
    for method, rows in results["per_film"].items():
        assert set(rows) == set(MASKED), method
        for row in rows.values():
            assert 0 <= row["dice"] <= 1 and row["components"] > 0 and "chosen" in row
    summary = results["summary"]["detector"]
    assert summary["mean_dice"] == pytest.approx(np.mean([r["dice"] for r in results["per_film"]["detector"].values()]),
                                                 abs=1e-4)
    out = workspace / "realfilms/out/masked"
    for name in MASKED:  # each film's detector never saw it; its sheet and mask are written
        held_out = Detector.load(out / f"detector-{name}.json")
        card, chosen = held_out.card, results["per_film"]["detector"][name]["chosen"]
        assert card["held_out"] == name and name not in card["trained_on"] and len(card["trained_on"]) == 2
        assert held_out.settings.peak_share == chosen["peak_share"] in (0.0, 0.2)  # from the params' grid
        assert set(card["crossfit"]) == {f"{e:g}/{t:g}/{s:g}" for e in (3, 5) for t in (0.3, 0.6, 0.9)
                                         for s in (0, 0.2)}
        assert (out / "sheets" / f"{name}.png").is_file() and (out / "masks" / f"{name}.png").is_file()
    assert Detector.load(out / "detector-all.json").card["trained_on"] == sorted(MASKED)
    cells = json.loads((workspace / "results-real/realfilms/cells.json").read_text())
    tabled = {n for n, f in cells["films_scored"].items() if f["region"] != "unreadable"}
    assert tabled and set(Detector.load(out / "detector-all.json").card["table_films"]) == tabled
    for name in MASKED:  # learning from the table's cells too, but never from the held-out film's own
        assert set(Detector.load(out / f"detector-{name}.json").card["table_films"]) == tabled - {name}
    final = Detector.load(out / "detector-all.json")
    for name in tabled - set(MASKED):  # every tabled film: the final detector without the film's cells
        detector = Detector.load(out / f"detector-{name}.json")
        taught = set(detector.card["table_films"]) == tabled - {name}
        alone = detector.card["table_films"] == [] and "both clean and defect" in detector.card.get("table_note", "")
        assert detector.card["held_out"] == name and (taught or alone)  # alone: the other films cannot teach
        assert detector.settings == final.settings and len(detector.rejector.stages) == (4 if taught else 3) * 20
    points = results["detector_operating_points"]["points"]  # the recall / false-alarm curve, film by film held out
    assert [pt["threshold"] for pt in points] == [0.3, 0.6, 0.9]
    assert all(a["false_components_per_film"] >= b["false_components_per_film"] and a["found"] >= b["found"]
               for a, b in zip(points, points[1:]))  # a higher threshold keeps a subset
    per_film = results["per_film"]["detector"]
    if len({row["chosen"]["threshold"] for row in per_film.values()}) == 1:  # one threshold everywhere: its point
        at = next(pt for pt in points if pt["threshold"] == next(iter(per_film.values()))["chosen"]["threshold"])
        assert at["mean_dice"] == summary["mean_dice"]


def test_delineate_stage_outlines_each_held_out_detectors_regions(workspace):
    results = json.loads((workspace / "results-real/realfilms/delineated.json").read_text())
    masked = json.loads((workspace / "results-real/realfilms/masked.json").read_text())
    trained, out = workspace / "realfilms/out/delineator", workspace / "realfilms/out/delineated"
    for name in MASKED:
        before = results["per_film"]["detector"][name]
        assert before["dice"] == masked["per_film"]["detector"][name]["dice"]  # the masked stage's held-out masks
        after = results["per_film"]["delineated"][name]
        assert after["predicted_px"] >= before["predicted_px"]  # it only adds pixels
        assert after["intersection_px"] >= before["intersection_px"]
        assert (trained / f"delineator-{name}.onnx").is_file() and (out / "sheets" / f"{name}.png").is_file()
        mask = read_film(out / "masks" / f"{name}.png") > 0
        assert int(mask.sum()) == after["predicted_px"]
    entry = json.loads((trained / "delineation.json").read_text())
    assert entry["trained_on"] == sorted(MASKED) and entry["threshold"] == 0.3 and entry["radius"] == 5
    assert results["summary"]["delineated"]["mean_dice"] == pytest.approx(
        np.mean([r["dice"] for r in results["per_film"]["delineated"].values()]), abs=1e-4)


def test_cells_stage_scores_the_tabled_films_beside_the_trivial_predictor(workspace):
    cells = json.loads((workspace / "results-real/realfilms/cells.json").read_text())
    scored = cells["defect_vs_none"]
    p = cells["prevalence"]
    assert scored["every_cell"]["f1"] == pytest.approx(2 * p / (1 + p), abs=1e-3)
    assert set(scored) == {"detector", "tophat", "cell_model", "every_cell", "hand_masks"}
    for run in scored["cell_model"]["runs"]:  # C and threshold chosen inside each fold's training films
        assert all(c == 1.0 and 0.1 <= t <= 0.9 for c, t in run["chosen"]) and len(run["chosen"]) == 2
        assert run["tp"] + run["fn"] == run["positives"] and run["cells"] == cells["cells"]
    for c, scores in cells["per_class"].items():  # the inspection's cell calls, classed, per class and seed
        assert len(scores["cell_model_runs"]) == 1 and scores["cell_model_runs"][0]["cells"] == cells["cells"]
        assert scores["cell_model_f1_mean"] == scores["cell_model_runs"][0]["f1"]
    assert "RRT-30R" in cells["films_scored"] and cells["cells"] == sum(f["cells"] for f in cells["films_scored"].values())
    notes = " ".join(cells["notes"])
    assert "RRT-40R: left out" in notes  # its rows are unusable
    assert "RRT-88R: unreadable" in notes  # a film the inspection cannot read: its cells count as missed
    assert cells["films_scored"]["RRT-88R"]["region"] == "unreadable"


def test_model_stage_writes_a_detector_the_inspection_loads_with_its_card(workspace):
    path = workspace / "realfilms/out/models/detector.json"
    detector = Detector.load(path)
    card = detector.card
    assert card["rejector_trained_on"] == sorted(MASKED)
    delineated = json.loads((workspace / "results-real/realfilms/delineated.json").read_text())["summary"]
    assert card["scores"]["masked_films_leave_one_film_out"] == delineated["delineated"]
    assert card["scores"]["masked_films_before_delineation"] == delineated["detector"]
    assert detector.delineation["file"] == "delineator.onnx" and (path.parent / "delineator.onnx").is_file()
    assert card["delineator_trained_on"]["films"] == sorted(MASKED)
    assert FilmModels.load(path.parent).delineator.radius == 5  # the folder the service loads carries it
    assert detector.classifier is None or detector.classifier.classes == ["crack", "lack_of_penetration", "porosity"]
    assert "classifier_trained_on" in card and "labels" in card["classifier_trained_on"]
    cells = json.loads((workspace / "results-real/realfilms/cells.json").read_text())
    trained = card["cell_model_trained_on"]  # the cell model: every readable tabled film's cells
    readable = sorted(n for n, f in cells["films_scored"].items() if f["region"] != "unreadable")
    assert trained["films"] == readable and "RRT-88R" not in trained["films"]
    assert trained["cells"] == sum(cells["films_scored"][n]["cells"] for n in readable)
    assert trained["C"] == 1.0 and detector.cell_model.threshold == trained["threshold"]
    assert card["scores"]["cells_film_cv_f1"] == cells["defect_vs_none"]["cell_model"]["f1_mean"]
    assert card["scores"]["cells_region_rule_f1"] == cells["defect_vs_none"]["detector"]["f1_mean"]
    stored = np.load(workspace / "realfilms/out/cells/candidates.npz")
    features = np.concatenate([stored[f"{n}/cell_features"] for n in readable])
    truth = np.concatenate([stored[f"{n}/cell_truth"] for n in readable])
    p = detector.cell_model.probabilities(features)
    assert p[truth].mean() > p[~truth].mean()  # fitted on these cells: it ranks their defect cells higher
    # The cells stage scores what the inspection computes: RRT-30R's table cells through inspect_film, with the
    # rejector that never learned from RRT-30R's cells (the one the cells stage scored it with).
    paths, _ = films_to_score(workspace / "gdxray" / "W0003", str(workspace / "gdxray"))
    film = read_film(paths["RRT-30R"])  # the file the stage read for it (the readme names two)
    held_out = Detector.load(workspace / "realfilms/out/masked/detector-RRT-30R.json").rejector
    inspected = inspect_film(film, FilmModels(None, None, 1.0, detector=replace(detector, rejector=held_out)),
                             FilmSettings(source="candidates"))
    scored = stored["RRT-30R/cells"]
    assert [c.cell for c in inspected.cells] == list(range(1, len(inspected.cells) + 1))
    assert set(scored.tolist()) <= {c.cell for c in inspected.cells}  # the table's cells (one left out: other flaws)
    np.testing.assert_allclose([inspected.cells[k - 1].probability for k in scored],
                               detector.cell_model.probabilities(stored["RRT-30R/cell_features"]), atol=5e-5)


def test_the_delineator_stage_refuses_a_bad_smoothing_before_it_trains(tmp_path):
    """It reads only detector.smooth and detector.max_grain of the detector's section, and checks them."""
    import os
    import subprocess
    import sys

    params = {"masked": {"root": str(tmp_path / "gdxray")}, "detector": {"smooth": 1.0, "max_grain": 0.0},
              "delineator": {"steps": 30, "batch_size": 4, "tile": 64, "learning_rate": 0.003, "filters": [4, 8, 16],
                             "centred": 0.5, "jitter": 16, "seed": 0, "threshold": 0.3, "radius": 5}}
    (tmp_path / "realfilms").mkdir()
    (tmp_path / "realfilms" / "params.yaml").write_text(yaml.safe_dump(params))
    result = subprocess.run([sys.executable, "-m", "stages.realfilms.delineator"], cwd=tmp_path, text=True,
                            capture_output=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode != 0 and "detector.max_grain must be" in result.stderr
    assert not (tmp_path / "realfilms" / "out").exists()  # nothing written
