import os
from pathlib import Path

import numpy as np
import pytest

from riawelc.constants import PATCH_SIZE
from riawelc.images import write_png
from riawelc.quiet import quiet_tensorflow_logs

quiet_tensorflow_logs()
REPO = Path(__file__).resolve().parents[1]


def random_patch(seed: int, size: int = PATCH_SIZE) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (size, size), dtype=np.uint8)


@pytest.fixture
def make_tree(tmp_path):
    """Write a RIAWELC-format tree from {relative path: seed or bytes}; returns its root."""

    def make(files: dict[str, int | bytes], root: Path | None = None) -> Path:
        root = root or tmp_path / "Dataset_partitioned"
        for name, content in files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                write_png(path, random_patch(content))
        return root

    return make


@pytest.fixture(scope="session")
def onnx_models(tmp_path_factory) -> Path:
    """Tiny untrained exported models (tests/serve/make_models.py), or those in RIAWELC_TEST_MODEL_DIR."""
    given = os.environ.get("RIAWELC_TEST_MODEL_DIR")
    if given:
        return Path(given)
    pytest.importorskip("tensorflow")
    from tests.serve.make_models import make_models

    return make_models(tmp_path_factory.mktemp("film-models"))
