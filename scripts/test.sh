#!/usr/bin/env bash
# Install everything the test suite needs, then run all of it (lint, types, tests).
# Used by the README and by .ci/run. Safe to run again: each step is idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}

echo "== installing triggermap with its test extras"
"$PY" -m pip install --quiet --disable-pip-version-check -c requirements.lock -e ".[test]"

# Browser tests drive Debian's chromium through Playwright (Playwright's own browser
# download cannot work offline, so we never call `playwright install`).
if ! command -v chromium >/dev/null 2>&1 && [ ! -x /usr/bin/chromium ]; then
  echo "== installing Debian's chromium for the browser tests"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq || true
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
# Chart export (CairoSVG) and the PDF handout (WeasyPrint) load the system's cairo and Pango.
missing=""
ldconfig -p 2>/dev/null | grep -q "libcairo.so.2" || missing="$missing libcairo2"
ldconfig -p 2>/dev/null | grep -q "libpangoft2-1.0.so.0" || missing="$missing libpango-1.0-0 libpangoft2-1.0-0"
if [ -n "$missing" ]; then
  echo "== installing$missing for chart and PDF export"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq || true
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing fonts-dejavu-core >/dev/null
fi
# PostgreSQL: the tests use the server on 127.0.0.1:5432 when one answers and otherwise
# start a throwaway cluster themselves; make sure the server binaries exist for that.
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "== installing PostgreSQL server binaries for the database tests"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq || true
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null || true
fi

# The optional compiled engine (mypyc, setup.py) is built in the background while the main suite
# runs (it needs a C compiler: installed here when missing), then tested at the end.
if ! command -v cc >/dev/null 2>&1 && ! command -v gcc >/dev/null 2>&1; then
  echo "== installing a C compiler for the compiled-engine step"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq || true
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq gcc >/dev/null || true
fi
if ! "$PY" -c "import os, sys, sysconfig; sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()['include'], 'Python.h')))"; then
  echo "== installing the Python headers for the compiled-engine step"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq || true
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-dev >/dev/null || true
fi
# TRIGGERMAP_SKIP_COMPILED=1 leaves the step out (for a quick local run; CI never sets it).
COMPILED_PID=""
if [ "${TRIGGERMAP_SKIP_COMPILED:-0}" != "1" ]; then
  COMPILED_DIR=$(mktemp -d "${TMPDIR:-/tmp}/triggermap-compiled.XXXXXX")
  echo "== building the compiled engine in the background (log: $COMPILED_DIR/build.log)"
  nice -n 5 bash scripts/test-compiled.sh build "$COMPILED_DIR" >"$COMPILED_DIR/build.log" 2>&1 &
  COMPILED_PID=$!
  trap 'kill "$COMPILED_PID" 2>/dev/null || true; rm -rf "$COMPILED_DIR"' EXIT
fi

echo "== ruff"
"$PY" -m ruff check src tests bench
echo "== mypy (strict, the whole package: see [tool.mypy] in pyproject.toml)"
"$PY" -m mypy
echo "== pytest"
set +e
"$PY" -m pytest "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests (exit code 5): nothing failed, nothing ran"; status=0
fi
if [ -n "$COMPILED_PID" ]; then
  echo "== the compiled engine (mypyc): waiting for its build"
  if ! wait "$COMPILED_PID"; then
    cat "$COMPILED_DIR/build.log"
    echo "the compiled engine did not build"; exit 1
  fi
  bash scripts/test-compiled.sh test "$COMPILED_DIR" || status=$?
fi
exit "$status"
