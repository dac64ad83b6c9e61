"""The service on the default pipeline's own artifacts (after `bash scripts/repro.sh`): /segment, asked for the
true label's map, must give exactly the pseudo-masks the pseudomask stage wrote. Skips where those artifacts are
absent (a fresh clone before the pipeline has run)."""

import base64
import csv
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
MODELS, MANIFEST = REPO / "models", REPO / "outputs" / "pseudomask" / "manifest.csv"

pytestmark = pytest.mark.skipif(
    not ((MODELS / "classifier.json").is_file() and MANIFEST.is_file()),
    reason="needs models/ and outputs/pseudomask/ from the default pipeline (bash scripts/repro.sh)",
)


def test_segment_reproduces_the_pseudomask_stage():
    from litestar.testing import TestClient

    from serve.app import create_app
    from serve.settings import Settings

    rows = list(csv.DictReader(MANIFEST.open()))[::8]  # a spread of every class and split, kept quick
    with TestClient(create_app(Settings(model_dir=MODELS))) as client:
        deadline = time.monotonic() + 120
        while client.get("/ready").status_code != 200:
            assert time.monotonic() < deadline, client.get("/ready").text
            time.sleep(0.05)
        assert client.get("/model/info").json()["pseudomask_source"] == "classifier card"
        for row in rows:
            response = client.post(f"/segment?cam_class={row['label']}",
                                   files={"file": ("patch.png", (REPO / row["path"]).read_bytes(), "image/png")})
            assert response.status_code == 200, response.text
            served = cv2.imdecode(np.frombuffer(base64.b64decode(response.json()["mask_png"]), np.uint8), 0) > 0
            written = cv2.imread(str(REPO / row["pseudomask"]), cv2.IMREAD_GRAYSCALE) > 0
            assert np.array_equal(served, written), row["path"]
