#!/usr/bin/env bash
# Set up everything the test suite needs on a fresh Debian machine, then run it.
# Usage: bash scripts/test.sh [pytest arguments]
set -euo pipefail
cd "$(dirname "$0")/.."

# Headless Chromium for the browser tests, from Debian's packages.
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "==> installing chromium (Debian package) for the browser tests"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "==> chromium is not installed and this is not root: browser tests will be skipped"
  fi
fi

if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv"
  python3 -m venv .venv
fi
# pip 23 (Python 3.11's) fails to resolve lxml's extras as trafilatura and
# readability-lxml name them ("html_clean" and "html-clean"); a current pip does not.
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
echo "==> installing eventsearch with its test extra"
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'

echo "==> type-checking the package (mypy)"
.venv/bin/python scripts/typecheck.py

echo "==> running the tests"
exec .venv/bin/python -m pytest "$@"
