#!/usr/bin/env bash
# Set up, restore the embedded sample from the in-repo DVC remote, and run the whole pipeline.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# DVC runs the stage commands (`python -m stages...`) from PATH: they must find the venv's python.
export PATH="$PWD/.venv/bin:$PATH"
dvc pull --quiet data.dvc
time dvc repro "$@"
