"""Composite patches: synthetic defects with true masks on real-looking film windows (riawelc.synth.composite)."""

import cv2
import numpy as np
import pytest
from typer.testing import CliRunner

from riawelc.cli import app
from riawelc.constants import CLASSES, DEFECT_CLASSES, NO_DEFECT, PATCH_SIZE
from riawelc.data.dataset import scan_tree
from riawelc.metrics.film import noise_sigma
from riawelc.synth.composite import CompositeError, add_defect, write_composite


def grainy_window(seed: int = 0, level: float = 150, grain: float = 3.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.clip(level + rng.normal(0, grain, (PATCH_SIZE, PATCH_SIZE)), 0, 255).astype(np.uint8)


@pytest.mark.parametrize("label", DEFECT_CLASSES)
def test_a_defect_is_darker_than_the_grain_where_its_mask_is(label):
    window = grainy_window()
    image, mask = add_defect(window, label, np.random.default_rng(1))
    assert image.shape == window.shape and image.dtype == np.uint8 and mask.sum() >= 12
    drop = window.astype(float) - image.astype(float)
    sigma = noise_sigma(window)
    assert drop[mask > 0].mean() > 2 * sigma  # at least a few grain sigmas where the mask says defect
    far = cv2.dilate(mask, np.ones((15, 15), np.uint8)) == 0
    assert np.abs(drop[far]).max() == 0  # nothing changes away from the defect
    again, mask_again = add_defect(window, label, np.random.default_rng(1))
    assert np.array_equal(image, again) and np.array_equal(mask, mask_again)


def _masks(label, shapes, count=30):
    window = grainy_window()
    return [add_defect(window, label, np.random.default_rng(seed), shapes=shapes)[1] for seed in range(count)]


def _components(mask):
    return cv2.connectedComponents(mask)[0] - 1


def test_film_shaped_cracks_run_across_the_seam_and_break_as_the_real_ones_do():
    def tall(mask):
        rows, cols = np.nonzero(mask)
        return np.ptp(rows) > np.ptp(cols)

    film, sample = _masks("crack", "film"), _masks("crack", "sample")
    assert np.mean([tall(m) for m in film]) >= 0.3 > np.mean([tall(m) for m in sample])
    assert np.mean([_components(m) >= 2 for m in film]) >= 0.5 > np.mean([_components(m) >= 2 for m in sample])


def test_film_shaped_lack_of_penetration_is_a_wider_broken_band_off_the_centre_row():
    film, sample = _masks("lack_of_penetration", "film"), _masks("lack_of_penetration", "sample")
    centre_rows = [np.nonzero(m)[0].mean() for m in film]
    assert np.std(centre_rows) > 8 > np.std([np.nonzero(m)[0].mean() for m in sample])
    assert np.mean([_components(m) >= 2 for m in film]) >= 0.4 and all(_components(m) == 1 for m in sample)
    heights = [np.median(m.sum(axis=0)[m.sum(axis=0) > 0]) for m in film]
    assert 5 <= np.median(heights) <= 15
    window = grainy_window()
    image, mask = add_defect(window, "lack_of_penetration", np.random.default_rng(2), shapes="film")
    assert (window.astype(float) - image)[mask > 0].mean() > noise_sigma(window)
    with pytest.raises(ValueError, match="shapes must be one of"):
        add_defect(window, "crack", np.random.default_rng(0), shapes="drawn")


def test_darkness_follows_the_grain():
    quiet, noisy = grainy_window(grain=1.5), grainy_window(grain=6.0)
    drops = []
    for window in (quiet, noisy):
        image, mask = add_defect(window, "porosity", np.random.default_rng(4))
        drops.append((window.astype(float) - image)[mask > 0].mean())
    assert drops[1] > 2 * drops[0]


def test_add_defect_refuses_a_window_of_the_wrong_shape():
    with pytest.raises(ValueError, match="227 x 227 uint8"):
        add_defect(grainy_window()[..., None], "crack", np.random.default_rng(0))


def _film_tree(root, count=8):
    folder = root / NO_DEFECT
    folder.mkdir(parents=True)
    names = [f"RRT-{900 + k % 2}R_Img1_W227_S114_[0][{k}].png" for k in range(count)]
    for k, name in enumerate(names):
        cv2.imwrite(str(folder / name), grainy_window(seed=k))
    (root / "porosity").mkdir()  # the weakly labelled defect windows are not used
    cv2.imwrite(str(root / "porosity" / "RRT-900R_Img1_W227_S114_[0][99].png"), grainy_window(seed=99))
    return names


def test_the_tree_deals_every_background_once_and_masks_the_defect_ones(tmp_path):
    names = _film_tree(tmp_path / "films")
    summary = write_composite(tmp_path / "films", tmp_path / "out", seed=3)
    assert summary["per_class"] == {name: 2 for name in CLASSES} and summary["films"] == 2
    scan = scan_tree(tmp_path / "out")
    assert sorted(p.path.name for p in scan.patches) == sorted(names) and not scan.rejects
    for patch in scan.patches:
        assert (patch.path.name in scan.masks) == (patch.label != NO_DEFECT), patch
        if patch.label == NO_DEFECT:  # kept as it was
            assert patch.path.read_bytes() != b"" and np.array_equal(
                cv2.imread(str(patch.path), 0), cv2.imread(str(tmp_path / "films" / NO_DEFECT / patch.path.name), 0))
    write_composite(tmp_path / "films", tmp_path / "again", seed=3)
    for patch in scan.patches:
        twin = tmp_path / "again" / patch.label / patch.path.name
        assert twin.read_bytes() == patch.path.read_bytes()
    with pytest.raises(FileExistsError, match="not empty"):
        write_composite(tmp_path / "films", tmp_path / "out")
    with pytest.raises(CompositeError, match="no no_defect/ folder"):
        write_composite(tmp_path / "out" / "masks", tmp_path / "elsewhere")


def test_every_class_puts_each_background_under_all_four_labels(tmp_path):
    names = _film_tree(tmp_path / "films", count=4)
    summary = write_composite(tmp_path / "films", tmp_path / "out", seed=1, shapes="film", every_class=True)
    assert summary["per_class"] == {name: 4 for name in CLASSES} and summary["every_class"]
    scan = scan_tree(tmp_path / "out")
    assert len(scan.patches) == 16 and not scan.rejects and len({p.md5 for p in scan.patches}) == 16
    for name in names:
        stem = name.removesuffix(".png")
        copies = {p.label: p for p in scan.patches if p.path.name.startswith(stem)}
        assert sorted(copies) == sorted(CLASSES)
        assert copies[NO_DEFECT].path.name == name and name not in scan.masks
        assert {copies[c].radiograph for c in CLASSES} == {name.split("_Img")[0]}
        for label in DEFECT_CLASSES:
            assert copies[label].path.name == f"{stem}_{label}.png" in scan.masks


def test_cli_reports_and_refuses_bad_contrast(tmp_path):
    _film_tree(tmp_path / "films", count=4)
    command = ["composite", "--patches", str(tmp_path / "films"), "--out", str(tmp_path / "out")]
    refused = CliRunner().invoke(app, [*command, "--contrast", "5", "2"])
    assert refused.exit_code == 2 and "error: --contrast needs 0 < LOW <= HIGH" in refused.stderr
    done = CliRunner().invoke(app, command)
    assert done.exit_code == 0 and "4 patches from 2 films" in done.stdout
    assert (tmp_path / "out-report.json").is_file()
