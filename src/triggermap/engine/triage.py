"""Triage: the most severe level any rule reaches, each reason naming the answers behind it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..vocabulary import LEVEL_RANK as RANK
from ..vocabulary import LEVELS
from . import params as P
from .result import Join, Phrase, Reason, Ref, Say

if TYPE_CHECKING:
    from ..knowledge import Knowledge
    from ..knowledge.entities import Rule
    from .intake import Intake

__all__ = ["LEVELS", "RANK", "compile_rules", "fired_rules", "triage"]


CompiledRule = tuple["Rule", frozenset[str], frozenset[str], frozenset[str], "int | None"]


def compile_rules(kb: Knowledge) -> list[CompiledRule]:
    """The combination rules with their id lists as sets, for :func:`fired_rules` (a rule's
    regions include every region nested with them: a coarse mark counts for its finer regions)."""
    from .rank import nested_regions

    nested = nested_regions(kb)
    out: list[CompiledRule] = []
    for r in kb.rules:
        regions = set(r.regions)
        for region in r.regions:
            regions.update(nested.get(region, ()))
        out.append((r, frozenset(r.all_of), frozenset(r.any_of), frozenset(regions), r.min_age))
    return out


def fired_rules(rules: list[CompiledRule], intake: Intake) -> list[Rule]:
    """The combination rules the intake satisfies, in file order: every ``all_of`` id present,
    at least one ``any_of`` id when the rule has any, pain in one of its ``regions`` when it
    has any, and ``min_age`` reached."""
    answers = intake.answers()
    painful = frozenset(m.region for m in intake.pain if m.intensity > 0)
    age = intake.age
    return [
        rule
        for rule, all_of, any_of, regions, min_age in rules
        if (all_of or any_of or regions)
        and all_of <= answers
        and (not any_of or not any_of.isdisjoint(answers))
        and (not regions or not regions.isdisjoint(painful))
        and (min_age is None or (age is not None and age >= min_age))
    ]


def triage(
    kb: Knowledge,
    intake: Intake,
    rules: list[Rule],
    likely: list[tuple[str, str, tuple[Phrase, ...]]],
    params: P.ModelParams = P.DEFAULT,
) -> tuple[str, tuple[Reason, ...]]:
    """Return (level, reasons) given the fired ``rules`` and the ``likely`` conditions
    as (condition id, the level it raises triage to, why)."""
    reasons: list[Reason] = []
    answers = intake.answers()
    for fid in sorted(intake.red_flags):
        reasons.append(Reason(fid, kb.red_flags[fid].level, Ref(("red_flags", fid, "reason")), (fid,)))
    for rule in rules:
        used = list(rule.all_of) + [a for a in rule.any_of if a in answers]
        if rule.regions:
            used.append("pain.region")
        if rule.min_age is not None:
            used.append("age")
        reasons.append(Reason(rule.id, rule.level, Ref(("rules", rule.id, "reason")), tuple(used)))
    for cid, level, why in likely:
        if level == "self-care":
            continue
        text = Say("condition-likely", (("condition", Ref(("conditions", cid, "name"))), ("why", Join("; ", why))))
        reasons.append(Reason(cid, level, text, ()))
    severe = [m for m in intake.pain if m.intensity >= params.severe_intensity]
    if severe:
        top = max(m.intensity for m in severe)
        names = Join(", ", tuple(
            Join("", (Ref(("regions", m.region, "label")), " (", Ref(("sides", m.side)), ")"))
            if m.side else Ref(("regions", m.region, "label"))
            for m in severe
            if m.intensity == top
        ))
        text = Say("severe-pain", (("intensity", top), ("regions", names)))
        reasons.append(Reason("severe-pain", "see-clinician", text, ("pain.intensity",)))
    if intake.duration_weeks is not None and intake.duration_weeks > params.long_duration_weeks:
        weeks = int(intake.duration_weeks) if float(intake.duration_weeks).is_integer() else intake.duration_weeks
        reasons.append(Reason("long-duration", "see-clinician", Say("long-duration", (("weeks", weeks),)),
                              ("duration_weeks",)))
    if not reasons:
        return "self-care", (Reason("no-warning-signs", "self-care", Say("no-warning-signs"), ()),)
    reasons.sort(key=lambda r: (-RANK[r.level], r.id))
    return reasons[0].level, tuple(reasons)
