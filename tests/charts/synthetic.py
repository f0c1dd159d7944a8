"""Synthetic muscles for chart tests: real, typed entities (copies of a compiled muscle with other
ids, names, sites and zones), in a real :class:`Knowledge` holding only them."""

from __future__ import annotations

from triggermap.knowledge import load
from triggermap.knowledge.entities import Knowledge, Muscle, Names, Text, TriggerPoint, ZoneRef


def trigger_point(tid, site=None, essential=(), spillover=()) -> TriggerPoint:
    base = next(iter(load().muscles.values())).trigger_points[0]
    return base._replace(id=tid, site=site, name=Text(tid, tid), location=Text("here", "aquí"),
                         essential=tuple(ZoneRef(r, "same") for r in essential),
                         spillover=tuple(ZoneRef(r, "same") for r in spillover))


def muscle(mid, tps) -> Muscle:
    base = next(iter(load().muscles.values()))
    return base._replace(id=mid, names=Names(mid.title(), mid.title(), "Musculus " + mid), trigger_points=tuple(tps))


def knowledge(*muscles: Muscle) -> Knowledge:
    """The compiled knowledge base with ``muscles`` as its only muscles (version "test")."""
    kb = load()
    return Knowledge(
        "test",
        regions=kb.regions.values(),
        vocab={cat: items.values() for cat, items in kb.vocab.items()},
        red_flags=kb.red_flags.values(),
        rules=kb.rules,
        conditions=kb.conditions.values(),
        muscles=muscles,
        exercises=kb.exercises.values(),
        references=kb.references.values(),
        geometry=kb.geometry,
    )
