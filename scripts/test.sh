#!/usr/bin/env bash
# Runs the test suite on a fresh machine with only Python 3.11+: scripts/setup.sh makes .venv with
# the test extras (drivers, fakesnow, embedded PostgreSQL), then pytest runs.
# Extra arguments go to pytest, e.g. ./scripts/test.sh -k incremental --hypothesis-profile=ci-long
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
exec .venv/bin/python -m pytest "$@"
