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

from typing import Any


def _get(obj: Any, key: str) -> Any:
    return obj[key] if isinstance(obj, dict) else getattr(obj, key)


def lookup_ranking(kb: Any, intake: dict[str, Any]) -> list[str]:
    from triggermap.assess.intake import parse_intake
    from triggermap.assess.rank import nested_regions

    nested = nested_regions(kb)
    painful = {m.region for m in parse_intake(intake, kb).pain if m.intensity > 0}
    scores = []
    for mid, m in kb.muscles.items():
        ess: set[str] = set()
        spill: set[str] = set()
        for tp in _get(m, "trigger_points"):
            for kind, into in (("essential", ess), ("spillover", spill)):
                for z in _get(tp, kind):
                    r = _get(z, "region")
                    into.update({r, *nested.get(r, ())} & painful)
        spill -= ess
        if ess or spill:
            scores.append((-len(ess), -len(spill), mid))
    return [mid for *_, mid in sorted(scores)]


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
