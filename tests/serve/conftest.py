"""Fixtures of the service tests. No TensorFlow at import time: these tests also run in a venv with only the
`service` dependency group, where RIAWELC_TEST_MODEL_DIR points at models exported elsewhere."""

import os
import time
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory) -> Path:
    """A folder with classifier.onnx, unet.onnx and their cards: RIAWELC_TEST_MODEL_DIR if set, else tiny
    untrained models exported now (needs TensorFlow)."""
    given = os.environ.get("RIAWELC_TEST_MODEL_DIR")
    if given:
        path = Path(given)
        missing = [name for name in ("classifier.onnx", "classifier.json", "unet.onnx", "unet.json")
                   if not (path / name).is_file()]
        if missing:
            pytest.fail(f"RIAWELC_TEST_MODEL_DIR={given} lacks {', '.join(missing)}")
        return path
    from tests.serve.make_models import make_models

    return make_models(tmp_path_factory.mktemp("serve-models"))


@pytest.fixture(scope="module")
def client(model_dir):
    """One ready service per test module, for its read-only tests."""
    from litestar.testing import TestClient

    from serve.app import create_app
    from serve.settings import Settings

    with TestClient(create_app(Settings(model_dir=model_dir))) as test_client:
        deadline = time.monotonic() + 120
        while test_client.get("/ready").status_code != 200:
            assert time.monotonic() < deadline, test_client.get("/ready").text
            time.sleep(0.05)
        yield test_client


def encode(array, suffix: str = ".png") -> bytes:
    """Any array OpenCV can write (gray, BGR, BGRA; 8 or 16 bit) as PNG / TIFF / JPEG bytes."""
    import cv2

    ok, buffer = cv2.imencode(suffix, array)
    assert ok, suffix
    return buffer.tobytes()


def patch_image(label: str = "porosity", seed: int = 7):
    """A synthetic 227 x 227 uint8 patch of the given class (the generator of the embedded sample)."""
    import numpy as np

    from riawelc.synth.patches import generate_patch

    return generate_patch(label, np.random.default_rng(seed))[0]


def film_image(height: int = 700, width: int = 1800, seed: int = 0, spots: int = 5):
    """A synthetic whole film (uint8): dark background, a bright horizontal seam band with grain, and `spots`
    dark round spots (porosity-like) on the seam line, evenly spaced."""
    import cv2
    import numpy as np

    rng = np.random.default_rng(seed)
    y = np.arange(height)[:, None]
    film = 60 + 120 * np.exp(-(((y - height / 2) / (height / 9)) ** 2)) + rng.normal(0, 3, (height, width))
    for cx in np.linspace(width * 0.1, width * 0.9, spots):
        cv2.circle(film, (int(cx), int(height / 2 + rng.integers(-20, 20))), int(rng.integers(5, 9)), 90.0, -1)
    return np.clip(film, 0, 255).astype(np.uint8)


def upload(data: bytes, name: str = "patch.png", content_type: str = "image/png") -> dict:
    return {"file": (name, data, content_type)}


@pytest.fixture
def start(model_dir):
    """start(**settings) -> a TestClient (lifespan running) on create_app(Settings(model_dir=..., **settings)),
    returned once model loading has finished (loaded, or failed with a reason)."""
    import time
    from contextlib import ExitStack

    from litestar.testing import TestClient

    from serve.app import create_app
    from serve.settings import Settings

    with ExitStack() as stack:
        def make(**overrides):
            settings = Settings(**{"model_dir": model_dir, **overrides})
            client = stack.enter_context(TestClient(create_app(settings)))
            deadline = time.monotonic() + 120
            while client.app.state.service.loading:
                assert time.monotonic() < deadline, "models did not finish loading"
                time.sleep(0.02)
            return client

        yield make
