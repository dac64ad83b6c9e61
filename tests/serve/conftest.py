"""Fixtures of the service tests. No TensorFlow at import time: these tests also run in a venv with only the
`service` dependency group, where RIAWELC_TEST_MODEL_DIR points at models exported elsewhere."""

import os
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
