#!/usr/bin/env bash
# Set up, restore the embedded sample from the in-repo DVC remote, and run the whole pipeline.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export TF_CPP_MIN_LOG_LEVEL=${TF_CPP_MIN_LOG_LEVEL:-2}
.venv/bin/dvc pull --quiet data.dvc
time .venv/bin/dvc repro "$@"
