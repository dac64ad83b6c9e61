"""The packages the service will import for issue 18 load without TensorFlow, scikit-learn or pandas."""

import subprocess
import sys

from tests.conftest import REPO

PACKAGES = ("riawelc.radiograph", "riawelc.indications", "riawelc.acceptance", "riawelc.report", "riawelc.assessment")


def test_the_new_packages_import_without_tensorflow_scikit_learn_or_pandas():
    code = (f"import sys\nfor name in {PACKAGES!r}: __import__(name)\n"
            "print(sorted(m for m in ('tensorflow', 'sklearn', 'pandas', 'keras') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120,
                            check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
