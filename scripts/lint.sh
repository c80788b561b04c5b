#!/usr/bin/env bash
# The checks CI runs before the tests: ruff's lint and format, then mypy (settings in pyproject.toml).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
