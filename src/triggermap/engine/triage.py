"""Triage: the most severe level any rule reaches, each reason naming the answers behind it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..vocabulary import LEVEL_RANK as RANK
from ..vocabulary import LEVELS
from . import params as P
from .messages import SIDES, msg

if TYPE_CHECKING:
    from ..knowledge import Knowledge
    from .intake import Intake

__all__ = ["LEVELS", "RANK", "compile_rules", "fired_rules", "triage"]


Rule = tuple[dict[str, Any], frozenset[str], frozenset[str], frozenset[str], "int | None"]


def compile_rules(kb: Knowledge) -> list[Rule]:
    """The combination rules with their id lists as sets, for :func:`fired_rules` (a rule's
    regions include every region nested with them: a coarse mark counts for its finer regions)."""
    from .rank import nested_regions

    nested = nested_regions(kb)
    out: list[Rule] = []
    for r in kb.rules:
        regions = set(r["regions"])
        for region in r["regions"]:
            regions.update(nested.get(region, ()))
        out.append((r, frozenset(r["all_of"]), frozenset(r["any_of"]), frozenset(regions), r["min_age"]))
    return out


def fired_rules(rules: list[Rule], intake: Intake) -> list[dict[str, Any]]:
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
    rules: list[dict[str, Any]],
    likely: list[tuple[dict[str, Any], float, list[str]]],
    lang: str,
    params: P.ModelParams = P.DEFAULT,
) -> tuple[str, list[dict[str, Any]]]:
    """Return (level, reasons) given the fired ``rules`` and the ``likely`` conditions
    as (condition, probability, why)."""
    reasons: list[dict[str, Any]] = []
    answers = intake.answers()
    for fid in sorted(intake.red_flags):
        flag = kb.red_flags[fid]
        reasons.append({"id": fid, "level": flag["level"], "text": flag["reason"][lang], "answers": [fid]})
    for rule in rules:
        used = list(rule["all_of"]) + [a for a in rule["any_of"] if a in answers]
        if rule["regions"]:
            used.append("pain.region")
        if rule["min_age"] is not None:
            used.append("age")
        reasons.append({"id": rule["id"], "level": rule["level"], "text": rule["reason"][lang], "answers": used})
    for cond, _p, why in likely:
        if cond["level_when_likely"] == "self-care":
            continue
        reasons.append(
            {
                "id": cond["id"],
                "level": cond["level_when_likely"],
                "text": msg("condition-likely", lang, condition=cond["name"][lang], why="; ".join(why)),
                "answers": [],
            }
        )
    severe = [m for m in intake.pain if m.intensity >= params.severe_intensity]
    if severe:
        top = max(m.intensity for m in severe)
        names = ", ".join(
            kb.regions[m.region]["label"][lang] + (f" ({SIDES[lang][m.side]})" if m.side else "")
            for m in severe
            if m.intensity == top
        )
        reasons.append(
            {
                "id": "severe-pain",
                "level": "see-clinician",
                "text": msg("severe-pain", lang, intensity=top, regions=names),
                "answers": ["pain.intensity"],
            }
        )
    if intake.duration_weeks is not None and intake.duration_weeks > params.long_duration_weeks:
        weeks = int(intake.duration_weeks) if float(intake.duration_weeks).is_integer() else intake.duration_weeks
        reasons.append(
            {
                "id": "long-duration",
                "level": "see-clinician",
                "text": msg("long-duration", lang, weeks=weeks),
                "answers": ["duration_weeks"],
            }
        )
    if not reasons:
        return "self-care", [
            {"id": "no-warning-signs", "level": "self-care", "text": msg("no-warning-signs", lang), "answers": []}
        ]
    reasons.sort(key=lambda r: (-RANK[r["level"]], r["id"]))
    return reasons[0]["level"], reasons
