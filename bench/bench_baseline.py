"""The engine against a plain region lookup of its own knowledge base, on the project's cases.

The lookup is what a pain guide such as triggerpoints.net does: list the muscles whose
trigger points refer pain to the painful regions, those reaching the most regions in their
essential zones first, then by regions in their spillover zones (ties by name). It uses the
same regions (a coarse region standing for the finer ones inside it), ignores sides and every
answer other than the drawing. Scoring is `triggermap evaluate`'s: top-1 is the first muscle
being one of the case's primary muscles, top-3 a primary among the first three.

    python bench/bench_baseline.py
"""

from __future__ import annotations

from triggermap.evaluate import region_lookup as lookup_ranking


def main() -> None:
    from triggermap.evaluate import _primaries, default_cases_dir, evaluate_cases, load_cases
    from triggermap.knowledge import load

    kb = load()
    cases = [c for c in load_cases(default_cases_dir()) if c["expect"].get("muscles")]
    res = evaluate_cases(cases)
    e1, e3 = res["muscles_top1"]["hits"], res["muscles_top3"]["hits"]
    hit1 = hit3 = 0
    for c in cases:
        ranked = lookup_ranking(kb, c["intake"])
        primaries = _primaries(c["expect"], "muscles")
        hit1 += bool(ranked[:1]) and ranked[0] in primaries
        hit3 += any(p in ranked[:3] for p in primaries)
    n = len(cases)
    print(f"muscle cases: {n}")
    print(f"region lookup  top-1 {hit1}/{n} = {hit1 / n:.0%}   top-3 {hit3}/{n} = {hit3 / n:.0%}")
    print(f"engine         top-1 {e1}/{n} = {e1 / n:.0%}   top-3 {e3}/{n} = {e3 / n:.0%}")
    print(f"lead           top-1 {100 * (e1 - hit1) / n:+.0f} points   top-3 {100 * (e3 - hit3) / n:+.0f} points")


if __name__ == "__main__":
    main()
