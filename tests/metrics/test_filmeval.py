"""Annotated films: the synthetic films of the sample, the GDXray-layout reader, and scoring a film against its
mask beside the top-hat baseline (with the fake models of test_filminspect: their U-Net marks dark pixels)."""

import cv2
import numpy as np
import pytest

from riawelc.constants import DEFECT_CLASSES, PATCH_SIZE
from riawelc.metrics.film import TOPHAT_SIGMAS, best_threshold
from riawelc.metrics.annotated import AnnotatedError, load_pair, read_annotated
from riawelc.metrics.filmeval import (
    PROBABILITY_GRID,
    SIGMA_GRID,
    TOPHAT,
    evaluate_film,
    film_maps,
    leave_one_film_out,
    mean_scores,
    score_film,
    true_mask_patches,
    validation_thresholds,
)
from riawelc.synth.film import FilmSpec, generate_film, write_films
from tests.inspect.test_filminspect import band_film, fake_models


def test_synthetic_films_repeat_for_a_seed_and_masks_lie_in_the_defect_windows(tmp_path):
    spec = FilmSpec(height=400, width=1200, defects=3)
    film, mask, placed = generate_film(np.random.default_rng(3), spec)
    again, mask_again, _ = generate_film(np.random.default_rng(3), spec)
    assert film.shape == mask.shape == (400, 1200) and film.dtype == np.uint8
    assert np.array_equal(film, again) and np.array_equal(mask, mask_again)
    assert len(placed) == 3 and all(label in DEFECT_CLASSES for label, _, _ in placed)
    inside = np.zeros_like(mask, bool)
    for _, x0, y0 in placed:
        inside[y0:y0 + PATCH_SIZE, x0:x0 + PATCH_SIZE] = True
        assert mask[y0:y0 + PATCH_SIZE, x0:x0 + PATCH_SIZE].sum() >= 12  # every defect shows
    assert mask.sum() > 0 and not mask[~inside].any()
    # Defects are darker than the film right around them: they were drawn by subtracting.
    ring = (cv2.dilate(mask, np.ones((9, 9), np.uint8)) > 0) & (mask == 0)
    assert film[mask > 0].mean() < film[ring].mean() - 5

    summary = write_films(tmp_path / "a", count=2, seed=5, spec=spec)
    write_films(tmp_path / "b", count=2, seed=5, spec=spec)
    for sub in ("W0001/W0001_0001.png", "W0001/W0001_0002.png", "W0002/W0002_0002.png"):
        assert (tmp_path / "a" / sub).read_bytes() == (tmp_path / "b" / sub).read_bytes()
    assert [f["name"] for f in summary["films"]] == ["synth-film-1", "synth-film-2"]
    films, notes = read_annotated(tmp_path / "a")
    assert [f.name for f in films] == ["synth-film-1", "synth-film-2"] and notes == []
    film, truth = load_pair(films[1])
    assert truth.sum() == summary["films"][1]["defect_px"]


def _annotated_tree(root, films: dict[int, tuple]) -> None:
    (root / "W0001").mkdir(parents=True)
    (root / "W0002").mkdir()
    for number, (film, mask) in films.items():
        cv2.imwrite(str(root / "W0001" / f"W0001_{number:04d}.png"), film)
        if mask is not None:
            cv2.imwrite(str(root / "W0002" / f"W0002_{number:04d}.png"), mask)


def test_reader_names_films_from_the_readme_and_reports_what_it_leaves_out(tmp_path):
    film = np.full((50, 60), 120, np.uint8)
    _annotated_tree(tmp_path, {1: (film, np.zeros_like(film)), 2: (film, None), 3: (film, np.zeros((40, 60), np.uint8))})
    (tmp_path / "W0001" / "W0001_readme.txt").write_text(
        "Original X-ray images\nW0001_01 bam5.tif\nW0001_02 RRT-12R_M.tif\nW0001_03 RRT-22R_M.tif\n"
        "Ideal segmentation\nW0002_01 bam5.tif\nW0001_03 other.tif\n")
    (tmp_path / "W0001" / "notes.png").write_bytes(b"not a film name")
    films, notes = read_annotated(tmp_path)
    assert [f.name for f in films] == ["bam5", "RRT-22R"]
    assert notes == ["W0001_0002.png (RRT-12R): no mask W0002_0002.png, left out"]
    with pytest.raises(AnnotatedError, match="RRT-22R: film W0001_0003.png is 60 x 50 px but its mask"):
        load_pair(films[1])


def test_reader_refuses_a_folder_that_is_not_annotated(tmp_path):
    with pytest.raises(AnnotatedError, match="W0001 is missing"):
        read_annotated(tmp_path)
    _annotated_tree(tmp_path, {1: (np.zeros((10, 10), np.uint8), None)})
    with pytest.raises(AnnotatedError, match="no W0001_000k.png film with a mask"):
        read_annotated(tmp_path)


def spotted_film():
    """A seam band with three dark spots (the truth); the fake U-Net marks exactly the dark pixels."""
    film = band_film(height=400, width=900)
    truth = np.zeros(film.shape, bool)
    for y, x in ((195, 150), (205, 450), (200, 700)):
        cv2.circle(film, (x, y), 6, 40, -1)
        cv2.circle(truth.view(np.uint8), (x, y), 6, 1, -1)
    return film, truth


def test_a_film_is_scored_for_each_method_over_the_same_pixels():
    film, truth = spotted_film()
    scores, masks = evaluate_film(film, truth, fake_models(), ["unet", "cam"], {})
    assert set(scores) == set(masks) == {"unet", "cam", TOPHAT}
    unet = scores["unet"]
    assert unet["dice"] > 0.95 and unet["component_recall"]["all"] == {"found": 3, "total": 3, "recall": 1.0}
    assert unet["false_positives"]["all"] == 0 and unet["truth_inspected_share"] == 1.0
    assert unet["threshold"] == 0.5  # the card's, as none was chosen
    assert scores[TOPHAT]["threshold"] == TOPHAT_SIGMAS and scores[TOPHAT]["component_recall"]["all"]["found"] == 3
    assert scores["cam"]["dice"] < unet["dice"]  # the 14 x 14 CAM grid is coarser than the dark pixels
    # Thresholds passed in are used as they are (a top-hat level nothing reaches finds nothing).
    strict, _ = evaluate_film(film, truth, fake_models(), ["unet", "cam"], {"unet": 0.999, TOPHAT: 1000.0})
    assert strict["unet"]["threshold"] == 0.999 and strict[TOPHAT]["predicted_px"] == 0
    assert strict[TOPHAT]["dice"] == 0.0 and strict[TOPHAT]["component_recall"]["all"]["found"] == 0

    mean = mean_scores({"a": scores, "b": strict})
    assert mean[TOPHAT]["dice"] == pytest.approx(scores[TOPHAT]["dice"] / 2, abs=1e-4)
    assert mean["unet"]["defects"] == 6 and mean["unet"]["defects_found"] == 6


def test_validation_thresholds_and_true_mask_patches():
    rng = np.random.default_rng(0)
    patches = np.full((4, PATCH_SIZE, PATCH_SIZE, 1), 180, np.uint8)
    truths = np.zeros((4, PATCH_SIZE, PATCH_SIZE), np.uint8)
    for k in range(2):
        patches[k, 100:110, 100:110] = 40
        truths[k, 100:110, 100:110] = 1
    patches = np.clip(patches + rng.normal(0, 2, patches.shape), 0, 255).astype(np.uint8)
    chosen = validation_thresholds(fake_models(), patches, truths, ["unet", "cam_dark"])
    assert set(chosen) == {"unet", TOPHAT}  # cam_dark has no per-window score to tune
    assert chosen["unet"][1] == pytest.approx(1.0) and chosen[TOPHAT][1] > 0.5

    rows = [{"path": "a", "mask": "m", "label": "crack"}, {"path": "b", "mask": "", "label": "no_defect"}]
    read = lambda paths: np.zeros((len(paths), PATCH_SIZE, PATCH_SIZE, 1), np.uint8)  # noqa: E731
    found = true_mask_patches(rows, read, lambda path: np.ones((PATCH_SIZE, PATCH_SIZE), np.uint8))
    assert found is not None and found[1][0].all() and not found[1][1].any()
    rows[0]["mask"] = ""  # a defect patch without its mask: the truth is unknown, so no val thresholds
    assert true_mask_patches(rows, read, None) is None


def test_leave_one_film_out_scores_each_film_at_thresholds_chosen_on_the_others():
    film, truth = spotted_film()
    faint = film.copy()
    faint[truth] = 95  # the same spots, barely darker than the 100 the fake U-Net needs: another best level
    maps = {"dark": film_maps(film, fake_models(), ["unet"]), "faint": film_maps(faint, fake_models(), ["unet"])}
    truths = {"dark": truth, "faint": truth}
    chosen = leave_one_film_out(maps, truths)
    for name, other in (("dark", "faint"), ("faint", "dark")):
        assert chosen[name][TOPHAT] == best_threshold([maps[other].scores[TOPHAT]], [truth], SIGMA_GRID)[0]
        assert chosen[name]["unet"] == best_threshold([maps[other].scores["unet"]], [truth], PROBABILITY_GRID)[0]
    assert chosen["dark"][TOPHAT] != chosen["faint"][TOPHAT]
    scores, masks = score_film(maps["dark"], truth, chosen["dark"])
    assert scores[TOPHAT]["threshold"] == chosen["dark"][TOPHAT] and masks[TOPHAT].dtype == np.uint8
    with pytest.raises(AnnotatedError, match="at least 2 annotated films"):
        leave_one_film_out({"dark": maps["dark"]}, truths)
