"""POST /inspect: whole films through riawelc.inspect.film on the service's own ONNX sessions (TestClient)."""

import threading
import time

import cv2
import numpy as np
import pytest

from riawelc.inspect.candidates import CandidateSettings
from riawelc.inspect.cells import CELL_FEATURES, CellModel
from riawelc.inspect.detector import Detector
from riawelc.inspect.film import FilmModels, FilmSettings, inspect_film, overlay
from riawelc.inspect.filmfile import decode_film
from tests.serve.conftest import encode, film_image, patch_image, upload
from tests.serve.test_app import assert_problem, png_pixels
from tests.serve.test_decode import png_header_only


@pytest.fixture(scope="module")
def reference(model_dir):
    """The same ONNX files opened by riawelc.inspect.film itself, one thread as the service's sessions."""
    return FilmModels.load(model_dir, threads=1)


@pytest.fixture(scope="module")
def film():
    return film_image()


def film_upload(data: bytes, name: str = "film.png", content_type: str = "image/png") -> dict:
    return upload(data, name, content_type)


def expected_regions(inspection, mm_per_pixel: float | None = None) -> list[dict]:
    """The regions as /inspect gives them: area_mm2 at the film's scale, None without one (never at GDXray's
    0.0403 mm by default, as inspect_film's own area_mm2 is)."""
    return [{**r.as_dict(), "box": list(r.box),
             "area_mm2": round(r.area_px * mm_per_pixel**2, 4) if mm_per_pixel else None}
            for r in inspection.regions]


@pytest.mark.parametrize("source", ["unet", "cam"])
def test_8bit_png_film_gives_the_regions_of_inspect_film(client, reference, film, source):
    data = encode(film)
    response = client.post(f"/inspect?source={source}", files=film_upload(data))
    assert response.status_code == 200, response.text
    body = response.json()
    expected = inspect_film(decode_film(data), reference, FilmSettings(source=source))
    assert body["regions"] == expected_regions(expected)
    assert (body["height"], body["width"]) == film.shape
    assert body["windows"] == expected.windows and body["threshold"] == pytest.approx(expected.threshold)
    assert body["source"] == source and body["region"] == "seam" and body["inspected"] == expected.region_note
    assert body["inspected"].startswith("seam band"), body["inspected"]  # the synthetic seam is found
    assert body["settings"]["source"] == source and body["seconds"] > 0
    assert body["input"] == {"filename": "film.png", "format": "PNG", "mode": "L",
                             "original_size": list(film.shape), "resized": False, "conversions": []}
    assert body["mm_per_pixel"] is None and body["defect_area_mm2"] is None and body["scale"]["source"] == "none"
    assert body["model_version"] == response.headers["x-model-version"]
    assert np.abs(png_pixels(body["overlay_png"]).astype(int) - overlay(film, expected)).max() <= 1
    for region in body["regions"]:
        assert set(region) == {"box", "class", "score", "mean_probability", "area_px", "area_mm2"}


def test_16bit_tiff_and_png_films_are_windowed_like_the_library(client, reference, film):
    deep = film.astype(np.uint16) * 180 + 2000  # every value above 255: must be windowed, not clipped
    for suffix, fmt in ((".tiff", "TIFF"), (".png", "PNG")):
        data = encode(deep, suffix)
        response = client.post("/inspect?source=cam&overlay=false",
                               files=film_upload(data, f"film{suffix}", f"image/{fmt.lower()}"))
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["input"]["format"] == fmt and "windowed" in " ".join(body["input"]["conversions"])
        assert body["overlay_png"] is None
        expected = inspect_film(decode_film(data), reference, FilmSettings(source="cam"))
        assert body["regions"] == expected_regions(expected)


def test_whole_film_threshold_and_the_png_itself(client, reference, film):
    data = encode(film)
    response = client.post("/inspect?region=film&source=unet_gated&threshold=0.2", files=film_upload(data),
                           headers={"Accept": "image/png"})
    assert response.status_code == 200 and response.headers["content-type"] == "image/png"
    expected = inspect_film(film, reference, FilmSettings(region="film", source="unet_gated", threshold=0.2))
    got = cv2.imdecode(np.frombuffer(response.content, np.uint8), cv2.IMREAD_UNCHANGED)
    assert np.abs(got.astype(int) - overlay(film, expected)).max() <= 1
    assert response.headers["x-model-version"]
    body = client.post("/inspect?region=film&source=cam_dark&overlay=false", files=film_upload(data)).json()
    assert body["region"] == "film" and body["inspected"] == "whole film (asked)"
    assert body["windows"] == inspect_film(film, reference, FilmSettings(region="film")).windows
    small = client.post("/inspect", files=film_upload(encode(patch_image()[:100, :150])))  # under one window
    assert small.status_code == 200 and (small.json()["height"], small.json()["width"]) == (100, 150)


def test_film_pixel_limit_is_its_own_setting(client, start):
    # 5,000 x 1,300 (6.5 Mpx) passes /inspect's header check (this header-only file then fails to decode) where
    # the patch endpoints refuse it; 10 Mpx is over the default RIAWELC_MAX_FILM_PIXELS.
    header = png_header_only(5000, 1300)
    assert_problem(client.post("/inspect", files=film_upload(header)), 422, "truncated or corrupt")
    assert_problem(client.post("/predict", files=upload(header)), 413, "pixels")
    assert_problem(client.post("/inspect", files=film_upload(png_header_only(5000, 2000))), 413,
                   "RIAWELC_MAX_FILM_PIXELS")
    limited = start(max_film_pixels=1_000_000)
    assert_problem(limited.post("/inspect", files=film_upload(encode(film_image(700, 1800)))), 413, "1000000")


def test_bad_films_and_parameters_get_problem_details(client, film):
    data = encode(film)
    assert_problem(client.post("/inspect", files=film_upload(b"\x00\x01 not an image at all")), 415,
                   "not a PNG, JPEG or TIFF")
    assert_problem(client.post("/inspect", files=film_upload(data[:2000])), 422, "truncated")
    assert_problem(client.post("/inspect", files=film_upload(b"")), 422, "empty")
    colour = cv2.merge([film, film, np.flipud(film)])
    assert_problem(client.post("/inspect", files=film_upload(encode(colour))), 422, "grayscale")
    assert_problem(client.post("/inspect", data={"other": "x"}), 400)  # no file field
    for query, key in (("source=gradcam", "source"), ("region=weld", "region"), ("threshold=1.5", "threshold"),
                       ("threshold=-0.1", "threshold"), ("threshold=high", "threshold"), ("overlay=maybe", "overlay")):
        body = assert_problem(client.post(f"/inspect?{query}", files=film_upload(data)), 400, key)
        assert key in [entry["key"] for entry in body["extra"]], body
    assert client.get("/health").status_code == 200


def test_health_answers_while_a_long_inspection_runs(client, monkeypatch):
    """A whole 1,300 x 3,000 film (about 250 windows) runs in the pool; /health stays fast meanwhile."""
    import riawelc.assessment.film

    entered, release = threading.Event(), threading.Event()
    real = riawelc.assessment.film.inspect_film

    def long_inspection(*args, **kwargs):
        entered.set()
        result = real(*args, **kwargs)  # the real work, while the probes below run
        release.wait(60)  # and held until they are done, so that the request is surely in flight
        return result

    monkeypatch.setattr(riawelc.assessment.film, "inspect_film", long_inspection)
    data = encode(film_image(1300, 3000, seed=3))
    answer = {}
    worker = threading.Thread(target=lambda: answer.setdefault(
        "response", client.post("/inspect?region=film&overlay=false", files=film_upload(data))))
    worker.start()
    try:
        assert entered.wait(60)
        latencies = []
        for _ in range(20):
            started = time.perf_counter()
            assert client.get("/health").status_code == 200
            latencies.append(time.perf_counter() - started)
            time.sleep(0.02)
        assert worker.is_alive() and client.app.state.service.pool.pending == 1
    finally:
        release.set()
        worker.join(120)
    assert answer["response"].status_code == 200, answer["response"].text
    assert max(latencies) < 1.0, latencies
    assert sorted(latencies)[len(latencies) // 2] < 0.2, latencies


def test_inspect_is_guarded_limited_and_measured_like_the_other_endpoints(client, start, tmp_path):
    data = film_upload(encode(film_image(300, 600)))
    echoed = client.post("/inspect", files=data, headers={"X-Request-ID": "film-7.1"})
    assert echoed.status_code == 200 and echoed.headers["x-request-id"] == "film-7.1"
    text = client.get("/metrics").text
    assert 'riawelc_http_requests_total{method="POST",route="/inspect",status="200"}' in text
    assert 'riawelc_inference_duration_seconds_bucket{endpoint="inspect"' in text
    schema = client.get("/schema/openapi.json").json()
    operation = schema["paths"]["/inspect"]["post"]
    assert {"200", "400", "401", "413", "415", "422", "429", "503"} <= set(operation["responses"])
    assert "RIAWELC_MAX_FILM_PIXELS" in operation["responses"]["413"]["description"]
    assert {p["name"] for p in operation["parameters"]} == {"source", "region", "threshold", "overlay", "mm_per_pixel",
                                                          "level", "thickness", "invert", "weld_id", "inspector",
                                                          "iqi"}
    assert set(schema["components"]["schemas"]["FilmSource"]["enum"]) == {"unet", "unet_gated", "cam", "cam_dark",
                                                                         "candidates"}

    page = client.get("/").text
    for element in ("film-input", "film-source", "film-region", "film-submit", "film-overlay", "film-zoom",
                    "film-regions", "film-no-regions", "film-viewport", "film-summary", "film-error", "film-mm",
                    "film-level", "film-thickness", "film-report", "film-indications", "film-verdicts"):
        assert f'id="{element}"' in page, element
    guarded = start(api_key="s3cret")
    assert_problem(guarded.post("/inspect", files=data), 401, "X-API-Key")
    assert guarded.post("/inspect", files=data, headers={"X-API-Key": "s3cret"}).status_code == 200
    limited = start(rate_limit=("minute", 1))
    assert limited.post("/inspect", files=data).status_code == 200
    assert_problem(limited.post("/inspect", files=data), 429)
    missing = start(model_dir=tmp_path / "nothing-here")
    refused = missing.post("/inspect", files=data)
    assert_problem(refused, 503, "does not exist")
    assert refused.headers["retry-after"]


def test_the_detector_answers_inspect_with_its_candidates_and_its_card(start, tmp_path, film):
    """A detector file (the peak rule: no scikit-learn needed, as in the service's own venv) loaded by
    RIAWELC_DETECTOR runs /inspect?source=candidates exactly as riawelc.inspect.film does, and /model/info shows it."""
    path = tmp_path / "detector.json"
    n = len(CELL_FEATURES)
    darkest = np.eye(n)[CELL_FEATURES.index("hat25_max")]  # P(defect) rises with the cell's darkest top-hat
    Detector(CandidateSettings(extent=3.0, peak=12.0), card={"trained_on": ["a test film"]},
             cell_model=CellModel(np.zeros(n), np.ones(n), darkest, -10.0)).save(path)
    client = start(detector=path)
    data = encode(film)
    response = client.post("/inspect?source=candidates&overlay=false", files=film_upload(data))
    assert response.status_code == 200, response.text
    body = response.json()
    expected = inspect_film(decode_film(data), FilmModels(None, None, 1.0, detector=Detector.load(path)),
                            FilmSettings(source="candidates"))
    assert body["regions"] == expected_regions(expected) and len(body["regions"]) >= 4  # the film's dark spots
    assert body["windows"] == 0 and body["source"] == "candidates" and "candidates" in body["inspected"]
    assert body["cells"] == expected.summary()["cells"] and len(body["cells"]) == film.shape[1] // 248 + 1
    assert any(c["defect"] for c in body["cells"])
    info = client.get("/model/info").json()["detector"]
    assert info["card"] == {"trained_on": ["a test film"]} and info["path"] == str(path)


def test_candidates_without_a_detector_is_refused_and_a_bad_detector_keeps_the_service_unready(client, start,
                                                                                              tmp_path, film):
    assert_problem(client.post("/inspect?source=candidates", files=film_upload(encode(film))), 409,
                   "RIAWELC_DETECTOR")
    assert client.get("/model/info").json()["detector"] is None
    (tmp_path / "broken.json").write_text("{")
    broken = start(detector=tmp_path / "broken.json")
    assert_problem(broken.get("/ready"), 503, "broken.json")


def handmade_delineator(path):
    """An ONNX delineator without TensorFlow: P(defect) = sigmoid(4 x (top-hat channel - 0.5)), darker than 5 grey
    levels below the weld around it. Built with the onnx package, which the service's own venv does not hold."""
    onnx = pytest.importorskip("onnx")
    TensorProto, helper, save = onnx.TensorProto, onnx.helper, onnx.save

    nodes = [helper.make_node("Slice", ["maps", "start", "end", "axis"], ["hat"]),
             helper.make_node("Sub", ["hat", "half"], ["centred"]),
             helper.make_node("Mul", ["centred", "gain"], ["logit"]),
             helper.make_node("Sigmoid", ["logit"], ["outline"])]
    constants = [helper.make_tensor("start", TensorProto.INT64, [1], [0]),
                 helper.make_tensor("end", TensorProto.INT64, [1], [1]),
                 helper.make_tensor("axis", TensorProto.INT64, [1], [3]),
                 helper.make_tensor("half", TensorProto.FLOAT, [], [0.5]),
                 helper.make_tensor("gain", TensorProto.FLOAT, [], [4.0])]
    graph = helper.make_graph(nodes, "delineator",
                              [helper.make_tensor_value_info("maps", TensorProto.FLOAT, ["n", "h", "w", 2])],
                              [helper.make_tensor_value_info("outline", TensorProto.FLOAT, ["n", "h", "w", 1])],
                              constants)
    save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    return path


def test_the_detector_s_delineator_outlines_its_regions_in_the_service(start, tmp_path, film):
    """A detector file naming a delineator beside it: /inspect runs both as riawelc.inspect.film does, the report
    and /model/info name the delineator, and a changed delineator file keeps the service unready."""
    from riawelc.digest import sha256_of
    from riawelc.inspect.delineator import Delineator

    onnx_path = handmade_delineator(tmp_path / "delineator.onnx")
    entry = {"file": "delineator.onnx", "threshold": 0.5, "radius": 3, "sha256": sha256_of(onnx_path)}
    path = tmp_path / "detector.json"
    Detector(CandidateSettings(extent=6.0, peak=12.0), delineation=entry).save(path)
    client = start(detector=path)
    data = encode(film)
    body = client.post("/inspect?source=candidates&overlay=false", files=film_upload(data)).json()
    detector = Detector.load(path)
    plain = inspect_film(decode_film(data), FilmModels(None, None, 1.0, detector=detector),
                         FilmSettings(source="candidates"))
    outlined = inspect_film(decode_film(data), FilmModels(None, None, 1.0, detector=detector,
                                                          delineator=Delineator.load(onnx_path, 0.5, 3)),
                            FilmSettings(source="candidates"))
    assert body["regions"] == expected_regions(outlined) != expected_regions(plain)
    assert (outlined.mask > 0).sum() > (plain.mask > 0).sum()
    assert client.get("/model/info").json()["detector"]["delineation"] == entry
    onnx_path.write_bytes(onnx_path.read_bytes() + b"\0")
    changed = start(detector=path)
    assert_problem(changed.get("/ready"), 503, "sha256")
