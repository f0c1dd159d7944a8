"""The ceiling of the next-question simulation: questions chosen by an oracle that knows the answers.

    python bench/sim_oracle.py [--who self|clinician|all] [--rounds 3]

``triggermap evaluate`` simulates asking the engine's own next questions, answered from each case's
full answers (triggermap.evaluate.simulate). This asks instead, at each round, the candidate whose
answer puts an expected muscle highest (greedy, knowing the answers: no real selector can do
better this way), from the same candidate lists, answered the same way. It shows how far any
choice of questions can lift muscle top-1 on the project's cases: the cases record only some
answers, so many questions get a "no" that moves nothing. Slow (every candidate is tried at each
round: about a minute); a benchmark, not a test: it prints figures and asserts nothing.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from triggermap import evaluate as ev
from triggermap.engine.core import engine_for
from triggermap.knowledge import load

ROOT = Path(__file__).resolve().parents[1]


def _rank(doc: dict[str, Any], want: list[str]) -> int:
    return next((i for i, m in enumerate(doc["muscles"]) if m["id"] in want), len(doc["muscles"]))


def oracle(cases: list[dict[str, Any]], who: str | None, rounds: int) -> list[float]:
    kb = load()
    eng = engine_for(kb)
    hits = [0] * (rounds + 1)
    n = 0
    for case in cases:
        full = case["intake"]
        want = ev._primaries(case["expect"], "muscles")
        if not want:
            continue
        n += 1
        doc = ev.start_document(full, kb)
        a = eng.document(doc, who=who, max_questions=1000)
        hits[0] += _rank(a, want) == 0
        for k in range(1, rounds + 1):
            best: tuple[tuple[int, float], dict[str, Any], dict[str, Any]] | None = None
            for q in a["next_questions"]:
                nxt = ev.answer(full, doc, q, kb)
                if nxt is None:
                    continue
                b = eng.document(nxt, who=who, max_questions=1000)
                score = next((m["score"] for m in b["muscles"] if m["id"] in want), 0.0)
                key = (_rank(b, want), -score)
                if best is None or key < best[0]:
                    best = (key, nxt, b)
            if best is not None:
                _key, doc, a = best
            hits[k] += _rank(a, want) == 0
    return [round(h / n, 3) for h in hits] if n else []


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--who", default="self", choices=("self", "clinician", "all"))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--cases", default=str(ROOT / "bench" / "cases"))
    a = ap.parse_args()
    who = None if a.who == "all" else a.who
    cases = ev.load_cases(Path(a.cases))
    needing = [c for c in cases if c.get("needs")]
    out = {"who": a.who, "all_cases": oracle(cases, who, a.rounds), "cases_needing_1_1": oracle(needing, who, a.rounds)}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
