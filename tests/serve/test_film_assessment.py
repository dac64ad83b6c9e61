"""POST /inspect from file to decision (issue 18): DICONDE films with their own header-first checks, the scale and
where it came from (the file, ?mm_per_pixel, RIAWELC_MM_PER_PIXEL, or none: px and the reason), indications, the
verdict per level from RIAWELC_RULES, the 400s of a bad level or a missing t, and the HTML report (Accept:
text/html) parsed with the standard library against the JSON of the same request.

The films go through a detector with the peak rule and a component classifier that calls everything porosity,
so that the indications are known (a bright pore on a DICONDE weld) without any trained model."""

import time
from pathlib import Path

import numpy as np
import pytest

from riawelc.constants import DEFECT_CLASSES
from riawelc.inspect.candidates import COMPONENT_FEATURES, CandidateSettings
from riawelc.inspect.cells import CELL_FEATURES, CellModel
from riawelc.inspect.detector import Detector
from riawelc.inspect.trees import TreeEnsemble
from riawelc.report import DISCLAIMER
from tests.conftest import REPO
from tests.radiograph.radiograph_files import weld_values, write_dicom, write_jpeg_ls_without_handler
from tests.serve.conftest import encode, film_image, upload
from tests.serve.test_app import assert_problem
from tests.report.test_report import SCRIPT, Page, assert_table_matches

EXAMPLE_RULES = REPO / "profiles" / "acceptance-example.yaml"  # the service-only venv test copies it too
SPACING = 0.1  # mm per pixel of the DICONDE films here
PORE_RADIUS = 6  # px: a pore of about 1.7 mm across at SPACING (its dark halo counts)
DICOM = "application/dicom"
CANDIDATES = "/inspect?source=candidates&overlay=false"


def porosity_detector(path: Path) -> Path:
    """The peak rule keeps the dark (here: bright-in-the-file, MONOCHROME1) spots; a classifier with no trees and
    a porosity baseline calls each of them porosity, and so each defect cell."""
    baseline = np.array([5.0 if name == "porosity" else 0.0 for name in DEFECT_CLASSES])
    classifier = TreeEnsemble(list(DEFECT_CLASSES), list(COMPONENT_FEATURES), baseline, 1.0, [])
    n = len(CELL_FEATURES)  # and a cell model: a cell is defect when its darkest 25-px top-hat exceeds 10 levels
    cell_model = CellModel(np.zeros(n), np.ones(n), np.eye(n)[CELL_FEATURES.index("hat25_max")], -10.0)
    Detector(CandidateSettings(extent=3.0, peak=10.0), classifier=classifier, cell_model=cell_model).save(path)
    return path


def dicom_bytes(tmp_path: Path, name: str = "plate.dcm", patient: str = "plate 7", spacing: dict | None = None,
                width: int = 700) -> bytes:
    values = weld_values(300, width, pore_at=(width // 2, 150), pore_radius=PORE_RADIUS)
    spacing = {"PixelSpacing": [SPACING, SPACING]} if spacing is None else spacing
    return write_dicom(tmp_path / name, values, "MONOCHROME1", spacing, patient=patient).read_bytes()


def ready_client(stack, model_dir: Path, **settings):
    from litestar.testing import TestClient

    from serve.app import create_app
    from serve.settings import Settings

    client = stack.enter_context(TestClient(create_app(Settings(model_dir=model_dir, **settings))))
    deadline = time.monotonic() + 120
    while client.app.state.service.loading:
        assert time.monotonic() < deadline, "models did not finish loading"
        time.sleep(0.02)
    return client


@pytest.fixture(scope="module")
def detector(tmp_path_factory) -> Path:
    return porosity_detector(tmp_path_factory.mktemp("detector") / "detector.json")


@pytest.fixture(scope="module")
def plain(model_dir, detector):
    """The service with the detector and no acceptance rules."""
    from contextlib import ExitStack

    with ExitStack() as stack:
        yield ready_client(stack, model_dir, detector=detector)


@pytest.fixture(scope="module")
def judged(model_dir, detector):
    """The service with the detector and the project's example rules (RIAWELC_RULES)."""
    from contextlib import ExitStack

    with ExitStack() as stack:
        yield ready_client(stack, model_dir, detector=detector, rules=EXAMPLE_RULES)


def the_pore(body: dict) -> dict:
    """The one indication at the pore drawn in the middle of the film."""
    middle = body["width"] / 2
    found = [i for i in body["indications"] if abs(i["centre_px"][0] - middle) < 3]
    assert len(found) == 1, body["indications"]
    return found[0]


def test_a_dicom_film_gives_indications_in_mm_with_its_scale_source(plain, tmp_path):
    data = dicom_bytes(tmp_path)
    response = plain.post(CANDIDATES, files=upload(data, "plate.dcm", DICOM))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["scale"] == {"mm_per_pixel": SPACING, "source": "DICOM PixelSpacing", "note": ""}
    assert body["mm_per_pixel"] == SPACING and body["units"] == "mm"
    assert body["input"]["format"] == "DICOM" and body["input"]["mode"] == "MONOCHROME1 16-bit"
    assert any("MONOCHROME1" in c for c in body["input"]["conversions"])
    assert body["header"] == {"component name": "plate 7", "component id": "C-001"}
    pore = the_pore(body)
    assert pore["class"] == "porosity" and pore["pores"] == 1
    # 2 x 6 + 1 = 13 px drawn across; the candidate's extent a little more (its edge), at 0.1 mm each
    assert pore["length_mm"] == pytest.approx(pore["length_px"] * SPACING, abs=1e-3)
    assert 1.2 <= pore["length_mm"] <= 2.0 and 1.2 <= pore["largest_pore_mm"] <= 2.0
    assert pore["position_mm"] == pytest.approx(35.0, abs=0.2) and pore["cell"] == 4
    assert pore["area_mm2"] == pytest.approx(pore["area_px"] * SPACING**2, abs=1e-3)
    region = next(r for r in body["regions"] if r["box"] == pore["box"])
    assert region["area_mm2"] == pytest.approx(region["area_px"] * SPACING**2, abs=1e-4)  # not at 40.3 um
    assert body["verdicts"] == [] and body["rules"] is None


def test_imager_spacing_is_divided_by_the_magnification_and_the_source_says_so(plain, tmp_path):
    data = dicom_bytes(tmp_path, spacing={"ImagerPixelSpacing": [0.2, 0.2],
                                          "EstimatedRadiographicMagnificationFactor": 2.0})
    body = plain.post(CANDIDATES, files=upload(data, "imager.dcm", DICOM)).json()
    assert body["scale"]["source"] == "DICOM ImagerPixelSpacing / EstimatedRadiographicMagnificationFactor"
    assert body["mm_per_pixel"] == pytest.approx(0.1)


def test_a_png_without_a_scale_gives_px_and_the_reason_and_mm_when_given_one(plain):
    data = encode(film_image(300, 700, spots=3))
    body = plain.post(CANDIDATES, files=upload(data, "film.png")).json()
    assert body["mm_per_pixel"] is None and body["units"] == "px" and body["defect_area_mm2"] is None
    assert body["scale"]["source"] == "none"
    reason = body["scale"]["note"]
    assert "PNG" in reason and "mm_per_pixel" in reason and "RIAWELC_MM_PER_PIXEL" in reason and "px" in reason
    assert "--mm-per-pixel" not in reason  # the command line's advice is not the service's
    assert len(body["indications"]) >= 3 and any("no scale" in note for note in body["notes"])
    for item in body["indications"]:
        assert item["length_px"] > 0 and item["length_mm"] is None and item["cell"] is None
    assert all(r["area_mm2"] is None for r in body["regions"])

    measured = plain.post(f"{CANDIDATES}&mm_per_pixel=0.0403", files=upload(data, "film.png")).json()
    assert measured["scale"]["source"] == "user" and measured["mm_per_pixel"] == 0.0403 and measured["units"] == "mm"
    assert len(measured["indications"]) == len(body["indications"])
    for px, mm in zip(body["indications"], measured["indications"]):
        assert mm["length_px"] == px["length_px"]
        assert mm["length_mm"] == pytest.approx(px["length_px"] * 0.0403, abs=1e-3)
    assert measured["defect_area_mm2"] == pytest.approx(sum(r["area_px"] for r in measured["regions"]) * 0.0403**2,
                                                        abs=1e-3)


def test_the_setting_scales_films_without_their_own_and_a_query_overrides_a_header(start, detector, tmp_path):
    client = start(detector=detector, mm_per_pixel=0.0403)
    png = client.post(CANDIDATES, files=upload(encode(film_image(300, 700, spots=3)), "film.png")).json()
    assert png["scale"]["source"] == "RIAWELC_MM_PER_PIXEL" and png["mm_per_pixel"] == 0.0403
    assert "PNG" in png["scale"]["note"]
    dicom = dicom_bytes(tmp_path)
    own = client.post(CANDIDATES, files=upload(dicom, "plate.dcm", DICOM)).json()
    assert own["scale"]["source"] == "DICOM PixelSpacing"  # the file's own scale beats the setting
    asked = client.post(f"{CANDIDATES}&mm_per_pixel=0.2", files=upload(dicom, "plate.dcm", DICOM)).json()
    assert asked["scale"]["source"] == "user" and asked["mm_per_pixel"] == 0.2
    assert "0.1 mm (DICOM PixelSpacing)" in asked["scale"]["note"]  # what the header said is kept
    assert the_pore(asked)["length_mm"] == pytest.approx(2 * the_pore(own)["length_mm"], abs=2e-3)


def test_a_verdict_per_level_from_the_example_rules_at_a_given_thickness(judged, tmp_path):
    data = dicom_bytes(tmp_path)
    thin = judged.post(f"{CANDIDATES}&thickness=5", files=upload(data, "plate.dcm", DICOM))
    assert thin.status_code == 200, thin.text
    body = thin.json()
    assert body["rules"]["path"] == str(EXAMPLE_RULES) and "not the text" in body["rules"]["notice"]
    assert body["rules"]["levels"] == ["example-strict", "example-lenient"]
    pore = the_pore(body)
    diameter = pore["largest_pore_mm"]
    assert 1.25 < diameter < 2.0  # between the two levels' limits at t = 5 mm: 0.25 t and 0.4 t
    verdicts = {v["level"]: v for v in body["verdicts"]}
    assert list(verdicts) == ["example-strict", "example-lenient"]
    strict, lenient = verdicts["example-strict"], verdicts["example-lenient"]
    assert strict["decision"] == "reject" and strict["t_mm"] == 5.0
    [reason] = strict["reasons"]
    assert (reason["indication"], reason["measure"], reason["value"], reason["limit"]) == \
        (pore["number"], "diameter", diameter, 1.25)
    assert "0.25 t" in reason["rule_text"] and f"indication {pore['number']}" in reason["text"]
    assert lenient["decision"] == "accept" and lenient["reasons"] == []

    thick = judged.post(f"{CANDIDATES}&thickness=10&level=example-strict", files=upload(data, "plate.dcm", DICOM))
    assert [(v["level"], v["decision"]) for v in thick.json()["verdicts"]] == [("example-strict", "accept")]
    every = judged.post(f"{CANDIDATES}&thickness=10&level=all", files=upload(data, "plate.dcm", DICOM)).json()
    assert [v["decision"] for v in every["verdicts"]] == ["accept", "accept"]


def test_no_scale_gives_no_verdict_with_the_reason(judged):
    body = judged.post(f"{CANDIDATES}&thickness=10", files=upload(encode(film_image(300, 700)), "film.png")).json()
    assert [v["decision"] for v in body["verdicts"]] == [None, None]
    assert all("no scale" in v["note"] for v in body["verdicts"])


def test_bad_levels_and_a_missing_thickness_are_400s_naming_the_parameter(judged, plain, tmp_path):
    data = upload(dicom_bytes(tmp_path), "plate.dcm", DICOM)
    unknown = assert_problem(judged.post(f"{CANDIDATES}&level=B&thickness=10", files=data), 400, "example-strict")
    assert unknown["type"].endswith("unknown-level") and [e["key"] for e in unknown["extra"]] == ["level"]
    missing = assert_problem(judged.post(CANDIDATES, files=data), 400, "thickness=")
    assert missing["type"].endswith("thickness-needed") and [e["key"] for e in missing["extra"]] == ["thickness"]
    assert "0.25 t" in missing["detail"]
    for query in ("thickness=0", "thickness=-3", "thickness=thin", "mm_per_pixel=0", "level="):
        key = query.split("=")[0]
        body = assert_problem(judged.post(f"{CANDIDATES}&{query}", files=data), 400, key)
        assert key in [entry["key"] for entry in body["extra"]], body
    refused = assert_problem(plain.post(f"{CANDIDATES}&level=example-strict", files=data), 409, "RIAWELC_RULES")
    assert refused["type"].endswith("no-rules")


def test_dicom_limits_are_read_from_the_header_before_decoding(plain, start, tmp_path):
    import pydicom

    path = tmp_path / "huge.dcm"
    path.write_bytes(dicom_bytes(tmp_path, "small.dcm", width=64))
    ds = pydicom.dcmread(str(path))
    ds.Rows, ds.Columns = 4000, 3000  # 12 Mpx in the header; the pixel data stays 300 x 64: decoding would fail
    ds.save_as(str(path), enforce_file_format=True)
    too_big = assert_problem(plain.post(CANDIDATES, files=upload(path.read_bytes(), "huge.dcm", DICOM)), 413,
                             "RIAWELC_MAX_FILM_PIXELS")
    assert "3000 x 4000" in too_big["detail"]
    limited = start(detector=plain.app.state.service.settings.detector, max_film_pixels=100_000)
    assert_problem(limited.post(CANDIDATES, files=upload(dicom_bytes(tmp_path), "plate.dcm", DICOM)), 413,
                   "100000")

    compressed = write_jpeg_ls_without_handler(tmp_path / "jpegls.dcm").read_bytes()
    syntax = assert_problem(plain.post(CANDIDATES, files=upload(compressed, "jpegls.dcm", DICOM)), 415,
                            "JPEG-LS Lossless")
    assert syntax["type"].endswith("unsupported-transfer-syntax") and "1.2.840.10008.1.2.4.80" in syntax["detail"]

    whole = dicom_bytes(tmp_path)
    assert_problem(plain.post(CANDIDATES, files=upload(whole[:-20000], "cut.dcm", DICOM)), 422, "cut.dcm")
    assert_problem(plain.post(CANDIDATES, files=upload(whole[:132] + b"\x07" * 300, "junk.dcm", DICOM)), 422,
                   "junk.dcm")
    assert_problem(plain.post(CANDIDATES, files=upload(encode(film_image(100, 200)), "image.dcm", DICOM)), 422,
                   "not a readable DICOM file")  # a .dcm name is read as DICOM, as `riawelc inspect` does
    assert plain.get("/health").status_code == 200


def test_the_report_is_html_whose_table_matches_the_json_of_the_same_request(judged, tmp_path):
    data = upload(dicom_bytes(tmp_path), "plate.dcm", DICOM)
    query = f"{CANDIDATES}&thickness=5&weld_id=W-17&inspector=A.%20Inspector"
    body = judged.post(query, files=data).json()
    response = judged.post(query, files=data, headers={"Accept": "text/html"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["x-model-version"] == body["model_version"]
    page = Page()
    page.feed(response.text)
    assert body["indications"]
    assert_table_matches(page.table, body["indications"])
    text = " ".join(" ".join(page.text).split())
    assert "Level example-strict, t = 5 mm: reject" in text and "Level example-lenient, t = 5 mm: accept" in text
    for verdict in body["verdicts"]:
        for reason in verdict["reasons"]:
            assert reason["text"] in text
    assert "from DICOM PixelSpacing" in text and DISCLAIMER in text and "W-17" in text and "A. Inspector" in text
    assert judged.app.state.service.models.detector_sha256 in text  # the detector file behind the indications
    assert body["rules"]["sha256"] in text
    assert len(page.images) == 1 + len(body["indications"]) and all(
        src.startswith("data:image/png;base64,") for src in page.images)


def test_script_in_a_dicom_header_and_a_file_name_comes_out_as_text(plain, tmp_path):
    name = "<script>alert(2)</script>.dcm"
    data = upload(dicom_bytes(tmp_path, "weld.dcm", patient=SCRIPT), name, DICOM)
    body = plain.post(CANDIDATES, files=data).json()
    assert body["header"]["component name"] == SCRIPT and body["input"]["filename"] == name  # JSON: data, as given
    report = plain.post(CANDIDATES, files=data, headers={"Accept": "text/html"})
    assert report.status_code == 200, report.text
    page = Page()
    page.feed(report.text)
    assert "script" not in page.tags
    text = "".join(page.text)
    assert SCRIPT in text and name in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in report.text and "<script>" not in report.text
    named = plain.post(f"{CANDIDATES}&weld_id=%3Cscript%3Ex%3C/script%3E", files=data,
                       headers={"Accept": "text/html"}).text
    assert "<script>" not in named and "&lt;script&gt;x&lt;/script&gt;" in named


def test_a_rule_file_that_cannot_be_used_keeps_the_service_unready(start, tmp_path):
    bad = tmp_path / "rules.yaml"
    bad.write_text("format: riawelc-acceptance-1\nlevels: {a: {rules: [{class: crack, measure: count, limit: 0, "
                   "colour: red}]}}\n")
    client = start(rules=bad)
    body = assert_problem(client.get("/ready"), 503, "RIAWELC_RULES")
    assert "colour" in body["detail"]
    assert_problem(client.post("/inspect", files=upload(encode(film_image(300, 600)), "film.png")), 503,
                   "RIAWELC_RULES")
    missing = start(rules=tmp_path / "nowhere.yaml")
    assert_problem(missing.get("/ready"), 503, "nowhere.yaml")


def test_model_info_names_the_rules(judged):
    rules = judged.get("/model/info").json()["rules"]
    assert rules["levels"] == ["example-strict", "example-lenient"] and len(rules["sha256"]) == 64
    assert "not a standard" in rules["title"]


def test_the_answer_schema_has_every_field_of_the_library_records():
    """serve.schemas spells out the records of riawelc.indications, riawelc.acceptance and riawelc.radiograph for the
    OpenAPI schema; a field added there must be added here (msgspec would drop it silently)."""
    from dataclasses import fields

    import msgspec

    from riawelc.acceptance import Breach, Verdict
    from riawelc.indications import Indication
    from riawelc.radiograph import Scale
    from serve import schemas

    def names(struct) -> set[str]:
        return {field.encode_name for field in msgspec.structs.fields(struct)}

    assert names(schemas.Indication) == {"class" if f.name == "cls" else f.name for f in fields(Indication)}
    assert names(schemas.Breach) == {f.name for f in fields(Breach)} | {"text"}
    assert names(schemas.Verdict) == set(Verdict("level", None).as_dict())
    assert names(schemas.FilmScale) == set(Scale(None, "none").as_dict())
