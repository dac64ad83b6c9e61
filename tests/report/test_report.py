"""riawelc.report parsed without a browser: its indications table matches the JSON record, its pictures are inline
PNGs, a missing weld id / inspector / IQI reads "not recorded", and `<script>` in a DICOM header and in a file
name comes out as text."""

import base64
import json
from html.parser import HTMLParser

import cv2
import numpy as np
import pytest

from riawelc.acceptance import judge, parse_rules
from riawelc.indications import measure_indications
from riawelc.radiograph import Radiograph, read_radiograph
from riawelc.report import DISCLAIMER, NOT_RECORDED, ReportContext, render_report
from tests.indications.indication_films import Drawing
from tests.radiograph.radiograph_files import weld_values, write_dicom
from tests.acceptance.test_acceptance import RULES

SCRIPT = "<script>alert(1)</script>"


class Page(HTMLParser):
    """The tags, the text, the images and the indications table of a page."""

    def __init__(self):
        super().__init__()
        self.tags, self.text, self.images, self.table, self._in_table, self._cell = [], [], [], [], False, None

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        attrs = dict(attrs)
        if tag == "img":
            self.images.append(attrs["src"])
        if tag == "table" and attrs.get("id") == "indications":
            self._in_table = True
        if self._in_table and tag == "tr":
            self.table.append([])
        if self._in_table and tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "table":
            self._in_table = False
        if self._in_table and tag in ("td", "th"):
            self.table[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)


def dicom_film(tmp_path, name="weld.dcm", patient="plate 7") -> Radiograph:
    path = write_dicom(tmp_path / name, weld_values(400, 3000), "MONOCHROME1", {"PixelSpacing": [0.05, 0.05]},
                       patient=patient)
    return read_radiograph(path)


def report_of(film: Radiograph, context: ReportContext):
    drawing = Drawing().crack(600, 200, 200).pore(1500, 200, 10).pore(1530, 200, 8).pore(2500, 190, 14)
    inspection = drawing.inspection()
    found = measure_indications(inspection, film.scale)
    verdicts = [judge(found, level, 10.0) for level in parse_rules(RULES).levels.values()]
    html = render_report(film.pixels, film, inspection.summary(), found, verdicts, context)
    page = Page()
    page.feed(html)
    return html, page, json.loads(json.dumps(found.as_dict())), verdicts


def assert_table_matches(table: list[list[str]], indications: list[dict]) -> None:
    """The report's indications table (a Page's `table`, calibrated) says what the JSON indications say."""
    header, *rows = table
    fields = {"No.": "number", "class": "class", "length mm": "length_mm", "width mm": "width_mm",
              "area mm²": "area_mm2", "position mm": "position_mm", "cell": "cell", "pores": "pores",
              "largest pore mm": "largest_pore_mm", "area share %": "area_share_percent", "score": "score"}
    assert set(header) == set(fields) and len(rows) == len(indications)
    for row, item in zip(rows, indications):
        for heading, cell in zip(header, row):
            expected = item[fields[heading]]
            if expected is None:
                assert cell == "-"
            elif isinstance(expected, str):
                assert cell == expected
            else:
                assert float(cell) == pytest.approx(expected, abs=0.051), (heading, cell, expected)


def test_the_table_matches_the_json_record(tmp_path):
    _, page, record, _ = report_of(dicom_film(tmp_path), ReportContext(weld_id="W-17"))
    assert page.table[0][:4] == ["No.", "class", "length mm", "width mm"] and len(record["indications"]) == 3
    assert_table_matches(page.table, record["indications"])


def test_verdict_reasons_calibration_and_the_disclaimer_are_in_the_report(tmp_path):
    _, page, _, verdicts = report_of(dicom_film(tmp_path), ReportContext(
        weld_id="W-17", model={"name": "detector.json", "files": [{"path": "detector.json", "sha256": "ab" * 32}],
                               "training_data": "md5 1234"}))
    text = " ".join(" ".join(page.text).split())
    assert DISCLAIMER in text and "from DICOM PixelSpacing" in text and "ab" * 32 in text and "md5 1234" in text
    assert "Level tight, t = 10 mm: reject" in text and "Level loose, t = 10 mm: accept" in text
    for breach in verdicts[0].reasons:
        assert breach.text() in text
    assert "W-17" in text
    assert text.count(NOT_RECORDED) >= 2  # inspector and image quality indicator not given


def test_pictures_are_inline_pngs_and_nothing_is_fetched(tmp_path):
    html, page, record, _ = report_of(dicom_film(tmp_path), ReportContext())
    assert len(page.images) == 1 + len(record["indications"])  # the overview and one crop each
    for src in page.images:
        assert src.startswith("data:image/png;base64,")
        picture = cv2.imdecode(np.frombuffer(base64.b64decode(src.split(",", 1)[1]), np.uint8), cv2.IMREAD_COLOR)
        assert picture is not None and picture.shape[2] == 3
    assert "http://" not in html and "https://" not in html and "<link" not in html


def test_script_in_a_dicom_name_and_in_a_file_name_comes_out_as_text(tmp_path):
    film = dicom_film(tmp_path, name="<script>alert(2).dcm", patient=SCRIPT)
    html, page, _, _ = report_of(film, ReportContext(weld_id=SCRIPT, inspector="<b>x</b>", iqi="W10 <i>"))
    assert "script" not in page.tags and "b" not in page.tags and "i" not in page.tags
    text = "".join(page.text)
    assert SCRIPT in text and "<script>alert(2).dcm" in text and "<b>x</b>" in text and "W10 <i>" in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
