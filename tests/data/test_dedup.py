import numpy as np
import pytest

from riawelc.data.dataset import scan_tree
from riawelc.data.dedup import dedup_report, deduplicate, perceptual_hash
from riawelc.images import write_png
from tests.conftest import random_patch


def test_exact_duplicates_across_splits_are_removed_and_counted(make_tree):
    root = make_tree({
        "training/Difetto1/R1_Img1_[0][0].png": 1,
        "testing/Difetto1/R1_Img1_[0][0].png": 1,  # the RIAWELC leak: same bytes in two splits
        "validation/Difetto1/R1_Img1_[0][0].png": 1,
        "training/Difetto2/R2_Img1_[0][0].png": 2,
        "testing/NoDifetto/R3_Img1_[0][0].png": 3,
    })
    scan = scan_tree(root)
    result = deduplicate(scan)
    assert len(result.manifest) == 3
    row = result.manifest[result.manifest["radiograph"] == "R1"].iloc[0]
    assert row["orig_split"] == "training" and row["copies"] == 3  # kept copy: earliest split
    report = dedup_report(scan, result)
    assert (report["images_before"], report["images_after"], report["exact_duplicates_removed"]) == (5, 3, 2)
    assert report["before"]["testing"]["crack"] == 1
    assert "testing" in report["before"] and report["after"]["total"]["crack"] == 1


def test_conflicting_labels_follow_the_documented_rule(make_tree):
    root = make_tree({
        "training/Difetto4/R1_Img1_[0][0].png": 7,
        "testing/Difetto2/R1_Img1_[0][0].png": 7,
        "validation/Difetto2/R1_Img1_[0][0].png": 7,  # porosity has the majority
        "training/Difetto4/R2_Img1_[0][0].png": 8,
        "testing/Difetto1/R2_Img1_[0][0].png": 8,  # a tie: the training copy wins
    })
    result = deduplicate(scan_tree(root))
    labels = dict(zip(result.manifest["radiograph"], result.manifest["label"]))
    assert labels == {"R1": "porosity", "R2": "lack_of_penetration"}
    assert len(result.conflicts) == 2
    assert all(len(c["copies"]) >= 2 for c in result.conflicts)


def test_near_duplicates_are_audited_and_removed_only_on_request(make_tree, tmp_path):
    root = make_tree({"training/Difetto1/R1_Img1_[0][0].png": 1, "training/Difetto1/R9_Img1_[0][0].png": 2})
    pixels = random_patch(1)
    import cv2
    ok, other_bytes = cv2.imencode(".png", pixels, [cv2.IMWRITE_PNG_COMPRESSION, 0])
    (root / "training" / "Difetto1" / "R2_Img1_[0][5].png").write_bytes(other_bytes.tobytes())
    scan = scan_tree(root)
    assert len({p.md5 for p in scan.patches}) == 3  # different bytes
    reported = deduplicate(scan, "report")
    assert reported.near_duplicates["pixel_identical_pairs"] == 1
    assert len(reported.manifest) == 3
    removed = deduplicate(scan, "remove_pixel")
    assert len(removed.manifest) == 2 and removed.removed_near == 1
    with pytest.raises(ValueError, match="near_duplicates"):
        deduplicate(scan, "delete")


def test_perceptual_hash_is_robust_to_noise_but_separates_images():
    import cv2
    image = cv2.GaussianBlur(random_patch(3), (0, 0), 12)
    image = cv2.normalize(image, None, 0, 255, cv2.NORM_MINMAX)
    noisy = np.clip(image + np.random.default_rng(0).normal(0, 3, image.shape), 0, 255).astype(np.uint8)
    other = cv2.normalize(cv2.GaussianBlur(random_patch(4), (0, 0), 12), None, 0, 255, cv2.NORM_MINMAX)
    distance = lambda a, b: bin(perceptual_hash(a) ^ perceptual_hash(b)).count("1")
    assert distance(image, noisy) <= 4
    assert distance(image, other) > 10


def test_perceptual_neighbours_are_removed_only_with_remove_phash(make_tree):
    import cv2

    smooth = cv2.normalize(cv2.GaussianBlur(random_patch(5), (0, 0), 12), None, 0, 255, cv2.NORM_MINMAX)
    noisy = np.clip(smooth + np.random.default_rng(1).normal(0, 2, smooth.shape), 0, 255).astype(np.uint8)
    root = make_tree({"training/Difetto2/R1_Img1_[0][0].png": 1})
    write_png(root / "training" / "Difetto2" / "R1_Img1_[0][1].png", smooth)
    write_png(root / "testing" / "Difetto2" / "R7_Img1_[0][1].png", noisy)  # another radiograph, near copy
    scan = scan_tree(root)
    audited = deduplicate(scan, "report")
    assert audited.near_duplicates["phash_neighbour_pairs"] == 1
    assert audited.near_duplicates["pixel_identical_pairs"] == 0
    assert len(deduplicate(scan, "remove_pixel").manifest) == 3
    kept = deduplicate(scan, "remove_phash").manifest
    names = {path.split("/")[-1] for path in kept["path"]}
    assert len(kept) == 2 and "R1_Img1_[0][0].png" in names  # one of the near pair is gone, the other patch stays
