#!/usr/bin/env bash
# Set up and run the test suite (unit tests and the end-to-end pipeline test).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export TF_CPP_MIN_LOG_LEVEL=${TF_CPP_MIN_LOG_LEVEL:-3}  # TensorFlow's C++ log lines drown pytest's output
# DVC runs the stage commands (`python -m stages...`) from PATH: they must find the venv's python.
export PATH="$PWD/.venv/bin:$PATH"
python -m pytest "$@"
