"""Self-care plan: the top muscles' exercises, minus any the answers rule out."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .result import PlanItem, Withheld

if TYPE_CHECKING:
    from ..knowledge import Knowledge
    from .intake import Intake

#: Within one muscle: release first, then stretch, strengthen, and habits last.
KIND_ORDER = {"self-release": 0, "stretch": 1, "strengthening": 2, "habit": 3}


def build_plan(kb: Knowledge, intake: Intake, muscles: list[str]) -> tuple[tuple[PlanItem, ...], tuple[Withheld, ...]]:
    """Return (items, withheld) for ``muscles`` in rank order: each muscle's self-care items,
    release first, then stretch, strengthen and habits. An item whose contraindications include
    one of the person's answers is withheld, naming them."""
    answers = intake.answers()
    chosen: list[tuple[int, int, int, PlanItem]] = []
    withheld: list[Withheld] = []
    seen: set[str] = set()
    for rank, mid in enumerate(muscles):
        for eid in kb.muscles[mid].self_care:
            if eid in seen:
                continue
            seen.add(eid)
            ex = kb.exercises[eid]
            blocked = answers.intersection(ex.contraindications) if answers else None
            if blocked:
                withheld.append(Withheld(eid, mid, tuple(sorted(blocked))))
                continue
            chosen.append((rank, KIND_ORDER[ex.kind], len(chosen), PlanItem(eid, mid)))
    chosen.sort(key=lambda t: t[:3])
    return tuple(t[3] for t in chosen), tuple(withheld)
