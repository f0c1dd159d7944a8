"""Pure-Python engine vs the mypyc-compiled one (setup.py, TRIGGERMAP_COMPILE=1): CPU time per
``Engine.assess``, interleaved rounds in fresh processes.

    TRIGGERMAP_COMPILE=1 pip wheel --no-deps -w /tmp/whl .
    python -m venv --system-site-packages /tmp/venv-c && /tmp/venv-c/bin/pip install --no-deps /tmp/whl/*.whl
    python bench/bench_compiled.py --compiled /tmp/venv-c/bin/python [--rounds 7]

"pure" runs this interpreter on ``src/`` (PYTHONPATH); "compiled" runs the given interpreter
without PYTHONPATH, so it imports the installed wheel (each child says which it imported).
Figures: per round the best of 5 x 400 calls on bench_engine's SAMPLE, the mean over the 7,068
CHOIR drawings (assess and document); the summary is the median over rounds (and the min).
A benchmark, not a test: it asserts nothing but that each side imported what it should.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def child() -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    from bench_engine import SAMPLE, choir_intakes

    import triggermap
    import triggermap.engine.core as core

    engine = triggermap.Engine()
    intakes = choir_intakes()
    for doc in intakes[:500]:  # warm
        engine.assess(doc)
    best = float("inf")
    for _ in range(5):
        t0 = time.process_time()
        for _ in range(400):
            engine.assess(SAMPLE)
        best = min(best, (time.process_time() - t0) / 400)
    t0 = time.process_time()
    for doc in intakes:
        engine.assess(doc)
    choir = (time.process_time() - t0) / len(intakes)
    t0 = time.process_time()
    for doc in intakes:
        engine.document(doc, "en")
    choir_doc = (time.process_time() - t0) / len(intakes)
    print(json.dumps({"compiled": core.__file__.endswith(".so"), "sample_us": best * 1e6,
                      "choir_us": choir * 1e6, "choir_document_us": choir_doc * 1e6}))


def run(python: str, pure: bool) -> dict:
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    if pure:
        env["PYTHONPATH"] = str(ROOT / "src")
    out = subprocess.run([python, __file__, "--child"], env=env, capture_output=True, text=True, check=True)
    res: dict = json.loads(out.stdout)
    assert res["compiled"] is (not pure), res
    return res


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--child", action="store_true")
    ap.add_argument("--compiled", help="python of an environment with the compiled wheel installed")
    ap.add_argument("--rounds", type=int, default=5)
    a = ap.parse_args()
    if a.child:
        return child()
    runs: dict[str, list[dict]] = {"pure": [], "compiled": []}
    for _ in range(a.rounds):
        runs["pure"].append(run(sys.executable, True))
        runs["compiled"].append(run(a.compiled, False))
    summary = {}
    for key in ("sample_us", "choir_us", "choir_document_us"):
        p = [r[key] for r in runs["pure"]]
        c = [r[key] for r in runs["compiled"]]
        summary[key] = {"pure_median": round(statistics.median(p), 1), "pure_min": round(min(p), 1),
                        "compiled_median": round(statistics.median(c), 1), "compiled_min": round(min(c), 1),
                        "speedup_median": round(statistics.median(p) / statistics.median(c), 2)}
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
