import hashlib
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import cv2
import numpy as np
import pytest

from riawelc.constants import (
    CLASSES,
    DEFECT_CLASSES,
    MASKS_DIRNAME,
    NO_DEFECT,
    ORIGINAL_SPLITS,
    PATCH_SIZE,
    RIAWELC_FOLDERS,
)
from riawelc.synth.patches import generate_patch, write_sample

NAME_PATTERN = re.compile(r"^(?P<film>.+)_Img1_A80_S1_\[(?P<row>\d+)\]\[(?P<col>\d+)\]\.png$")
REPO = Path(__file__).resolve().parents[2]


def read_tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def image_files(root: Path) -> list[tuple[str, str, Path]]:
    """(split, class, path) of every patch image in the tree."""
    return [(split, RIAWELC_FOLDERS[folder], path)
            for split in ORIGINAL_SPLITS for folder in RIAWELC_FOLDERS
            for path in sorted((root / split / folder).glob("*.png"))]


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    root = tmp_path_factory.mktemp("sample")
    return root, write_sample(root, seed=0, per_class=4)


@pytest.mark.parametrize("label", CLASSES)
def test_patch_shapes_and_dtypes(label):
    image, mask = generate_patch(label, np.random.default_rng(0))
    assert image.shape == mask.shape == (PATCH_SIZE, PATCH_SIZE)
    assert image.dtype == mask.dtype == np.uint8
    assert set(np.unique(mask)) <= {0, 1}
    assert image.std() > 5  # a seam on a plate, not a flat image


def test_patch_is_deterministic_from_the_generator():
    a = generate_patch("crack", np.random.default_rng(7))
    b = generate_patch("crack", np.random.default_rng(7))
    c = generate_patch("crack", np.random.default_rng(8))
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])


def test_mask_empty_only_for_no_defect():
    for seed in range(5):
        assert generate_patch(NO_DEFECT, np.random.default_rng(seed))[1].sum() == 0
        for label in DEFECT_CLASSES:
            assert generate_patch(label, np.random.default_rng(seed))[1].sum() >= 12, (label, seed)


@pytest.mark.parametrize("label", DEFECT_CLASSES)
def test_defects_are_darker_than_their_surroundings(label):
    for seed in range(10):
        image, mask = generate_patch(label, np.random.default_rng(seed))
        ring = cv2.dilate(mask, np.ones((9, 9), np.uint8)) - mask
        assert image[ring > 0].mean() - image[mask > 0].mean() > 3, (label, seed)


def test_unknown_label_is_rejected():
    with pytest.raises(ValueError, match="Unknown label"):
        generate_patch("slag", np.random.default_rng(0))


def test_sample_is_deterministic_per_seed(sample, tmp_path):
    root, _ = sample
    write_sample(tmp_path / "same", seed=0, per_class=4)
    write_sample(tmp_path / "other", seed=1, per_class=4)
    assert read_tree(tmp_path / "same") == read_tree(root)
    assert read_tree(tmp_path / "other") != read_tree(root)


def test_sample_layout_and_names(sample):
    root, summary = sample
    assert {p.name for p in root.iterdir()} == set(ORIGINAL_SPLITS) | {MASKS_DIRNAME}
    files = image_files(root)
    assert len(files) == summary["image_files"] == len(list(root.rglob("*.png"))) - summary["mask_files"]
    for split in ORIGINAL_SPLITS:  # every class folder of every split holds patches
        for label in CLASSES:
            assert any(s == split and c == label for s, c, _ in files), (split, label)
    assert {c: sum(1 for _, cls, _ in files if cls == c) for c in CLASSES} == summary["per_class"]
    assert {s: sum(1 for split, _, _ in files if split == s) for s in ORIGINAL_SPLITS} == summary["per_split"]

    films = set()
    for _, _, path in files:
        match = NAME_PATTERN.match(path.name)
        assert match, path.name
        films.add(match["film"])
        image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
        assert image.shape == (PATCH_SIZE, PATCH_SIZE) and image.dtype == np.uint8
    assert films == set(summary["radiographs"])
    assert any(re.fullmatch(r"RRT-\d+R", f) for f in films) and any(not f.startswith("RRT") for f in films)
    # A file name ([row][col] within one film) always means the same patch.
    by_name = defaultdict(set)
    for _, _, path in files:
        by_name[path.name].add(path.read_bytes())
    assert all(len(contents) == 1 for contents in by_name.values())


def test_masks_match_defect_patches(sample):
    root, summary = sample
    classes_of_name = defaultdict(set)
    for _, label, path in image_files(root):
        classes_of_name[path.name].add(label)
    mask_names = {p.name for p in (root / MASKS_DIRNAME).iterdir()}
    assert len(mask_names) == summary["mask_files"]
    assert mask_names <= set(classes_of_name)
    for name, labels in classes_of_name.items():
        if len(labels) > 1:
            continue  # a conflicting copy: its label is wrong on purpose
        assert (name in mask_names) == (labels != {NO_DEFECT}), name
    for name in mask_names:
        mask = cv2.imread(str(root / MASKS_DIRNAME / name), cv2.IMREAD_UNCHANGED)
        assert mask.shape == (PATCH_SIZE, PATCH_SIZE) and set(np.unique(mask)) == {0, 255}


def test_sample_has_riawelc_duplicates(sample):
    root, summary = sample
    by_md5 = defaultdict(list)
    by_pixels = defaultdict(set)
    for split, label, path in image_files(root):
        data = path.read_bytes()
        by_md5[hashlib.md5(data).hexdigest()].append((split, label, path.name))
        pixels = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
        by_pixels[hashlib.md5(pixels.tobytes()).hexdigest()].add(hashlib.md5(data).hexdigest())

    groups = [g for g in by_md5.values() if len(g) > 1]
    assert all(len(g) == 2 and g[0][2] == g[1][2] for g in groups)  # copies keep the file name
    exact = [g for g in groups if g[0][1] == g[1][1]]
    conflicting = [g for g in groups if g[0][1] != g[1][1]]
    assert all(g[0][0] != g[1][0] for g in exact)  # same class, another split
    assert len(exact) == summary["exact_copies"] >= 1
    assert len(conflicting) == summary["conflicting_copies"] == 3

    near = [md5s for md5s in by_pixels.values() if len(md5s) > 1]
    assert len(near) == summary["near_duplicates"] == 3
    for md5s in near:
        films = {NAME_PATTERN.match(name)["film"] for md5 in md5s for _, _, name in by_md5[md5]}
        assert len(films) == 2  # re-encoded under another radiograph id


def test_write_sample_refuses_bad_input(sample):
    root, _ = sample
    with pytest.raises(FileExistsError, match="not empty"):
        write_sample(root, seed=0, per_class=4)
    with pytest.raises(ValueError, match="per_class"):
        write_sample(root.parent / "tiny", seed=0, per_class=1)


def test_make_sample_script_needs_force_for_non_empty_folder(tmp_path):
    out = tmp_path / "data"
    out.mkdir()
    (out / "old.txt").write_text("stale")
    command = [sys.executable, str(REPO / "scripts" / "make_sample.py"), "--out", str(out), "--per-class", "4"]
    refused = subprocess.run(command, capture_output=True, text=True)
    assert refused.returncode != 0 and "--force" in refused.stderr
    assert (out / "old.txt").exists()
    subprocess.run(command + ["--force"], check=True, capture_output=True)
    assert not (out / "old.txt").exists()
    assert (out / "training").is_dir() and (out / MASKS_DIRNAME).is_dir()
