"""riawelc.radiograph: DICONDE films written with pydicom (both photometric interpretations, each spacing attribute,
a compressed transfer syntax with and without a handler), TIFF resolution tags, PNG without a scale, and the
GDXray scale only when asked for."""

import cv2
import numpy as np
import pytest

from riawelc.radiograph import GDXRAY_MM_PER_PIXEL, RadiographError, choose_scale, read_radiograph
from tests.radiograph.radiograph_files import weld_values, write_dicom, write_jpeg_ls_without_handler, write_tiff

PORE, WELD, BACKGROUND = (150, 300), (150, 150), (10, 10)  # (row, column) of the pore, the weld, the plate


def polarity_ok(film: np.ndarray) -> bool:
    """The training films' look: the weld brighter than the plate beside it, the pore darker than the weld."""
    return film[WELD] > film[PORE] + 40 and film[WELD] > film[BACKGROUND] + 40


def test_monochrome1_dose_film_reads_with_defects_darker_than_the_weld(tmp_path):
    path = write_dicom(tmp_path / "m1.dcm", weld_values(), "MONOCHROME1", {"PixelSpacing": [0.05, 0.05]})
    film = read_radiograph(path)
    assert film.pixels.dtype == np.uint8 and film.pixels.shape == (300, 600) and film.format == "DICOM"
    assert polarity_ok(film.pixels)
    assert film.scale.mm_per_pixel == pytest.approx(0.05) and film.scale.source == "DICOM PixelSpacing"
    assert any("MONOCHROME1" in note for note in film.notes)


def test_monochrome2_is_displayed_as_stored_and_invert_overrides_a_wrong_header(tmp_path):
    # the same dose image labelled MONOCHROME2: as displayed, the weld is dark (a header that is wrong for it)
    path = write_dicom(tmp_path / "m2.dcm", weld_values(), "MONOCHROME2")
    as_stored = read_radiograph(path).pixels
    assert as_stored[WELD] < as_stored[BACKGROUND] and not polarity_ok(as_stored)
    fixed = read_radiograph(path, invert=True)
    assert polarity_ok(fixed.pixels) and any("--invert" in note for note in fixed.notes)
    # a correct MONOCHROME2 file (brightness values) needs no override
    good = write_dicom(tmp_path / "good.dcm", 40000.0 - weld_values(), "MONOCHROME2")
    assert polarity_ok(read_radiograph(good).pixels)


def test_rescale_slope_and_intercept_are_applied(tmp_path):
    values = weld_values()
    plain = read_radiograph(write_dicom(tmp_path / "a.dcm", values, "MONOCHROME1")).pixels
    # stored values upside down under a negative slope: the same film only when the rescale is applied (a positive
    # slope alone would not show: the 8-bit window is linear)
    flipped = read_radiograph(write_dicom(tmp_path / "c.dcm", values, "MONOCHROME1", slope=-1.0,
                                          intercept=40000.0)).pixels
    assert np.abs(plain.astype(int) - flipped.astype(int)).max() <= 1


def test_no_spacing_means_no_scale_and_the_user_or_the_gdxray_profile_gives_one(tmp_path):
    path = write_dicom(tmp_path / "bare.dcm", weld_values(), "MONOCHROME1")
    film = read_radiograph(path)
    assert film.scale.mm_per_pixel is None and film.scale.source == "none"
    assert "no PixelSpacing" in film.scale.note and "no verdict" in film.scale.note
    assert read_radiograph(path, mm_per_pixel=0.1).scale.source == "user"
    gdxray = read_radiograph(path, gdxray=True).scale
    assert gdxray.mm_per_pixel == GDXRAY_MM_PER_PIXEL and gdxray.source == "GDXray profile"


def test_imager_pixel_spacing_is_divided_by_the_magnification_when_the_header_has_it(tmp_path):
    with_factor = write_dicom(tmp_path / "m.dcm", weld_values(), "MONOCHROME1",
                              {"ImagerPixelSpacing": [0.1, 0.1], "EstimatedRadiographicMagnificationFactor": 1.25})
    scale = read_radiograph(with_factor).scale
    assert scale.mm_per_pixel == pytest.approx(0.08)
    assert scale.source == "DICOM ImagerPixelSpacing / EstimatedRadiographicMagnificationFactor"
    without = write_dicom(tmp_path / "n.dcm", weld_values(), "MONOCHROME1", {"ImagerPixelSpacing": [0.1, 0.1]})
    scale = read_radiograph(without).scale
    assert scale.mm_per_pixel == pytest.approx(0.1) and scale.source == "DICOM ImagerPixelSpacing"
    assert "no EstimatedRadiographicMagnificationFactor" in scale.note and "at the detector" in scale.note


def test_pixel_spacing_comes_first_and_nominal_scanned_spacing_is_the_last_resort(tmp_path):
    both = write_dicom(tmp_path / "both.dcm", weld_values(), "MONOCHROME1",
                       {"PixelSpacing": [0.07, 0.07], "ImagerPixelSpacing": [0.1, 0.1]})
    scale = read_radiograph(both).scale
    assert scale.mm_per_pixel == pytest.approx(0.07) and "also present: ImagerPixelSpacing" in scale.note
    scanned = write_dicom(tmp_path / "scan.dcm", weld_values(), "MONOCHROME1",
                          {"NominalScannedPixelSpacing": [0.0403, 0.0403]})
    scale = read_radiograph(scanned).scale
    assert scale.mm_per_pixel == pytest.approx(0.0403) and scale.source == "DICOM NominalScannedPixelSpacing"


def test_non_square_pixels_give_no_scale_with_the_reason(tmp_path):
    path = write_dicom(tmp_path / "rect.dcm", weld_values(), "MONOCHROME1", {"PixelSpacing": [0.1, 0.2]})
    scale = read_radiograph(path).scale
    assert scale.mm_per_pixel is None and "non-square" in scale.note


def test_rle_lossless_is_decoded_by_pydicom_itself(tmp_path):
    from pydicom.uid import RLELossless

    path = write_dicom(tmp_path / "rle.dcm", weld_values(), "MONOCHROME1", transfer_syntax=RLELossless)
    plain = write_dicom(tmp_path / "plain.dcm", weld_values(), "MONOCHROME1")
    assert np.array_equal(read_radiograph(path).pixels, read_radiograph(plain).pixels)


def test_a_compressed_transfer_syntax_without_a_handler_is_one_error_naming_it(tmp_path):
    from pydicom.pixels import get_decoder
    from pydicom.uid import JPEGLSLossless

    if get_decoder(JPEGLSLossless).is_available:
        pytest.skip("a JPEG-LS handler is installed here")
    path = write_jpeg_ls_without_handler(tmp_path / "jls.dcm")
    with pytest.raises(RadiographError, match=r"jls\.dcm: transfer syntax JPEG-LS Lossless .*1\.2\.840\.10008\.1\.2"
                                              r"\.4\.80.* no installed pixel handler"):
        read_radiograph(path)


def test_the_pixel_limit_is_checked_from_the_header_before_decoding(tmp_path, monkeypatch):
    import pydicom.dataset

    path = write_dicom(tmp_path / "big.dcm", weld_values(), "MONOCHROME1")

    def never(self, *args, **kwargs):
        raise AssertionError("pixels decoded despite the limit")

    monkeypatch.setattr(pydicom.dataset.Dataset, "pixel_array", property(never))
    with pytest.raises(RadiographError, match=r"600 x 300 px .* over the pixel limit 1000"):
        read_radiograph(path, max_pixels=1000)
    png = tmp_path / "big.png"
    cv2.imwrite(str(png), np.zeros((300, 600), np.uint8))
    with pytest.raises(RadiographError, match="over the pixel limit"):
        read_radiograph(png, max_pixels=1000)


def test_a_file_that_says_dcm_but_is_not_dicom_is_one_error(tmp_path):
    path = tmp_path / "fake.dcm"
    path.write_bytes(b"not a dicom file at all")
    with pytest.raises(RadiographError, match="fake.dcm: not a readable DICOM file"):
        read_radiograph(path)


@pytest.mark.parametrize("resolution, unit, expected", [((630, 630), "INCH", 25.4 / 630),
                                                        ((248.139, 248.139), "CENTIMETER", 10 / 248.139)])
def test_tiff_resolution_tags_with_a_unit_are_the_scale(tmp_path, resolution, unit, expected):
    path = write_tiff(tmp_path / "film.tif", (weld_values() / 4).astype(np.uint16), resolution, unit)
    film = read_radiograph(path)
    assert film.format == "TIFF" and film.pixels.dtype == np.uint8
    assert film.scale.source == "TIFF resolution" and film.scale.mm_per_pixel == pytest.approx(expected)


def test_tiff_without_a_physical_unit_and_png_have_no_scale(tmp_path):
    tif = write_tiff(tmp_path / "none.tif", np.zeros((50, 80), np.uint8), (300, 300), "NONE")
    assert read_radiograph(tif).scale.mm_per_pixel is None and "no physical unit" in read_radiograph(tif).scale.note
    png = tmp_path / "film.png"
    cv2.imwrite(str(png), np.zeros((50, 80), np.uint8))
    assert read_radiograph(png).scale.mm_per_pixel is None  # never GDXray's 0.0403 by default
    assert read_radiograph(png, gdxray=True).scale.mm_per_pixel == GDXRAY_MM_PER_PIXEL
    user = read_radiograph(png, mm_per_pixel=0.05).scale
    assert (user.mm_per_pixel, user.source) == (0.05, "user")


def test_the_user_scale_overrides_the_header_and_says_what_the_header_had(tmp_path):
    path = write_dicom(tmp_path / "s.dcm", weld_values(), "MONOCHROME1", {"PixelSpacing": [0.05, 0.05]})
    scale = read_radiograph(path, mm_per_pixel=0.1).scale
    assert scale.mm_per_pixel == 0.1 and "0.05 mm (DICOM PixelSpacing)" in scale.note


def test_a_scale_and_the_gdxray_profile_together_or_a_bad_scale_are_refused():
    with pytest.raises(ValueError, match="not both"):
        choose_scale(None, 0.05, gdxray=True)
    with pytest.raises(ValueError, match="positive"):
        choose_scale(None, 0.0)
