#!/usr/bin/env bash
# Create .venv and install riawelc with the pinned working set (constraints.txt). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-$(command -v python3.11 || command -v python3)}
"$PYTHON" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' \
  || { echo "riawelc needs Python 3.11 (found $("$PYTHON" --version)); set PYTHON=/path/to/python3.11" >&2; exit 1; }
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -c constraints.txt -e ".[pipeline,service,dev]"
# DVC needs a git identity for experiments; give the repository one only if the user has none.
git config user.email >/dev/null || git config user.email "riawelc@localhost"
git config user.name >/dev/null || git config user.name "riawelc"
echo "setup: .venv ready ($(.venv/bin/python --version))"
