import cv2
import numpy as np
import pytest

from riawelc.data.dataset import DatasetError, radiograph_id, scan_tree
from riawelc.images import write_png


def test_radiograph_id_is_the_part_before_img():
    assert radiograph_id("RRT-30R_Img1_A80_S1_[9][58].png") == "RRT-30R"
    assert radiograph_id("bam5_Img2_A80_S4_[1][23].png") == "bam5"
    with pytest.raises(DatasetError, match="radiograph id"):
        radiograph_id("scan_0001.png")


def test_original_folders_map_to_classes_and_brackets_are_literal(make_tree):
    root = make_tree({
        "training/Difetto1/RRT-30R_Img1_A80_S1_[9][58].png": 1,
        "training/Difetto2/RRT-30R_Img1_A80_S1_[9][59].png": 2,
        "validation/Difetto4/bam5_Img2_A80_S4_[1][23].png": 3,
        "testing/NoDifetto/RRT-22R_Img1_A80_S1_[0][1].png": 4,
        # a name that a glob of "[9][58]" would confuse with this one
        "testing/NoDifetto/RRT-22R_Img1_A80_S1_95.png": 5,
    })
    scan = scan_tree(root.parent)  # the wrapper folder is found one level down
    found = {(p.path.name, p.label, p.radiograph, p.orig_split) for p in scan.patches}
    assert found == {
        ("RRT-30R_Img1_A80_S1_[9][58].png", "crack", "RRT-30R", "training"),
        ("RRT-30R_Img1_A80_S1_[9][59].png", "porosity", "RRT-30R", "training"),
        ("bam5_Img2_A80_S4_[1][23].png", "lack_of_penetration", "bam5", "validation"),
        ("RRT-22R_Img1_A80_S1_[0][1].png", "no_defect", "RRT-22R", "testing"),
        ("RRT-22R_Img1_A80_S1_95.png", "no_defect", "RRT-22R", "testing"),
    }
    assert scan.rejects == []


def test_difetto1_is_crack_and_difetto4_is_lack_of_penetration(make_tree):
    # RIAWELC's own mapping (docs/real-riawelc.md, "Class folders"), not RIAWELC-RS's swapped one: the names are
    # written out here on purpose, so that a change to the mapping in riawelc.constants cannot pass unnoticed.
    root = make_tree({
        "training/Difetto1/RRT-101R_Img1_A80_S1_[2][14].png": 1,
        "training/Difetto4/RRT-28R_Img1_A80_S1_[1][30].png": 2,
        "testing/Difetto2/RRT-30R_Img1_A80_S1_[3][7].png": 3,
        "testing/NoDifetto/RRT-30R_Img1_A80_S1_[0][0].png": 4,
    })
    labels = {p.path.parent.name: p.label for p in scan_tree(root).patches}
    assert labels == {"Difetto1": "crack", "Difetto4": "lack_of_penetration", "Difetto2": "porosity",
                      "NoDifetto": "no_defect"}


def test_renamed_folders_without_split_level(make_tree):
    root = make_tree({"crack/A1_Img1_[0][0].png": 1, "porosity/A2_Img1_[0][0].png": 2})
    scan = scan_tree(root)
    assert sorted((p.label, p.orig_split) for p in scan.patches) == [("crack", ""), ("porosity", "")]


def test_bad_files_are_rejected_with_reasons_not_dropped(make_tree, tmp_path):
    root = make_tree({"training/Difetto1/R1_Img1_[0][0].png": 1})
    folder = root / "training" / "Difetto1"
    (folder / "R1_Img1_[0][1].png").write_bytes(b"not a png at all")
    write_png(folder / "R1_Img1_[0][2].png", np.zeros((100, 227), np.uint8))
    cv2.imwrite(str(tmp_path / "deep.png"), np.zeros((227, 227), np.uint16))
    (folder / "R1_Img1_[0][3].png").write_bytes((tmp_path / "deep.png").read_bytes())
    write_png(folder / "R1_Img1_[0][4].png", np.random.default_rng(0).integers(0, 255, (227, 227, 3), dtype=np.uint8))
    (folder / "notes.txt").write_text("hello")
    (root / "training" / "stray.png").write_bytes(b"x")
    scan = scan_tree(root)
    assert [p.path.name for p in scan.patches] == ["R1_Img1_[0][0].png"]
    reasons = {r.path.name: r.reason for r in scan.rejects}
    assert "not a decodable image" in reasons["R1_Img1_[0][1].png"]
    assert "227x100 pixels" in reasons["R1_Img1_[0][2].png"]
    assert "uint16" in reasons["R1_Img1_[0][3].png"]
    assert "colour" in reasons["R1_Img1_[0][4].png"]
    assert "not an image" in reasons["notes.txt"]
    assert "not inside a class folder" in reasons["stray.png"]


def test_gray_saved_as_rgb_is_accepted(make_tree):
    root = make_tree({"training/Difetto1/R1_Img1_[0][0].png": 1})
    gray = np.random.default_rng(1).integers(0, 255, (227, 227), dtype=np.uint8)
    write_png(root / "training" / "Difetto1" / "R1_Img1_[0][1].png", np.dstack([gray] * 3))
    assert len(scan_tree(root).patches) == 2


def test_unparseable_names_are_all_listed(make_tree):
    root = make_tree({"training/Difetto1/good_Img1_[0][0].png": 1, "training/Difetto1/bad one.png": 2,
                      "testing/NoDifetto/IMG_0001.png": 3})
    with pytest.raises(DatasetError) as error:
        scan_tree(root)
    assert "2 file name(s)" in str(error.value)
    assert "bad one.png" in str(error.value) and "IMG_0001.png" in str(error.value)


def test_wrong_folders_get_clear_errors(make_tree, tmp_path):
    with pytest.raises(DatasetError, match="does not exist"):
        scan_tree(tmp_path / "nowhere")
    (tmp_path / "empty" / "photos").mkdir(parents=True)
    (tmp_path / "empty" / "other").mkdir()
    with pytest.raises(DatasetError, match="no RIAWELC folders"):
        scan_tree(tmp_path / "empty")
    root = make_tree({"training/Difetto3/R_Img1_[0][0].png": 1})
    with pytest.raises(DatasetError, match="Difetto3"):
        scan_tree(root)


def test_true_masks_are_found_by_file_name(make_tree):
    root = make_tree({"training/Difetto4/R_Img1_[0][0].png": 1, "masks/R_Img1_[0][0].png": 2})
    scan = scan_tree(root)
    assert list(scan.masks) == ["R_Img1_[0][0].png"]


def test_a_truncated_png_is_a_reject_without_a_libpng_error_line(make_tree, capfd):
    root = make_tree({"training/Difetto1/R1_Img1_[0][0].png": 1})
    folder = root / "training" / "Difetto1"
    whole = (folder / "R1_Img1_[0][0].png").read_bytes()
    (folder / "R1_Img1_[0][1].png").write_bytes(whole[: len(whole) // 2])
    scan = scan_tree(root)
    assert "not a decodable image" in {r.path.name: r.reason for r in scan.rejects}["R1_Img1_[0][1].png"]
    assert "libpng" not in capfd.readouterr().err
