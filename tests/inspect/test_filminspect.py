"""Whole-film inspection: window layout, blending, region extraction, film decoding, the CLI, int8 quantisation."""

import json

import cv2
import numpy as np
import pytest
from typer.testing import CliRunner

from riawelc.cli import app
from riawelc.constants import CLASSES, DEFECT_CLASSES, MM_PER_PIXEL, PATCH_SIZE
from riawelc.images import BadImage
from riawelc.inspect.film import (
    Blender,
    FilmInspectError,
    FilmModels,
    FilmSettings,
    extract_regions,
    hann_weights,
    inspect_film,
    window_origins,
)
from riawelc.inspect.filmfile import decode_film
from riawelc.seam import Seam

S = PATCH_SIZE


class FakeClassifier:
    """Defect probability and CAMs from the window's darkness: P(no_defect) = 1 - dark share (dark = < 100)."""

    def run(self, names, feed):
        pixels = feed["image"][..., 0]
        dark = (pixels < 100).mean(axis=(1, 2))
        probabilities = np.zeros((len(pixels), len(CLASSES)), np.float32)
        probabilities[:, CLASSES.index("porosity")] = np.minimum(1.0, 500 * dark)
        probabilities[:, CLASSES.index("no_defect")] = 1 - probabilities[:, CLASSES.index("porosity")]
        cams = np.zeros((len(pixels), 14, 14, len(CLASSES)), np.float32)
        for i, one in enumerate(pixels):
            cams[i, ..., CLASSES.index("porosity")] = cv2.resize((one < 100).astype(np.float32), (14, 14),
                                                                 interpolation=cv2.INTER_AREA)
        return [probabilities, cams][: len(names)]


class FakeUnet:
    """The U-Net's mask: 1 where the pixel is dark, exactly."""

    def run(self, names, feed):
        return [(feed["image"] < 100).astype(np.float32)]


def fake_models() -> FilmModels:
    return FilmModels(FakeClassifier(), FakeUnet(), cam_scale=0.4, unet_threshold=0.5)


def band_film(height=400, width=900, seed=0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    y = np.arange(height)[:, None]
    film = 110 + 100 * np.exp(-(((y - height / 2) / 60.0) ** 2)) + rng.normal(0, 2, (height, width))
    return np.clip(film, 0, 255).astype(np.uint8)


def test_hann_weights_are_positive_and_peak_in_the_middle():
    w = hann_weights()
    assert w.shape == (S, S) and w.min() > 0
    assert w[S // 2, S // 2] == w.max() and w[0, 0] < 1e-3


def test_blending_identical_windows_keeps_their_value_and_mixes_different_ones_smoothly():
    blender = Blender((S, S + 100), 1)
    blender.add(0, 0, np.full((1, S, S), 0.2, np.float32))
    blender.add(0, 100, np.full((1, S, S), 0.8, np.float32))
    maps, covered = blender.result()
    row = maps[0, S // 2]
    assert covered.all()
    assert np.allclose(row[:100], 0.2, atol=1e-6) and np.allclose(row[S:], 0.8, atol=1e-6)
    overlap = row[100:S]
    assert np.all(np.diff(overlap) > 0), "the weight must move smoothly from one window to the other"
    assert 0.2 < overlap[len(overlap) // 2] < 0.8


def test_window_origins_cover_the_film_and_end_flush():
    origins = window_origins((500, 1000), 113)
    ys, xs = sorted({y for y, _ in origins}), sorted({x for _, x in origins})
    assert ys[0] == 0 and ys[-1] == 500 - S and xs[0] == 0 and xs[-1] == 1000 - S
    assert np.all(np.diff(xs) <= 113) and len(origins) == len(ys) * len(xs)


def test_window_origins_follow_the_seam_band():
    seam = Seam(True, coefficients=np.array([0.1, 300.0]), half_height=40)  # y = 0.1 x + 300
    origins = window_origins((1000, 2000), 113, seam, half_band=40)
    for y0, x0 in origins:
        centre = 300 + 0.1 * (x0 + S / 2)
        assert y0 <= centre <= y0 + S
    assert len({x for _, x in origins}) == len(origins), "a thin band needs one row of windows"
    tall = window_origins((1000, 2000), 113, seam, half_band=200)
    assert len(tall) > len(origins), "a taller band needs more than one row of windows"


def test_extract_regions_on_a_known_map():
    probability = np.zeros((100, 200), np.float32)
    probability[10:20, 30:50] = 0.9  # 200 px, porosity
    probability[60:64, 100:103] = 0.7  # 12 px
    probability[80, 5] = 0.95  # 1 px: below min_area
    class_maps = np.zeros((len(DEFECT_CLASSES), 100, 200), np.float32)
    class_maps[DEFECT_CLASSES.index("porosity"), 10:20, 30:50] = 0.5
    class_maps[DEFECT_CLASSES.index("crack"), 55:70, 95:110] = 0.4
    mask, regions = extract_regions(probability, class_maps, threshold=0.5, min_area=5)
    assert mask.sum() == 212
    assert [(r.box, r.cls, r.area_px) for r in regions] == [((30, 10, 20, 10), "porosity", 200),
                                                            ((100, 60, 3, 4), "crack", 12)]
    assert regions[0].score == pytest.approx(0.9) and regions[0].area_mm2 == pytest.approx(200 * MM_PER_PIXEL**2, 1e-3)


def test_inspect_film_maps_a_dark_defect_where_it_is():
    film = band_film()
    film[195:205, 400:430] = 40  # a dark 10 x 30 defect in the band
    for source in ("unet", "unet_gated", "cam"):
        result = inspect_film(film, fake_models(), FilmSettings(source=source))
        assert result.seam is not None and "seam band" in result.region_note
        truth = np.zeros_like(result.mask)
        truth[195:205, 400:430] = 1
        overlap = (result.mask & truth).sum() / (result.mask | truth).sum()
        assert overlap > (0.7 if source.startswith("unet") else 0.1), source
        assert result.regions and result.regions[0].cls == "porosity"
        assert result.class_maps.shape == (len(DEFECT_CLASSES), *film.shape)
    assert not result.inspected[:20].any(), "rows far from the seam band are not inspected"


def test_inspect_film_pads_a_film_smaller_than_a_window_and_refuses_non_uint8():
    small = np.full((100, 150), 150, np.uint8)
    small[40:50, 60:70] = 30
    result = inspect_film(small, fake_models(), FilmSettings(region="film"))
    assert result.probability.shape == (100, 150) and result.mask[45, 65] == 1 and result.mask[5, 5] == 0
    with pytest.raises(FilmInspectError, match="2-D uint8"):
        inspect_film(small.astype(np.float32), fake_models())


def test_sixteen_bit_films_are_windowed_by_the_service_rule():
    from riawelc.images import window_to_uint8

    film16 = (np.random.default_rng(0).integers(1000, 40000, (300, 500))).astype(np.uint16)
    for suffix in (".png", ".tiff"):
        data = cv2.imencode(suffix, film16)[1].tobytes()
        assert np.array_equal(decode_film(data, "f" + suffix), window_to_uint8(film16))
    with pytest.raises(BadImage, match="not a decodable image"):
        decode_film(b"\x89PNG\r\n\x1a\n broken", "broken.png")


def test_settings_refuse_bad_values():
    with pytest.raises(ValueError, match="source"):
        FilmSettings(source="magic")
    with pytest.raises(ValueError, match="stride"):
        FilmSettings(stride=0)


# --- with real (tiny, untrained) ONNX models -------------------------------------------------------------------

def inspect_command(*args):
    """`riawelc inspect ARGS` in this process: (exit code, stdout, stderr)."""
    result = CliRunner().invoke(app, ["inspect", *map(str, args)])
    return result.exit_code, result.stdout, result.stderr


def test_cli_inspects_every_film_and_reports_bad_ones(onnx_models, tmp_path):
    films = tmp_path / "films"
    films.mkdir()
    film = band_film(300, 700)
    cv2.imwrite(str(films / "a.png"), film)
    cv2.imwrite(str(films / "b.tif"), film.astype(np.uint16) * 200)  # 16-bit TIFF
    (films / "corrupt.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    out = tmp_path / "out"
    code, _, err = inspect_command("--models", onnx_models, "--films", films, "--out", out, "--threshold", "0.5")
    assert code == 1 and "error: corrupt.png: " in err
    for stem in ("a", "b"):
        mask = cv2.imread(str(out / "masks" / f"{stem}.png"), cv2.IMREAD_UNCHANGED)
        assert mask.shape == film.shape and set(np.unique(mask)) <= {0, 255}
        assert cv2.imread(str(out / "probability" / f"{stem}.png")).shape[:2] == film.shape
        assert cv2.imread(str(out / "overlays" / f"{stem}.png")).shape == (*film.shape, 3)
        regions = json.loads((out / "regions" / f"{stem}.json").read_text())
        assert regions["windows"] > 0 and isinstance(regions["regions"], list)
        assert (mask > 0).sum() == round(regions["defect_area_mm2"] / MM_PER_PIXEL**2)
    summary = json.loads((out / "summary.json").read_text())
    assert [f["status"] for f in summary["films"]] == ["inspected", "inspected", "error"]


def test_cli_errors_are_one_line(onnx_models, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    code, _, err = inspect_command("--models", onnx_models, "--films", empty, "--out", tmp_path / "o")
    assert code == 2 and "holds no film files" in err and err.strip().count("\n") == 0
    (empty / "f.png").write_bytes(cv2.imencode(".png", band_film(300, 400))[1].tobytes())
    code, _, err = inspect_command("--models", tmp_path / "nowhere", "--films", empty, "--out", tmp_path / "o")
    assert code == 2 and "missing model files" in err and err.strip().count("\n") == 0


def test_int8_quantisation_of_the_tiny_models(onnx_models, tmp_path):
    onnx = pytest.importorskip("onnx")
    from riawelc.deploy.quantize import compare_classifiers, quantize_model

    patches = np.stack([band_film(S, S, seed) for seed in range(8)])
    for name in ("classifier", "unet"):
        int8 = quantize_model(onnx_models / f"{name}.onnx", tmp_path / f"{name}.int8.onnx", patches[:6])
        ops = {node.op_type for node in onnx.load(str(int8)).graph.node}
        assert {"QuantizeLinear", "DequantizeLinear"} <= ops
        (tmp_path / f"{name}.json").write_text((onnx_models / f"{name}.json").read_text())
    report = compare_classifiers(onnx_models / "classifier.onnx", tmp_path / "classifier.int8.onnx", patches,
                                 np.zeros(len(patches), int))
    assert report["n"] == 8 and 0 <= report["agreement"] <= 1 and report["max_probability_diff"] < 0.5
    models = FilmModels.load(tmp_path, "int8")
    result = inspect_film(band_film(300, 500), models)
    assert result.probability.shape == (300, 500) and np.isfinite(result.probability).all()


def test_models_load_reads_the_cards_and_tolerates_new_pseudomask_keys(onnx_models, tmp_path):
    import shutil

    for name in ("classifier", "unet"):
        shutil.copy(onnx_models / f"{name}.onnx", tmp_path / f"{name}.onnx")
    card = json.loads((onnx_models / "classifier.json").read_text())
    card["pseudomask"] = {**(card.get("pseudomask") or {}), "threshold": 0.42, "a_future_key": 1}
    (tmp_path / "classifier.json").write_text(json.dumps(card))
    unet_card = json.loads((onnx_models / "unet.json").read_text())
    unet_card["metrics"]["threshold"] = 0.6
    (tmp_path / "unet.json").write_text(json.dumps(unet_card))
    models = FilmModels.load(tmp_path)
    assert models.threshold_for("cam") == 0.42 and models.threshold_for("unet") == 0.6
    card["cam_scale"] = None
    (tmp_path / "classifier.json").write_text(json.dumps(card))
    with pytest.raises(FilmInspectError, match="cam_scale"):
        FilmModels.load(tmp_path)
