"""Bytes saved by the lean document (docs/lean-document.md) on the 7,068 CHOIR drawings.

    python bench/bench_lean.py [--lang en] [--json]

Each drawing is assessed once; its full document and its lean form are serialised as the CLI
writes them (compact JSON, UTF-8: ``triggermap assess --format json`` / ``--lean``) and counted.
Prints the totals, the median and the largest drawing's saving, and the time ``lean_document``
and ``expand_document`` take per document. Every lean document is expanded back and compared
with the full one byte for byte (a difference stops the run).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from bench_engine import choir_intakes  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lang", default="en", choices=("en", "es"))
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()

    import triggermap
    from triggermap.documents import dumps_bytes
    from triggermap.lean import expand_document, lean_document

    engine = triggermap.Engine()
    full_total = lean_total = 0
    ratios: list[float] = []
    largest = (0, 0)
    t_lean = t_expand = 0.0
    intakes = choir_intakes()
    for intake in intakes:
        doc = engine.document(intake, a.lang)
        full = dumps_bytes(doc)
        t0 = time.perf_counter()
        lean = lean_document(doc)
        t1 = time.perf_counter()
        back = expand_document(lean)
        t2 = time.perf_counter()
        t_lean += t1 - t0
        t_expand += t2 - t1
        small = dumps_bytes(lean)
        if dumps_bytes(back) != full:
            raise SystemExit("expand_document(lean_document(doc)) differs from doc")
        full_total += len(full)
        lean_total += len(small)
        ratios.append(len(small) / len(full))
        if len(full) > largest[0]:
            largest = (len(full), len(small))
    n = len(intakes)
    summary = {
        "drawings": n, "lang": a.lang, "full_bytes": full_total, "lean_bytes": lean_total,
        "saved": 1 - lean_total / full_total, "median_saved": 1 - statistics.median(ratios),
        "largest_full_bytes": largest[0], "largest_lean_bytes": largest[1],
        "largest_saved": 1 - largest[1] / largest[0],
        "lean_us_per_doc": 1e6 * t_lean / n, "expand_us_per_doc": 1e6 * t_expand / n,
    }
    if a.json:
        print(json.dumps(summary, indent=2))
        return 0
    print(f"lean document on {n:,} CHOIR drawings ({a.lang}, compact JSON as the CLI writes it)")
    print(f"  full {full_total:,} bytes -> lean {lean_total:,} bytes: {summary['saved']:.1%} saved "
          f"(median drawing {summary['median_saved']:.1%})")
    print(f"  largest drawing: {largest[0]:,} -> {largest[1]:,} bytes ({summary['largest_saved']:.1%} saved)")
    print(f"  lean_document {summary['lean_us_per_doc']:.0f} us/doc, expand_document "
          f"{summary['expand_us_per_doc']:.0f} us/doc; every document expanded back byte for byte")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
