"""Benchmark chart rendering: ``python bench/bench_charts.py [--n 200]``.

Prints mean and p99 milliseconds per chart for the SVG renderers (the budget is 50 ms per
chart), plus the one-off cost of loading the geometry and the PNG/PDF export times for reference.
Run from the repository root with the package installed (``pip install -e .``).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable

BUDGET_MS = 50.0


def _time(fn: Callable[[], object], n: int) -> tuple[float, float]:
    fn()  # warm
    samples = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    p99 = samples[min(len(samples) - 1, int(round(0.99 * (len(samples) - 1))))]
    return statistics.fmean(samples), p99


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=200, help="renders per chart")
    ap.add_argument("--export", action="store_true", help="also time PNG and PDF export (slower)")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    from triggermap import charts
    from triggermap.charts import geometry
    from triggermap.engine import assess, parse_intake
    from triggermap.knowledge import load

    kb = load()
    t1 = time.perf_counter()
    for v in geometry.VIEWS:
        geometry.get_view(v)
    geometry.tp_positions()
    t2 = time.perf_counter()
    geometry._read_yaml.cache_clear()
    geometry.compile_bundle()
    t3 = time.perf_counter()
    print(f"import + knowledge base: {(t1 - t0) * 1000:.1f} ms; geometry, first use: {(t2 - t1) * 1000:.1f} ms "
          f"(compiling from YAML without the cache: {(t3 - t2) * 1000:.1f} ms)")

    case = {
        "version": 1,
        "pain": [
            {"region": "buttock-lower-outer", "side": "right", "intensity": 7},
            {"region": "hip-lateral", "side": "right", "intensity": 6},
            {"region": "thigh-lateral", "side": "right", "intensity": 5},
            {"region": "leg-lateral", "side": "right", "intensity": 4},
            {"region": "coccyx", "intensity": 3},
            {"region": "low-back", "side": "both", "intensity": 5},
        ],
    }
    marks = parse_intake(case, kb).pain
    result = assess(case, kb)
    benches: dict[str, Callable[[], object]] = {
        "body_svg(back)": lambda: charts.body_svg("back", "es", marks),
        "muscle_chart(gluteus-minimus)": lambda: charts.muscle_chart(kb, "gluteus-minimus"),
        "muscle_chart(every muscle)/25": None,  # filled below
        "drawing_chart": lambda: charts.drawing_chart(kb, marks),
        "assessment_chart(top 3)": lambda: charts.assessment_chart(kb, marks, result),
        "assessment_chart(top 5)": lambda: charts.assessment_chart(kb, marks, result, top=min(5, len(result["muscles"])) or 1),
    }
    muscles = list(kb.muscles)
    benches["muscle_chart(every muscle)/25"] = lambda: [charts.muscle_chart(kb, m) for m in muscles]
    worst = 0.0
    print(f"{'chart (SVG)':34} {'mean ms':>9} {'p99 ms':>9}")
    for name, fn in benches.items():
        assert fn is not None
        n = max(5, args.n // 25) if "every" in name else args.n
        mean, p99 = _time(fn, n)
        if "every" in name:
            mean, p99 = mean / len(muscles), p99 / len(muscles)
        worst = max(worst, p99)
        print(f"{name:34} {mean:9.2f} {p99:9.2f}")
    if args.export:
        svg = charts.muscle_chart(kb, "gluteus-minimus")
        for fmt in ("png", "pdf"):
            mean, p99 = _time(lambda fmt=fmt: charts.export(svg, fmt), 10)
            print(f"{'export ' + fmt + ' (reference)':34} {mean:9.2f} {p99:9.2f}")
    ok = worst < BUDGET_MS
    print(f"worst p99 {worst:.2f} ms: {'within' if ok else 'OVER'} the {BUDGET_MS:.0f} ms budget")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
