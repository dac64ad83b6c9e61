"""The service's web page in a real headless browser: Debian's chromium + chromium-driver driven by selenium.

The real server (uvicorn, app factory) runs on 127.0.0.1 with tiny exported models; the browser uploads a patch,
submits, and the page must show the class /predict returns for the same file, the three images and the notice.
In the film view it uploads a synthetic film: the overlay, the regions /inspect returns (or "no regions"), zoom by
the slider and by Ctrl + wheel, and a click on a region that brings it into view. With a detector and the example
acceptance rules it uploads a DICONDE film with `<script>` in its file name and component name: the indications and
the verdict /inspect gives, the header as text, and the Report button that opens the film's inspection report in a
new tab.
Skips only when the chromium binaries are absent (install: `apt-get install chromium chromium-driver`).
"""

import base64
import json
import os
import shutil
from pathlib import Path

import httpx
import numpy as np
import pytest

from riawelc.images import write_png
from riawelc.synth.patches import generate_patch
from serve.live import live_server

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
IMAGE_IDS = ("overlay", "cam-mask", "unet-mask")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

pytestmark = pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason="Debian's chromium and chromium-driver are not installed (apt-get install chromium chromium-driver): "
    f"chromium={CHROMIUM}, chromedriver={CHROMEDRIVER}",
)


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> Path:
    from tests.serve.make_models import make_models

    return make_models(tmp_path_factory.mktemp("page-models"))


@pytest.fixture(scope="module")
def server(models):
    with live_server(models) as running:
        yield running


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--window-size=1280,1100"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # the page's console, checked below
    # An explicit driver path: selenium then never tries to download a browser or a driver (no network here).
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


@pytest.fixture
def patch_file(tmp_path) -> Path:
    image, _ = generate_patch("porosity", np.random.default_rng(7))
    path = tmp_path / "porosity patch.png"
    write_png(path, image)
    return path


def test_page_shows_the_prediction_of_an_uploaded_patch(server, browser, patch_file, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    expected = httpx.post(f"{server.url}/predict", files={"file": (patch_file.name, patch_file.read_bytes(),
                                                                    "image/png")}, timeout=60)
    assert expected.status_code == 200, expected.text
    expected_class = expected.json()["class"]

    browser.get(f"{server.url}/")
    notice = browser.find_element(By.ID, "model-notice")
    browser.find_element(By.ID, "file-input").send_keys(str(patch_file))
    browser.find_element(By.ID, "submit").click()

    def result_ready(driver):
        shown = driver.find_element(By.ID, "result-class").text.strip()
        sources = [driver.find_element(By.ID, image_id).get_attribute("src") or "" for image_id in IMAGE_IDS]
        error = driver.find_element(By.ID, "error").text.strip()
        if error:
            raise AssertionError(f"the page shows an error: {error}")
        return shown and all(source.startswith("data:image/png;base64,") for source in sources)

    WebDriverWait(browser, 60, poll_frequency=0.2).until(result_ready)

    screenshot = tmp_path / "service_page.png"
    browser.save_screenshot(str(screenshot))
    print(f"screenshot: {screenshot}")

    shown = browser.find_element(By.ID, "result-class").text.strip()
    assert expected_class in shown.replace(" ", "_"), (shown, expected_class)  # the page may print "lack of ..."
    for image_id in IMAGE_IDS:
        image = browser.find_element(By.ID, image_id)
        data = base64.b64decode(image.get_attribute("src").split(",", 1)[1])
        assert data.startswith(PNG_SIGNATURE), image_id
        # Decoded and laid out by the browser, not a broken image icon.
        assert browser.execute_script("return arguments[0].complete && arguments[0].naturalWidth", image) > 0
    # No script error or failed request on the way (a missing favicon is no error of the page).
    console = [entry["message"] for entry in browser.get_log("browser")
               if entry["level"] == "SEVERE" and "favicon.ico" not in entry["message"]]
    assert not console, console
    probabilities = browser.find_element(By.ID, "result-probabilities").text
    assert all(name in probabilities.replace(" ", "_") for name in expected.json()["probabilities"]), probabilities

    # The cards say what data the models saw; on the synthetic sample the page must say they are a demonstration.
    card = json.loads((server.model_dir / "classifier.json").read_text())
    synthetic = (card.get("training_data") or {}).get("synthetic")
    if synthetic is False:
        assert "synthetic" not in notice.text.lower(), notice.text
    else:  # true, or unknown (an older card): the cautious notice
        text = notice.text.lower()
        assert notice.is_displayed() and "synthetic" in text and "demonstrat" in text, f"#model-notice: {notice.text!r}"


@pytest.fixture
def film_file(tmp_path) -> Path:
    from tests.serve.conftest import film_image

    path = tmp_path / "synthetic film.png"
    write_png(path, film_image(1300, 3000))
    return path


def test_film_view_shows_the_overlay_and_regions_and_zooms(server, browser, film_file, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    expected = httpx.post(f"{server.url}/inspect?source=cam&overlay=false",
                          files={"file": (film_file.name, film_file.read_bytes(), "image/png")}, timeout=120)
    assert expected.status_code == 200, expected.text
    expected = expected.json()

    browser.get(f"{server.url}/")
    Select(browser.find_element(By.ID, "film-source")).select_by_value("cam")
    browser.find_element(By.ID, "film-input").send_keys(str(film_file))
    browser.find_element(By.ID, "film-submit").click()
    image = browser.find_element(By.ID, "film-overlay")

    def film_ready(driver):
        error = driver.find_element(By.ID, "film-error").text.strip()
        if error:
            raise AssertionError(f"the film view shows an error: {error}")
        loaded = driver.execute_script("return arguments[0].complete && arguments[0].naturalWidth", image)
        rows = driver.find_elements(By.CSS_SELECTOR, "#film-regions tbody tr")
        return loaded and (rows or driver.find_element(By.ID, "film-no-regions").is_displayed())

    WebDriverWait(browser, 120, poll_frequency=0.2).until(film_ready)
    assert browser.execute_script("return [arguments[0].naturalWidth, arguments[0].naturalHeight]", image) == \
        [expected["width"], expected["height"]]
    rows = browser.find_elements(By.CSS_SELECTOR, "#film-regions tbody tr")
    assert len(rows) == len(expected["regions"])
    summary = browser.find_element(By.ID, "film-summary").text
    assert f"{expected['windows']} windows" in summary and expected["inspected"] in summary, summary

    def shown_width():
        return browser.execute_script("return arguments[0].getBoundingClientRect().width", image)

    viewport = browser.find_element(By.ID, "film-viewport")
    assert shown_width() <= viewport.size["width"]  # fitted to the viewport at first
    zoom = browser.find_element(By.ID, "film-zoom")
    # The slider is log2(zoom) x 100: -100 is 50 %.
    browser.execute_script("arguments[0].value = '-100'; arguments[0].dispatchEvent(new Event('input'))", zoom)
    assert abs(shown_width() - expected["width"] * 0.5) <= 1
    assert browser.find_element(By.ID, "film-zoom-value").text == "50 %"
    browser.execute_script("""
        const view = arguments[0], rect = view.getBoundingClientRect();
        view.dispatchEvent(new WheelEvent("wheel", {deltaY: -400, ctrlKey: true, bubbles: true, cancelable: true,
                                                    clientX: rect.left + 100, clientY: rect.top + 100}));""", viewport)
    assert shown_width() > expected["width"] * 0.5 * 1.5, "Ctrl + wheel did not zoom in"

    if rows:
        region = expected["regions"][-1]
        rows[-1].click()
        x, y, w, h = region["box"]
        state = browser.execute_script("""
            const view = arguments[0], mark = document.getElementById("film-highlight"), image = arguments[1];
            return {left: view.scrollLeft, top: view.scrollTop, width: view.clientWidth, height: view.clientHeight,
                    shown: !mark.hidden, zoom: image.getBoundingClientRect().width / image.naturalWidth};""",
                                       viewport, image)
        assert state["shown"] and state["zoom"] >= 0.999, state
        centre_x, centre_y = (x + w / 2) * state["zoom"], (y + h / 2) * state["zoom"]
        assert state["left"] <= centre_x <= state["left"] + state["width"], state
        assert state["top"] <= centre_y <= state["top"] + state["height"], state
        assert "selected" in rows[-1].get_attribute("class")
        assert region["class"].replace("_", " ") in rows[-1].text
    else:
        assert "No regions" in browser.find_element(By.ID, "film-no-regions").text

    screenshot = tmp_path / "service_page_film.png"
    browser.save_screenshot(str(screenshot))
    print(f"screenshot: {screenshot}")
    console = [entry["message"] for entry in browser.get_log("browser")
               if entry["level"] == "SEVERE" and "favicon.ico" not in entry["message"]]
    assert not console, console
    # The patch view is still there beside it.
    for element_id in ("file-input", "submit", "result-class", "overlay"):
        assert browser.find_element(By.ID, element_id)


@pytest.fixture(scope="module")
def judging_server(models, tmp_path_factory):
    """The service with a detector (every spot porosity) and the example acceptance rules."""
    from tests.serve.test_film_assessment import EXAMPLE_RULES, porosity_detector

    detector = porosity_detector(tmp_path_factory.mktemp("page-detector") / "detector.json")
    env = {**os.environ, "RIAWELC_DETECTOR": str(detector), "RIAWELC_RULES": str(EXAMPLE_RULES)}
    with live_server(models, env=env) as running:
        yield running


def page_errors(browser) -> list[str]:
    return [entry["message"] for entry in browser.get_log("browser")
            if entry["level"] == "SEVERE" and "favicon.ico" not in entry["message"]]


def test_the_page_opens_the_report_of_the_film_it_inspected(judging_server, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    from tests.serve.test_film_assessment import SCRIPT, dicom_bytes
    from tests.report.test_report import Page

    path = tmp_path / "<script>alert(2).dcm"
    path.write_bytes(dicom_bytes(tmp_path, "made.dcm", patient=SCRIPT))
    query = "source=candidates&region=seam&thickness=5"
    expected = httpx.post(f"{judging_server.url}/inspect?{query}&overlay=false",
                          files={"file": (path.name, path.read_bytes(), "application/dicom")}, timeout=120)
    assert expected.status_code == 200, expected.text
    expected = expected.json()
    assert expected["indications"] and expected["verdicts"]

    browser.get(f"{judging_server.url}/")
    level = browser.find_element(By.ID, "film-level")
    WebDriverWait(browser, 30, poll_frequency=0.2).until(lambda driver: level.is_enabled())  # /model/info's rules
    assert [o.text for o in Select(level).options] == ["all levels", "example-strict", "example-lenient"]
    Select(browser.find_element(By.ID, "film-source")).select_by_value("candidates")
    browser.find_element(By.ID, "film-thickness").send_keys("5")
    browser.find_element(By.ID, "film-input").send_keys(str(path))
    browser.find_element(By.ID, "film-submit").click()

    def inspected(driver):
        error = driver.find_element(By.ID, "film-error").text.strip()
        if error:
            raise AssertionError(f"the film view shows an error: {error}")
        return driver.find_elements(By.CSS_SELECTOR, "#film-indications tbody tr")

    rows = WebDriverWait(browser, 120, poll_frequency=0.2).until(inspected)
    assert len(rows) == len(expected["indications"])
    first = expected["indications"][0]
    cells = [cell.text for cell in rows[0].find_elements(By.TAG_NAME, "td")]
    assert cells[:2] == [str(first["number"]), "porosity"] and float(cells[2]) == pytest.approx(first["length_mm"],
                                                                                                  abs=0.006)
    verdicts = browser.find_element(By.ID, "film-verdicts").text
    for verdict in expected["verdicts"]:
        assert f"Level {verdict['level']}, t = 5 mm: {verdict['decision']}" in verdicts, verdicts
        for reason in verdict["reasons"]:
            assert reason["text"] in verdicts
    called = [c for c in expected["cells"] if c["defect"]]
    assert called and all(c["class"] == "porosity" for c in called)
    assert browser.find_element(By.ID, "film-cells").text.startswith(
        f"Cells of 248 px (the flaw table's 1 cm at 40.3 µm per pixel) called defect: {len(called)} of "
        f"{len(expected['cells'])}: cell {called[0]['cell']} (porosity, p ")
    assert "from DICOM PixelSpacing" in browser.find_element(By.ID, "film-scale").text
    assert SCRIPT in browser.find_element(By.ID, "film-header").text  # shown as text ...
    assert browser.execute_script("return document.querySelectorAll('#film-view script, #film-view b').length") == 0

    browser.save_screenshot(str(tmp_path / "service_page_dicom.png"))
    print(f"screenshot: {tmp_path / 'service_page_dicom.png'}")
    page_tab = browser.current_window_handle
    browser.find_element(By.ID, "film-report").click()
    WebDriverWait(browser, 30, poll_frequency=0.2).until(lambda driver: len(driver.window_handles) == 2)
    report_tab = next(handle for handle in browser.window_handles if handle != page_tab)
    browser.switch_to.window(report_tab)
    try:
        WebDriverWait(browser, 120, poll_frequency=0.2).until(
            lambda driver: driver.execute_script("return document.getElementById('indications') !== null"))
        assert browser.current_url.startswith("blob:")
        assert browser.title == f"Inspection report: {path.name}"  # the file name as text, not a script
        assert browser.execute_script("return document.querySelectorAll('script').length") == 0
        page = Page()
        page.feed(browser.page_source)
        header, *table = page.table
        assert header[:3] == ["No.", "class", "length mm"] and len(table) == len(expected["indications"])
        assert [row[0] for row in table] == [str(i["number"]) for i in expected["indications"]]
        text = browser.find_element(By.TAG_NAME, "body").text
        assert SCRIPT in text and "example-strict" in text and "aid for the inspector" in text
        images = browser.find_elements(By.TAG_NAME, "img")
        assert images and all(browser.execute_script("return arguments[0].complete && arguments[0].naturalWidth",
                                                     image) > 0 for image in images)
        screenshot = tmp_path / "service_report.png"
        browser.save_screenshot(str(screenshot))
        print(f"screenshot: {screenshot}")
    finally:
        browser.close()
        browser.switch_to.window(page_tab)
    link = browser.find_element(By.ID, "film-report-link")
    assert link.is_displayed() and link.get_attribute("href").startswith("blob:")
    assert link.text == f"report of {path.name}"
    assert not page_errors(browser), page_errors(browser)
