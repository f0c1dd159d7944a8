"""Differential: non-myofascial conditions that mimic the pain, each with its reasons."""

from __future__ import annotations

from dataclasses import dataclass
from math import exp, log
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..knowledge import Knowledge
    from .intake import Intake


@dataclass(frozen=True, slots=True)
class Feat:
    kind: str
    ids: frozenset[str]
    value: int | None
    weight: float
    why: dict[str, str]


@dataclass(frozen=True, slots=True)
class Cond:
    id: str
    prior_logit: float
    features: tuple[Feat, ...]
    data: dict


def prepare(kb: Knowledge) -> list[Cond]:
    out = []
    for cid, c in kb.conditions.items():
        feats = tuple(
            Feat(f["kind"], frozenset(f["ids"]), f["value"], log(f["lr"]), f["why"]) for f in c["features"]
        )
        out.append(Cond(cid, log(c["prior"] / (1 - c["prior"])), feats, c))
    return out


def _fires(f: Feat, lists: dict[str, frozenset[str]], age: int | None) -> bool:
    if f.kind == "age-over":
        return age is not None and f.value is not None and age > f.value
    if f.kind == "age-under":
        return age is not None and f.value is not None and age < f.value
    return not f.ids.isdisjoint(lists[f.kind])


def differential(conds: list[Cond], intake: Intake) -> list[tuple[Cond, float, list[Feat]]]:
    """Every condition with at least one feature present: (condition, probability, fired features)."""
    lists = {
        "region": frozenset(m.region for m in intake.pain if m.intensity > 0),
        "quality": intake.qualities,
        "aggravating": intake.aggravating,
        "finding": intake.findings,
        "red-flag": intake.red_flags,
        "history": intake.history,
    }
    out = []
    for c in conds:
        fired = [f for f in c.features if _fires(f, lists, intake.age)]
        if not fired:
            continue
        logit = c.prior_logit + sum(f.weight for f in fired)
        out.append((c, 1.0 / (1.0 + exp(-logit)), fired))
    out.sort(key=lambda t: (-t[1], t[0].id))
    return out
