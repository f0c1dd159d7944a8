#!/usr/bin/env bash
# The optional mypyc-compiled engine (setup.py, TRIGGERMAP_COMPILE=1), tested as users would get it:
# build the wheel from a copy of the source (so a build never writes into the checkout while other
# tests run), install it into a throwaway venv on top of this environment's dependencies, and run the
# engine tests against it (tests/test_compiled.py compares its documents with the pure source's).
#
#   bash scripts/test-compiled.sh build DIR     # build and install into DIR (scripts/test.sh runs
#                                               # this in the background while the main suite runs)
#   bash scripts/test-compiled.sh test DIR [pytest args]
#   bash scripts/test-compiled.sh [pytest args] # both, in a temporary DIR
#   SNAPSHOT=1 ...                              # also the full snapshot, compiled vs pure (~1 min)
#
# Needs a C compiler and the Python headers. mypy comes from requirements.lock (PIP_CONSTRAINT).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PY=${PYTHON:-python3}

build() {
  local work=$1
  rm -rf "$work/tree" "$work/wheel" "$work/venv"
  mkdir -p "$work/tree"
  cp -r pyproject.toml setup.py MANIFEST.in README.md _build "$work/tree/"
  mkdir -p "$work/tree/src" && cp -r src/triggermap "$work/tree/src/"
  find "$work/tree" -name __pycache__ -prune -exec rm -rf {} +
  TRIGGERMAP_COMPILE=1 PIP_CONSTRAINT="$ROOT/requirements.lock" "$PY" -m pip wheel --quiet \
    --disable-pip-version-check --no-deps -w "$work/wheel" "$work/tree"
  "$PY" -m venv --system-site-packages "$work/venv"
  "$work/venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps "$work"/wheel/*.whl
}

run_tests() {
  local work=$1; shift
  export TRIGGERMAP_CACHE_DIR="$work/cache"
  local tests=()
  for t in compiled engine_api golden properties reasoning_v2 questions_fast intake intake_schema layers; do
    tests+=("$ROOT/tests/test_$t.py")
  done
  echo "== engine tests against the compiled wheel"
  # from a neutral directory, without PYTHONPATH: the installed (compiled) package is imported
  (cd "$work" && env -u PYTHONPATH TRIGGERMAP_EXPECT_COMPILED=1 "$work/venv/bin/python" -m pytest -q \
    -p no:cacheprovider --rootdir "$ROOT" -c "$ROOT/pyproject.toml" "${tests[@]}" "$@")
  if [ "${SNAPSHOT:-0}" = "1" ]; then
    echo "== snapshot: compiled vs pure Python (byte-identical)"
    env -u PYTHONPATH "$work/venv/bin/python" bench/snapshot.py "$work/snap-compiled"
    PYTHONPATH="$ROOT/src" "$PY" bench/snapshot.py "$work/snap-pure"
    cmp "$work/snap-pure" "$work/snap-compiled"
    echo "compiled snapshot identical to the pure one"
  fi
}

case "${1:-}" in
  build) build "$2" ;;
  test) work=$2; shift 2; run_tests "$work" "$@" ;;
  *)
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/triggermap-compiled.XXXXXX")
    trap 'rm -rf "$WORK"' EXIT
    echo "== building the compiled wheel (mypyc)"
    build "$WORK"
    run_tests "$WORK" "$@"
    ;;
esac
