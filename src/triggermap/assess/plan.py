"""Self-care plan: the top muscles' exercises, minus any the answers rule out."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..knowledge import Knowledge
    from .intake import Intake

KIND_ORDER = {"self-release": 0, "stretch": 1, "strengthening": 2, "habit": 3}


def plan_item(kb: Knowledge, ex: dict, muscle: str, lang: str) -> dict:
    return {
        "id": ex["id"],
        "kind": ex["kind"],
        "muscle": muscle,
        "title": ex["title"][lang],
        "dose": ex["dose"][lang],
        "steps": [s[lang] for s in ex["steps"]],
        "cautions": [c[lang] for c in ex["cautions"]],
        "equipment": list(ex["equipment"]),
        "refs": list(ex["refs"]),
    }


def build_plan(kb: Knowledge, intake: Intake, muscles: list[str], lang: str) -> tuple[list[dict], list[dict]]:
    """Return (items, withheld). ``withheld`` names the answers that ruled an item out."""
    answers = intake.answers()
    items: list[dict] = []
    withheld: list[dict] = []
    seen: set[str] = set()
    for mid in muscles:
        for eid in kb.muscles[mid]["self_care"]:
            if eid in seen:
                continue
            seen.add(eid)
            ex = kb.exercises[eid]
            blocked = sorted(set(ex["contraindications"]) & answers)
            if blocked:
                withheld.append({"id": eid, "muscle": mid, "title": ex["title"][lang], "because": blocked})
                continue
            items.append(plan_item(kb, ex, mid, lang))
    # stable: muscles in rank order, and within a muscle release -> stretch -> strengthen -> habit
    order = {m: i for i, m in enumerate(muscles)}
    items.sort(key=lambda it: (order[it["muscle"]], KIND_ORDER[it["kind"]]))
    return items, withheld
