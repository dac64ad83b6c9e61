"""riawelc.indications on synthetic inspections of known sizes: a crack's length along the weld and width across it
in mm (oriented extent, not its box), pores' diameters and clusters, the area share per reference length, the
position and cell, and px without a scale."""

import pytest

from riawelc.indications import IndicationSettings, measure_indications
from riawelc.radiograph import Scale
from tests.indications.indication_films import MM, Drawing

SCALE = Scale(MM, "user")


def test_a_horizontal_crack_of_10_mm_measures_10_mm_along_and_its_thickness_across():
    drawing = Drawing().crack(600, 200, round(10 / MM), thickness=1)  # 200 px = 10 mm, one pixel thick
    (crack,) = measure_indications(drawing.inspection(), SCALE).indications
    assert crack.cls == "crack" and crack.length_mm == pytest.approx(10.0, abs=MM)
    assert crack.width_mm == pytest.approx(MM, abs=MM)
    assert crack.start_mm == pytest.approx(30.0) and crack.position_mm == pytest.approx(35.0, abs=0.1)
    assert crack.cell == 4  # its centre at 35 mm: the fourth 1 cm cell


def test_an_oblique_crack_is_measured_along_itself_not_by_its_box():
    drawing = Drawing().bar("crack", (800, 200), 10 / MM, 0.5 / MM, angle_deg=30.0)  # 10 mm x 0.5 mm
    (crack,) = measure_indications(drawing.inspection(), SCALE).indications
    assert crack.box[2] * MM == pytest.approx(10 * 0.866 + 0.5 * 0.5, abs=0.15)  # its box is shorter ...
    assert crack.length_mm == pytest.approx(10.0, abs=0.1)  # ... its length is its own
    assert crack.width_mm == pytest.approx(0.5, abs=0.1) and crack.angle_deg == pytest.approx(30, abs=1)


def test_along_the_weld_follows_the_seam_direction():
    """A crack across a horizontal seam: its length along the weld is its short side."""
    drawing = Drawing(height=600).bar("crack", (600, 300), 300, 5, angle_deg=90.0)
    (crack,) = measure_indications(drawing.inspection(), SCALE).indications
    assert crack.length_px == pytest.approx(5, abs=1) and crack.width_px == pytest.approx(300, abs=1)
    tilted = Drawing(height=600, seam_y=0.0, slope=10.0).bar("crack", (40, 300), 300, 5, angle_deg=90.0)
    (crack,) = measure_indications(tilted.inspection(), SCALE).indications  # the seam runs nearly vertically
    assert crack.length_px == pytest.approx(300, abs=1)


def test_pores_closer_than_the_cluster_distance_are_one_indication_with_their_count_and_largest_diameter():
    # pores of 1.05 mm (r = 10 px: 21 px across) and 1.45 mm (r = 14 px), 0.5 mm apart; another 5 mm away
    drawing = Drawing().pore(1000, 200, 10).pore(1000 + 10 + 10 + 14 + 1, 200, 14).pore(1500, 200, 10)
    found = measure_indications(drawing.inspection(), SCALE, IndicationSettings(cluster_distance_mm=1.0))
    cluster, single = found.indications
    assert (cluster.cls, cluster.pores, single.pores) == ("porosity", 2, 1)
    assert cluster.largest_pore_mm == pytest.approx(29 * MM) and single.largest_pore_mm == pytest.approx(21 * MM)
    assert cluster.length_mm == pytest.approx((21 + 10 + 29) * MM, abs=MM)
    apart = measure_indications(drawing.inspection(), SCALE, IndicationSettings(cluster_distance_mm=0.2))
    assert [i.pores for i in apart.indications] == [1, 1, 1]


def test_area_share_is_the_pores_area_over_the_reference_length_of_weld():
    drawing = Drawing(half_height=100.0).pore(1000, 200, 10).pore(1400, 200, 10)
    found = measure_indications(drawing.inspection(), SCALE, IndicationSettings(reference_length_mm=100.0))
    assert found.weld_width_mm == pytest.approx(200 * MM)
    area = sum(i.area_px for i in found.indications)  # both inside 100 mm (2000 px) of weld around either
    for item in found.indications:
        assert item.area_share_percent == pytest.approx(100 * area / (2000 * 200), abs=1e-3)
        assert item.summed_length_mm == pytest.approx(2 * 21 * MM, abs=2 * MM)
    short = measure_indications(drawing.inspection(), SCALE, IndicationSettings(reference_length_mm=10.0))
    alone = short.indications[0]  # 10 mm (200 px) of weld around it holds only itself
    assert alone.area_share_percent == pytest.approx(100 * alone.area_px / (200 * 200), abs=1e-3)


def test_without_a_scale_sizes_stay_in_px_with_the_reason():
    drawing = Drawing().crack(600, 200, 200).pore(1500, 200, 10)
    found = measure_indications(drawing.inspection(), Scale(None, "none", "the file gives no pixel size"))
    crack, pore = found.indications
    assert crack.length_px == pytest.approx(200, abs=1) and crack.length_mm is None and crack.cell is None
    assert pore.largest_pore_px == 21 and pore.largest_pore_mm is None and pore.area_share_percent is None
    assert any("no scale" in note and "no pixel size" in note for note in found.notes)
    assert found.as_dict()["indications"][0]["class"] == "crack"


def test_indications_are_numbered_along_the_film():
    drawing = Drawing().pore(2500, 200, 8).crack(100, 200, 100).pore(1200, 200, 8)
    found = measure_indications(drawing.inspection(), SCALE).indications
    assert [(i.number, i.cls) for i in found] == [(1, "crack"), (2, "porosity"), (3, "porosity")]
    assert [i.start_mm < j.start_mm for i, j in zip(found, found[1:])] == [True, True]
