#!/usr/bin/env bash
# The optional mypyc-compiled engine (setup.py, TRIGGERMAP_COMPILE=1), tested as users would get it:
# build the wheel, install it into a throwaway venv (on top of this environment's dependencies),
# run the engine tests against it and compare its snapshot with the pure-Python source's.
# Proposal for a step of scripts/test.sh / .ci/run; needs a C compiler. Extra pytest args pass on.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PY=${PYTHON:-python3}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/triggermap-compiled.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
export TRIGGERMAP_CACHE_DIR="$WORK/cache"

echo "== building the compiled wheel (mypyc)"
rm -rf build
TRIGGERMAP_COMPILE=1 "$PY" -m pip wheel --quiet --disable-pip-version-check --no-deps -w "$WORK/wheel" .
rm -rf build
"$PY" -m venv --system-site-packages "$WORK/venv"
"$WORK/venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps "$WORK"/wheel/*.whl

echo "== engine tests against the compiled wheel"
# from a neutral directory, without PYTHONPATH: the installed (compiled) package is imported
tests=()
for t in compiled engine_api golden properties reasoning_v2 questions_fast intake intake_schema layers; do
  tests+=("$ROOT/tests/test_$t.py")
done
(cd "$WORK" && env -u PYTHONPATH TRIGGERMAP_EXPECT_COMPILED=1 "$WORK/venv/bin/python" -m pytest \
  -p no:cacheprovider --rootdir "$ROOT" -c "$ROOT/pyproject.toml" "${tests[@]}" "$@")

echo "== snapshot: compiled vs pure Python (byte-identical)"
env -u PYTHONPATH "$WORK/venv/bin/python" bench/snapshot.py "$WORK/snap-compiled"
PYTHONPATH="$PWD/src" "$PY" bench/snapshot.py "$WORK/snap-pure"
cmp "$WORK/snap-pure" "$WORK/snap-compiled"
echo "compiled snapshot identical to the pure one"
