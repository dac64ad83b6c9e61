"""`riawelc inspect` end to end on a folder with a DICONDE film and a PNG film: indications in mm with their scale
source, a verdict where there is a scale (none, with the reason, where there is not), the report, and every bad
input as one error line with exit code 2."""

import json

import cv2
import pytest

from riawelc.inspect.candidates import CandidateSettings
from riawelc.inspect.detector import Detector
from tests.radiograph.radiograph_files import weld_values, write_dicom
from tests.cli.test_cli import cli
from tests.inspect.test_filminspect import band_film

RULES = """
format: riawelc-acceptance-1
levels:
  pores-small:
    rules: [{class: any, measure: length, limit: {t: 0.05}}]
  anything:
    rules: [{class: any, measure: length, limit: 100}]
"""


@pytest.fixture
def folder(tmp_path):
    films = tmp_path / "films"
    films.mkdir()
    write_dicom(films / "plate.dcm", weld_values(300, 700, pore_at=(350, 150), pore_radius=10), "MONOCHROME1",
                {"PixelSpacing": [0.1, 0.1]}, patient="<script>x</script>")
    film = band_film(300, 700, seed=3)
    for x in (150, 450):
        cv2.circle(film, (x, 150), 6, int(film[150, x]) - 40, -1)
    cv2.imwrite(str(films / "seam.png"), film)
    Detector(CandidateSettings(extent=3.0, peak=10.0)).save(tmp_path / "detector.json")
    (tmp_path / "rules.yaml").write_text(RULES)
    return tmp_path


def run(folder, *extra):
    return cli("inspect", folder / "films", "--out", folder / "out", "--models", folder / "no-models",
               "--detector", folder / "detector.json", *extra)


def test_a_dicom_and_a_png_film_give_indications_verdicts_and_reports(folder):
    result = run(folder, "--rules", folder / "rules.yaml", "--thickness", "10", "--report", "--weld-id", "W-3")
    assert result.exit_code == 0, result.output
    assert "2 inspected, 0 failed" in result.stdout
    dicom = json.loads((folder / "out" / "indications" / "plate.json").read_text())
    assert dicom["scale"]["source"] == "DICOM PixelSpacing" and dicom["film"]["format"] == "DICOM"
    pore = [i for i in dicom["indications"] if abs(i["position_mm"] - 35.0) < 1.0]
    assert len(pore) == 1 and pore[0]["length_mm"] == pytest.approx(2.1, abs=0.3)  # 21 px at 0.1 mm
    decisions = {v["level"]: v for v in dicom["verdicts"]}
    assert decisions["pores-small"]["decision"] == "reject"  # 0.05 x 10 mm = 0.5 mm < the pore
    assert pore[0]["number"] in [r["indication"] for r in decisions["pores-small"]["reasons"]]
    assert decisions["anything"]["decision"] == "accept"
    png = json.loads((folder / "out" / "indications" / "seam.json").read_text())
    assert png["scale"]["mm_per_pixel"] is None and len(png["indications"]) >= 2
    assert all(i["length_mm"] is None and i["length_px"] > 0 for i in png["indications"])
    assert [v["decision"] for v in png["verdicts"]] == [None, None] and "no scale" in png["verdicts"][0]["note"]
    report = (folder / "out" / "reports" / "plate.html").read_text()
    assert "&lt;script&gt;x&lt;/script&gt;" in report and "<script>" not in report and "W-3" in report
    summary = json.loads((folder / "out" / "summary.json").read_text())
    assert {f["film"]: f["scale"] for f in summary["films"]} == {"plate.dcm": "DICOM PixelSpacing",
                                                                 "seam.png": "none"}
    for name in ("masks", "overlays", "regions"):
        assert sorted(p.stem for p in (folder / "out" / name).iterdir()) == ["plate", "seam"]


def test_the_gdxray_flag_and_a_user_scale_measure_the_png_film(folder):
    result = run(folder, "--gdxray", "--rules", folder / "rules.yaml", "--level", "anything")
    assert result.exit_code == 0, result.output
    png = json.loads((folder / "out" / "indications" / "seam.json").read_text())
    assert png["scale"]["source"] == "GDXray profile" and png["scale"]["mm_per_pixel"] == 0.0403
    assert [v["decision"] for v in png["verdicts"]] == ["accept"]
    result = run(folder, "--mm-per-pixel", "0.2")
    assert result.exit_code == 0, result.output
    png = json.loads((folder / "out" / "indications" / "seam.json").read_text())
    assert png["scale"]["source"] == "user" and png["verdicts"] == []


@pytest.mark.parametrize("extra, problem", [
    (["--rules", "RULES", "--level", "B"], "unknown level 'B'"),
    (["--rules", "RULES", "--level", "pores-small"], "needs the wall thickness t (--thickness)"),
    (["--rules", "BROKEN"], "does not parse as YAML"),
    (["--rules", "MISSING"], "cannot read the rule file"),
    (["--gdxray", "--mm-per-pixel", "0.1"], "not both"),
    (["--mm-per-pixel", "-1"], "must be positive"),
    (["--level", "anything"], "--level and --thickness go with --rules FILE"),
    (["--rules", "RULES", "--level", "anything", "--thickness", "0"], "must be positive"),
])
def test_a_bad_input_is_one_error_line_with_exit_code_2(folder, extra, problem):
    (folder / "broken.yaml").write_text("levels: [unclosed")
    paths = {"RULES": folder / "rules.yaml", "BROKEN": folder / "broken.yaml", "MISSING": folder / "none.yaml"}
    result = run(folder, *[paths.get(arg, arg) for arg in extra])
    assert result.exit_code == 2, result.output
    assert problem in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (folder / "out").exists()  # refused before any film is inspected


def test_a_bad_film_is_reported_and_the_others_go_on(folder):
    (folder / "films" / "broken.dcm").write_bytes(b"\0" * 128 + b"DICM" + b"\1" * 20)
    result = run(folder)
    assert result.exit_code == 1 and "2 inspected, 1 failed" in result.stdout
    assert "broken.dcm" in result.stderr
