#!/usr/bin/env bash
# Metrics and params of this workspace against a base revision (default main), as Markdown for a pull request.
set -euo pipefail
cd "$(dirname "$0")/.."
base=${1:-main}
DVC=${DVC:-$( [ -x .venv/bin/dvc ] && echo .venv/bin/dvc || echo dvc )}
echo "## Metrics (vs $base)"
"$DVC" metrics diff "$base" --md
echo
echo "## Params (vs $base)"
"$DVC" params diff "$base" --md
