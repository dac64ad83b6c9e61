#!/usr/bin/env bash
# Set up and run the test suite (unit tests and the end-to-end pipeline test).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# DVC runs the stage commands (`python -m stages...`) from PATH: they must find the venv's python.
export PATH="$PWD/.venv/bin:$PATH"
python -m pytest "$@"
