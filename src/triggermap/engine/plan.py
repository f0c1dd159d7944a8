"""Self-care plan: the top muscles' exercises, minus any the answers rule out."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..knowledge import Knowledge
    from .intake import Intake

#: Within one muscle: release first, then stretch, strengthen, and habits last.
KIND_ORDER = {"self-release": 0, "stretch": 1, "strengthening": 2, "habit": 3}


def plan_item(ex: dict[str, Any], muscle: str, lang: str) -> dict[str, Any]:
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


def build_plan(
    kb: Knowledge, items_by_id: dict[str, dict[str, Any]], intake: Intake, muscles: list[str], lang: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Return (items, withheld) for ``muscles`` in rank order.

    ``items_by_id`` holds the prepared plan items of one language. An item whose
    contraindications include one of the person's answers is withheld, naming them.
    """
    answers = intake.answers()
    chosen: list[tuple[int, int, int, dict[str, Any]]] = []
    withheld: list[dict[str, Any]] = []
    seen: set[str] = set()
    for rank, mid in enumerate(muscles):
        for eid in kb.muscles[mid]["self_care"]:
            if eid in seen:
                continue
            seen.add(eid)
            ex = kb.exercises[eid]
            blocked = answers.intersection(ex["contraindications"]) if answers else None
            if blocked:
                withheld.append({"id": eid, "muscle": mid, "title": ex["title"][lang], "because": sorted(blocked)})
                continue
            chosen.append((rank, KIND_ORDER[ex["kind"]], len(chosen), {**items_by_id[eid], "muscle": mid}))
    chosen.sort(key=lambda t: t[:3])
    return [t[3] for t in chosen], withheld
