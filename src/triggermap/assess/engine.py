"""One intake in, one assessment document out (contract v1). Pure: no I/O."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import params as P
from .differential import Cond, differential, prepare
from .intake import Intake, parse_intake
from .messages import msg
from .plan import build_plan
from .rank import Index, build_index, explained, rank_muscles
from .triage import triage

if TYPE_CHECKING:
    from ..knowledge import Knowledge

LANGS = ("en", "es")


class _Prepared:
    """Per knowledge-base structures built once: the inverted index and the condition table."""

    __slots__ = ("index", "conditions")

    def __init__(self, kb: Knowledge):
        self.index: Index = build_index(kb)
        self.conditions: list[Cond] = prepare(kb)


_PREPARED: dict[int, tuple[Knowledge, _Prepared]] = {}


def prepared(kb: Knowledge) -> _Prepared:
    hit = _PREPARED.get(id(kb))
    if hit is None or hit[0] is not kb:
        hit = (kb, _Prepared(kb))
        _PREPARED[id(kb)] = hit
    return hit[1]


def _kb(kb: Knowledge | None) -> Knowledge:
    if kb is None:
        from ..knowledge import load

        kb = load()
    return kb


def assess(data: dict[str, Any] | Intake, kb: Knowledge | None = None, lang: str = "en") -> dict[str, Any]:
    """Assess an intake (a parsed JSON/YAML document or an :class:`Intake`).

    Raises :class:`~triggermap.assess.intake.IntakeError` for invalid input.
    """
    kb = _kb(kb)
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, got {lang!r}")
    intake = data if isinstance(data, Intake) else parse_intake(data, kb)
    prep = prepared(kb)

    # differential first: a likely condition raises the triage level
    diff = differential(prep.conditions, intake)
    flagged: set[str] = set()
    answers = intake.answers()
    for fid in intake.red_flags:
        flagged.update(kb.red_flags[fid]["conditions"])
    from .triage import rule_fires

    for rule in kb.rules:
        if rule["conditions"] and rule_fires(rule, answers, intake.age):
            flagged.update(rule["conditions"])
    likely = [
        (c.data, p, [f.why[lang] for f in fired]) for c, p, fired in diff if p >= P.CONDITION_LIKELY
    ]
    level, reasons = triage(kb, intake, likely, lang)

    conditions = []
    listed: set[str] = set()
    for c, p, fired in diff:
        if p >= P.CONDITION_LIST_MIN or c.id in flagged:
            conditions.append(
                {
                    "id": c.id,
                    "name": c.data["name"][lang],
                    "score": round(p, 4),
                    "likely": p >= P.CONDITION_LIKELY,
                    "why": [f.why[lang] for f in fired],
                    "confirm": c.data["confirm"][lang],
                }
            )
            listed.add(c.id)
    for cid in sorted(flagged - listed):  # reached by a red flag but no feature fired
        c_data = kb.conditions[cid]
        conditions.append(
            {
                "id": cid,
                "name": c_data["name"][lang],
                "score": round(c_data["prior"], 4),
                "likely": False,
                "why": [r["text"] for r in reasons if cid in _conditions_of(kb, r["id"])],
                "confirm": c_data["confirm"][lang],
            }
        )
    conditions.sort(key=lambda c: (-c["score"], c["id"]))

    ranked = rank_muscles(prep.index, intake)[: P.MAX_MUSCLES]
    painful = intake.painful
    muscles = []
    for s in ranked:
        m = kb.muscles[s.muscle]
        explains, rest = explained(s.pattern, s.side, painful)
        muscles.append(
            {
                "id": s.muscle,
                "name": m["names"][lang],
                "latin": m["names"]["la"],
                "score": round(s.score, 4),
                "side": s.side,
                "trigger_points": list(s.pattern.trigger_points),
                "explains": explains,
                "unexplained": rest,
                "supporting": s.support,
                "confirm": m["confirm"][lang],
            }
        )
    covered = prep.index.by_region
    uncovered = [
        {"region": mk.region, **({"side": mk.side} if mk.side else {}), "intensity": mk.intensity}
        for mk in painful
        if mk.region not in covered
    ]

    plan: list[dict] = []
    withheld: list[dict] = []
    if level in ("self-care", "see-clinician"):
        plan, withheld = build_plan(kb, intake, [s.muscle for s in ranked[: P.PLAN_MUSCLES]], lang)

    ref_ids: list[str] = []
    seen: set[str] = set()

    def cite(ids: list[str]) -> None:
        for r in ids:
            if r not in seen:
                seen.add(r)
                ref_ids.append(r)

    for r in reasons:
        if r["id"] in kb.red_flags:
            cite(kb.red_flags[r["id"]]["refs"])
    for rule in kb.rules:
        if any(r["id"] == rule["id"] for r in reasons):
            cite(rule["refs"])
    for c in conditions:
        cite(kb.conditions[c["id"]]["refs"])
    for mm in muscles:
        cite(kb.muscles[mm["id"]]["references"])
    for item in plan:
        cite(item["refs"])
    references = [{"id": r, "citation": kb.references[r]["citation"]} for r in ref_ids]

    choir = sorted({code for mk in painful for code in kb.region_choir(mk.region, mk.side)})
    return {
        "version": 1,
        "kb_version": kb.version,
        "lang": lang,
        "triage": {"level": level, "reasons": reasons},
        "muscles": muscles,
        "uncovered": uncovered,
        "conditions": conditions,
        "plan": plan,
        "plan_withheld": withheld,
        "references": references,
        "choir": choir,
        "disclaimer": msg("disclaimer", lang),
    }


def _conditions_of(kb: Knowledge, reason_id: str) -> list[str]:
    if reason_id in kb.red_flags:
        return list(kb.red_flags[reason_id]["conditions"])
    for rule in kb.rules:
        if rule["id"] == reason_id:
            return list(rule["conditions"])
    return []
