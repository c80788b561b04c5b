#!/usr/bin/env bash
# Runs the test suite on a fresh machine with only Python 3.11+: scripts/setup.sh makes .venv with
# the test extras (drivers, fakesnow, embedded PostgreSQL, plotly, playwright), Debian's chromium is
# installed for the report's browser test, then pytest runs.
# Extra arguments go to pytest, e.g. ./scripts/test.sh -k incremental --hypothesis-profile=ci-long
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
# The report's browser test drives Debian's Chromium (never a browser playwright downloads).
# Installed here when missing and we may (root, or password-less sudo); otherwise that one test
# is skipped and says why.
if [ ! -x /usr/bin/chromium ] && command -v apt-get >/dev/null 2>&1; then
  SUDO=""
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; else SUDO="no"; fi
  fi
  if [ "$SUDO" != "no" ]; then
    echo "installing chromium for the report's browser test (apt-get)" >&2
    { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium; } >/dev/null \
      || echo "could not install chromium: the browser test will be skipped" >&2
  fi
fi
exec .venv/bin/python -m pytest "$@"
