"""Every endpoint and every error path of the service, through Litestar's TestClient (lifespan running)."""

import base64
import dataclasses
import json
import shutil
import threading
import time

import cv2
import numpy as np
import onnxruntime as ort
import pytest

from riawelc.constants import CLASS_INDEX, CLASSES
from riawelc.inspect.cam import class_heatmaps
from riawelc.inspect.drawing import overlay
from riawelc.inspect.patches import inspect_patches
from riawelc.inspect.pseudomask import PseudoMaskConfig, make_pseudomask
from tests.serve.conftest import encode, patch_image, upload
from tests.serve.test_decode import png_header_only

PROBLEM_JSON = "application/problem+json"


def png_pixels(b64: str) -> np.ndarray:
    return cv2.imdecode(np.frombuffer(base64.b64decode(b64), np.uint8), cv2.IMREAD_UNCHANGED)


def assert_problem(response, status: int, words: str = "") -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    body = response.json()
    assert body["status"] == status and body.get("title")
    assert words.lower() in json.dumps(body).lower(), body
    return body


@pytest.fixture(scope="module")
def sessions(model_dir):
    """The same ONNX files, opened independently of the service: the reference for parity."""
    def session(name):
        return ort.InferenceSession(str(model_dir / f"{name}.onnx"), providers=["CPUExecutionProvider"])

    card = json.loads((model_dir / "classifier.json").read_text())
    classifier, unet = session("classifier"), session("unet")
    return (lambda x: tuple(classifier.run(["probabilities", "cams"], {"image": x})),
            lambda x: unet.run(["mask"], {"image": x})[0], card["cam_scale"])


def test_health_ready_and_model_info(client, model_dir):
    assert client.get("/health").json() == {"status": "ok"}
    ready = client.get("/ready").json()
    cards = {name: json.loads((model_dir / f"{name}.json").read_text()) for name in ("classifier", "unet")}
    assert ready["ready"] is True
    assert ready["models"] == {name: card["onnx"]["sha256"] for name, card in cards.items()}

    response = client.get("/model/info")
    info = response.json()
    assert response.headers["x-model-version"] == ready["model_version"] == info["versions"][0]
    assert info["platform"] == "onnxruntime_onnx" and info["classes"] == list(CLASSES)
    assert info["inputs"] == [{"name": "image", "datatype": "FP32", "shape": [-1, 227, 227, 1]}]
    assert [o["name"] for o in info["outputs"]] == ["probabilities", "cams"]
    by_name = {m["name"]: m for m in info["models"]}
    for name, card in cards.items():
        assert by_name[name]["sha256"] == card["onnx"]["sha256"]
        assert by_name[name]["metrics"] == card["metrics"]
        assert by_name[name]["training_data"]["md5"] == card["training_data_md5"]
    assert by_name["unet"]["inputs"][0]["shape"] == [-1, 224, 224, 1]
    assert info["cam_scale"] == cards["classifier"]["cam_scale"]
    if "synthetic" not in (cards["classifier"].get("training_data") or {}):
        assert "synthetic" in info["synthetic_notice"]  # the card does not say: the cautious notice


def test_predict_matches_the_library_on_the_same_onnx_files(client, sessions):
    classify, segment, cam_scale = sessions
    image = patch_image("crack", 3)
    response = client.post("/predict", files=upload(encode(image), "crack.png"))
    assert response.status_code == 200, response.text
    body = response.json()
    reference = inspect_patches(image[None], classify, segment, cam_scale)
    predicted = int(reference.predicted[0])
    assert body["class"] == CLASSES[predicted] == body["cam_class"]
    assert body["confidence"] == pytest.approx(float(reference.probabilities[0, predicted]), abs=1e-6)
    assert list(body["probabilities"]) == list(CLASSES)
    np.testing.assert_allclose(list(body["probabilities"].values()), reference.probabilities[0], atol=1e-6)
    expected_overlay = cv2.cvtColor(overlay(image, reference.heatmaps[0]), cv2.COLOR_RGB2BGR)
    assert np.abs(png_pixels(body["overlay_png"]).astype(int) - expected_overlay).max() <= 1
    assert body["resized"] is False and body["original_size"] == [227, 227]
    assert response.headers["x-model-version"] == body["model_version"]

    # Another class's map on request, and the PNG itself for Accept: image/png.
    other = next(c for c in CLASSES if c != body["class"])
    named = client.post(f"/predict?cam_class={other}", files=upload(encode(image)),
                        headers={"Accept": "image/png"})
    assert named.status_code == 200 and named.headers["content-type"] == "image/png"
    _, cams = classify(image[None].astype(np.float32)[..., None])
    heat = class_heatmaps(cams, np.array([CLASS_INDEX[other]]), cam_scale, reference.probabilities)[0]
    expected = cv2.cvtColor(overlay(image, heat), cv2.COLOR_RGB2BGR)
    got = cv2.imdecode(np.frombuffer(named.content, np.uint8), cv2.IMREAD_UNCHANGED)
    assert np.abs(got.astype(int) - expected).max() <= 1
    assert named.headers["x-model-version"] == body["model_version"]
    assert_problem(client.post("/predict?cam_class=weld", files=upload(encode(image))), 400, "cam_class")


def test_segment_is_the_pseudomask_stage_on_the_predicted_class(client, sessions, model_dir):
    classify, _, cam_scale = sessions
    image = patch_image("porosity", 11)
    response = client.post("/segment", files=upload(encode(image)))
    assert response.status_code == 200, response.text
    body = response.json()
    probabilities, cams = classify(image[None, ..., None].astype(np.float32))
    predicted = int(probabilities[0].argmax())
    assert body["class"] == body["mask_class"] == CLASSES[predicted]
    card = json.loads((model_dir / "classifier.json").read_text())
    config = PseudoMaskConfig(**card["pseudomask"]) if card.get("pseudomask") else PseudoMaskConfig()
    assert body["postprocessing"] == dataclasses.asdict(config)
    heat = class_heatmaps(cams, np.array([predicted]), cam_scale)[0]
    expected = make_pseudomask(image, heat, CLASSES[predicted], config)
    assert np.array_equal(png_pixels(body["mask_png"]) > 0, expected > 0)
    assert body["defect_pixels"] == int(expected.sum())

    clean = client.post("/segment?cam_class=no_defect", files=upload(encode(image))).json()
    assert clean["mask_class"] == "no_defect" and clean["defect_pixels"] == 0 and "no_defect" in clean["empty_reason"]


def test_segment_unet_matches_the_library(client, sessions):
    classify, segment, cam_scale = sessions
    image = patch_image("lack_of_penetration", 5)
    response = client.post("/segment/unet", files=upload(encode(image)))
    assert response.status_code == 200, response.text
    body = response.json()
    reference = inspect_patches(image[None], classify, segment, cam_scale, threshold=body["threshold"])
    assert body["class"] == CLASSES[int(reference.predicted[0])] and body["gated"] is False
    assert np.array_equal(png_pixels(body["mask_png"]) > 0, reference.masks[0] > 0)
    assert body["defect_pixels"] == int(reference.defect_pixels[0])
    assert response.headers["x-model-version"]


def test_batch_is_one_onnx_batch_with_the_single_results(client):
    images = [patch_image(label, seed) for seed, label in enumerate(CLASSES)]
    models = client.app.state.service.models
    batches, original = [], models.classify
    models.classify = lambda pixels: (batches.append(len(pixels)), original(pixels))[1]
    try:
        files = [("files", (f"p{i}.png", encode(im), "image/png")) for i, im in enumerate(images)]
        response = client.post("/predict/batch?overlays=true", files=files)
    finally:
        del models.classify
    assert response.status_code == 200, response.text
    assert batches == [len(images)]
    body = response.json()
    assert body["count"] == len(images) and [r["filename"] for r in body["results"]] == ["p0.png", "p1.png",
                                                                                           "p2.png", "p3.png"]
    for image, item in zip(images, body["results"]):
        single = client.post("/predict", files=upload(encode(image))).json()
        assert item["class"] == single["class"]
        np.testing.assert_allclose(list(item["probabilities"].values()), list(single["probabilities"].values()),
                                   atol=1e-5)
        assert png_pixels(item["overlay_png"]).shape == (227, 227, 3)
    bad = [("files", ("ok.png", encode(images[0]), "image/png")), ("files", ("bad.png", b"nope", "image/png"))]
    assert_problem(client.post("/predict/batch", files=bad), 415, "file 2 of 2")


def test_inputs_16bit_tiff_rgba_and_other_sizes(client):
    image = patch_image("crack", 2)
    tiff = client.post("/predict", files=upload(encode(image.astype(np.uint16) * 200, ".tiff"), "p.tiff",
                                                "image/tiff"))
    assert tiff.status_code == 200, tiff.text
    assert tiff.json()["input"]["format"] == "TIFF" and "windowed" in " ".join(tiff.json()["input"]["conversions"])
    rgba = client.post("/predict", files=upload(encode(cv2.cvtColor(image, cv2.COLOR_GRAY2BGRA))))
    assert rgba.status_code == 200 and rgba.json()["input"]["mode"] == "RGBA"
    same = client.post("/predict", files=upload(encode(image))).json()
    assert rgba.json()["probabilities"] == same["probabilities"]  # alpha ignored, same gray pixels
    big = client.post("/segment/unet", files=upload(encode(cv2.resize(image, (454, 454)), ".jpg"), "p.jpg"))
    assert big.status_code == 200 and big.json()["resized"] is True and big.json()["original_size"] == [454, 454]


def test_bad_uploads_get_problem_details(client):
    assert_problem(client.post("/predict", files=upload(b"just some text", "notes.txt", "text/plain")), 415,
                   "not a PNG, JPEG or TIFF")
    assert_problem(client.post("/segment", files=upload(encode(patch_image())[:500])), 422, "truncated")
    bomb = png_header_only(20_000, 20_000)
    assert_problem(client.post("/predict", files=upload(bomb)), 413, "pixels")
    assert_problem(client.post("/predict", data={"other": "x"}), 400)  # no file field
    # Found by the fuzzer: binary bytes in a part without a filename (Litestar decodes it as text).
    raw = b'--b\r\nContent-Disposition: form-data; name="file"\r\n\r\n\x89PNG\xff\r\n--b--\r\n'
    assert_problem(client.post("/segment", content=raw, headers={"Content-Type": "multipart/form-data; boundary=b"}),
                   400, "filename")
    assert client.get("/health").status_code == 200  # nothing broke


def test_request_id_metrics_page_and_openapi(client):
    echoed = client.get("/health", headers={"X-Request-ID": "station-7.42"})
    assert echoed.headers["x-request-id"] == "station-7.42"
    made = client.get("/nowhere").headers["x-request-id"]
    assert len(made) == 32 and made != client.get("/nowhere").headers["x-request-id"]
    assert client.get("/health", headers={"X-Request-ID": "bad id\twith spaces"}).headers["x-request-id"] != \
        "bad id\twith spaces"

    client.post("/predict", files=upload(encode(patch_image())))
    text = client.get("/metrics").text
    assert 'riawelc_http_requests_total{method="POST",route="/predict",status="200"}' in text
    for name in ("riawelc_decode_duration_seconds_bucket", 'riawelc_inference_duration_seconds_bucket{endpoint="predict"',
                 "riawelc_http_requests_in_flight", "riawelc_http_errors_total", "riawelc_models_ready 1.0"):
        assert name in text, name

    page = client.get("/")
    assert page.headers["content-type"].startswith("text/html")
    for element in ("file-input", "submit", "result-class", "result-probabilities", "overlay", "cam-mask",
                    "unet-mask", "model-notice", "error"):
        assert f'id="{element}"' in page.text, element
    schema = client.get("/schema/openapi.json").json()
    assert {"/health", "/ready", "/predict", "/segment", "/segment/unet", "/predict/batch", "/model/info",
            "/metrics"} <= set(schema["paths"])
    assert client.get("/schema").status_code == 200


def test_api_key_guards_inference_but_not_operations(start):
    client = start(api_key="s3cret")
    data = upload(encode(patch_image()))
    assert_problem(client.post("/predict", files=data), 401, "X-API-Key")
    assert_problem(client.post("/predict", files=data, headers={"X-API-Key": "s3cre"}), 401)
    assert_problem(client.get("/model/info", headers={"X-API-Key": "wrong"}), 401)
    assert client.post("/predict", files=data, headers={"X-API-Key": "s3cret"}).status_code == 200
    for path in ("/health", "/ready", "/metrics", "/schema/openapi.json", "/"):
        assert client.get(path).status_code == 200, path


def test_rate_limit_answers_429_and_spares_health(start):
    client = start(rate_limit=("minute", 2))
    data = upload(encode(patch_image()))
    assert [client.post("/predict", files=data).status_code for _ in range(2)] == [200, 200]
    limited = client.post("/predict", files=data)
    assert_problem(limited, 429)
    assert limited.headers["x-request-id"]
    assert all(client.get("/health").status_code == 200 for _ in range(5))


def test_body_limit_is_413(start):
    client = start(max_body_bytes=20_000)
    big = encode(np.random.default_rng(0).integers(0, 256, (227, 227), dtype=np.uint8))  # ~50 kB of noise
    assert len(big) > 20_000
    assert_problem(client.post("/predict", files=upload(big)), 413)
    assert client.post("/predict", files=upload(encode(np.zeros((227, 227), np.uint8)))).status_code == 200


def test_missing_models_keep_the_service_up(start, tmp_path):
    client = start(model_dir=tmp_path / "nothing-here")
    assert client.get("/health").status_code == 200
    body = assert_problem(client.get("/ready"), 503, "does not exist")
    assert body["ready"] is False
    response = client.post("/predict", files=upload(encode(patch_image())))
    assert_problem(response, 503, "does not exist")
    assert response.headers["retry-after"]
    assert_problem(client.get("/model/info"), 503)


def test_corrupt_models_are_reported(start, model_dir, tmp_path):
    replaced = tmp_path / "replaced"
    shutil.copytree(model_dir, replaced)
    (replaced / "unet.onnx").write_bytes(b"not an onnx file")
    client = start(model_dir=replaced)
    assert_problem(client.get("/ready"), 503, "corrupt")
    assert_problem(client.post("/segment/unet", files=upload(encode(patch_image()))), 503, "corrupt")

    # Garbage whose card hash matches (a broken export): ONNX Runtime's refusal is the reason.
    broken = tmp_path / "broken"
    shutil.copytree(model_dir, broken)
    (broken / "classifier.onnx").write_bytes(b"\x08\x07garbage")
    card = json.loads((broken / "classifier.json").read_text())
    card["onnx"]["sha256"] = __import__("hashlib").sha256(b"\x08\x07garbage").hexdigest()
    (broken / "classifier.json").write_text(json.dumps(card))
    assert_problem(start(model_dir=broken).get("/ready"), 503, "ONNX Runtime cannot load")


def test_pseudomask_parameters_and_training_data_come_from_the_card(start, model_dir, tmp_path):
    with_params = tmp_path / "with-params"
    shutil.copytree(model_dir, with_params)
    card = json.loads((with_params / "classifier.json").read_text())
    params = {"threshold": 0.05, "open_radius": 0, "close_radius": 2, "fill_holes": True, "min_area": 12,
              "refine": "dark", "dark_window": 41, "dark_k": 1.0, "dark_min_delta": 3.0, "dark_dilate": 7,
              "dark_fallback": True}
    card["pseudomask"] = params
    card["training_data"] = {"name": "embedded-synthetic-sample", "synthetic": True}
    (with_params / "classifier.json").write_text(json.dumps(card))
    client = start(model_dir=with_params)
    body = client.post("/segment", files=upload(encode(patch_image("crack", 4)))).json()
    assert body["postprocessing"] == params and body["postprocessing_source"] == "classifier card"
    info = client.get("/model/info").json()
    assert info["training_data"] == {"md5": card["training_data_md5"], "name": "embedded-synthetic-sample",
                                     "synthetic": True}
    assert "synthetic sample" in info["synthetic_notice"]

    # An older card without either field: the library's defaults, and a notice that does not claim to know.
    del card["pseudomask"], card["training_data"]
    older = tmp_path / "older"
    shutil.copytree(model_dir, older)
    (older / "classifier.json").write_text(json.dumps(card))
    client = start(model_dir=older)
    body = client.post("/segment", files=upload(encode(patch_image("crack", 4)))).json()
    assert body["postprocessing"] == dataclasses.asdict(PseudoMaskConfig())
    assert "defaults" in body["postprocessing_source"]
    info = client.get("/model/info").json()
    assert info["training_data"]["synthetic"] is None and "do not say" in info["synthetic_notice"]

    # A card that says the data was real: no demonstration notice.
    card["training_data"] = {"name": "RIAWELC", "synthetic": False}
    real = tmp_path / "real"
    shutil.copytree(model_dir, real)
    (real / "classifier.json").write_text(json.dumps(card))
    assert start(model_dir=real).get("/model/info").json()["synthetic_notice"] is None


def test_gate_empties_the_unet_mask_when_no_defect_is_confident(start):
    client = start(gate_no_defect=0.0)  # any P(no_defect) > 0 gates
    body = client.post("/segment/unet", files=upload(encode(patch_image()))).json()
    assert body["gated"] is True and body["defect_pixels"] == 0 and "no_defect" in body["gate_reason"]
    assert not png_pixels(body["mask_png"]).any()


def test_full_queue_answers_503_with_retry_after_and_health_stays_up(start):
    client = start(workers=1, queue_limit=0)
    models = client.app.state.service.models
    entered, release = threading.Event(), threading.Event()
    original = models.classify

    def slow(pixels):
        entered.set()
        release.wait(30)
        return original(pixels)

    models.classify = slow
    data = upload(encode(patch_image()))
    first = {}
    worker = threading.Thread(target=lambda: first.setdefault("response", client.post("/predict", files=data)))
    worker.start()
    try:
        assert entered.wait(30)
        refused = client.post("/predict", files=data)
        assert_problem(refused, 503, "queue")
        assert refused.headers["retry-after"] == "1"
        assert client.get("/health").status_code == 200
        assert "riawelc_inference_rejected_total 1.0" in client.get("/metrics").text
    finally:
        release.set()
        worker.join(30)
    assert first["response"].status_code == 200


def test_batch_size_is_limited(start):
    client = start(max_batch=2)
    files = [("files", (f"p{i}.png", encode(patch_image()), "image/png")) for i in range(3)]
    assert_problem(client.post("/predict/batch", files=files), 422, "1 to 2 files")
    assert client.post("/predict/batch", files=files[:2]).json()["count"] == 2


def test_access_log_is_one_json_line_per_request(client):
    import logging

    from serve.observability import JsonFormatter, access_log

    lines = []
    handler = logging.Handler()
    handler.emit = lambda record: lines.append(JsonFormatter().format(record))
    access_log.addHandler(handler)
    try:
        response = client.get("/health", headers={"X-Request-ID": "log-check-1"})
    finally:
        access_log.removeHandler(handler)
    entries = [json.loads(line) for line in lines]
    assert [e["request_id"] for e in entries] == ["log-check-1"] == [response.headers["x-request-id"]]
    assert entries[0]["route"] == "/health" and entries[0]["status"] == 200 and entries[0]["duration_ms"] >= 0


def test_ready_is_503_while_the_models_load(model_dir, monkeypatch):
    from litestar.testing import TestClient

    import serve.app
    import serve.service
    from serve.settings import Settings

    release = threading.Event()
    real_load = serve.service.load_models

    def slow_load(*args):
        release.wait(30)
        return real_load(*args)

    monkeypatch.setattr(serve.service, "load_models", slow_load)
    with TestClient(serve.app.create_app(Settings(model_dir=model_dir))) as client:
        try:
            assert client.get("/health").status_code == 200
            assert_problem(client.get("/ready"), 503, "loading")
            loading = client.post("/predict", files=upload(encode(patch_image())))
            assert_problem(loading, 503, "loading")
            assert loading.headers["retry-after"] == "2"
        finally:
            release.set()
        deadline = time.monotonic() + 60
        while client.get("/ready").status_code != 200:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert client.post("/predict", files=upload(encode(patch_image()))).status_code == 200


def test_invalid_pseudomask_parameters_in_the_card_are_a_model_error():
    from serve.runtime import ModelError, pseudomask_config

    config, source = pseudomask_config({"pseudomask": {"threshold": 0.35, "refine": "dark", "future_knob": 1}})
    assert config.threshold == 0.35 and config.refine == "dark" and "future_knob" in source
    with pytest.raises(ModelError, match="refine"):
        pseudomask_config({"pseudomask": {"refine": "sideways"}})
    assert pseudomask_config({})[0] == PseudoMaskConfig()
