"""Every benchmark case names only ids the knowledge base knows, including the contract-1.1 fields.

The intake parser is not asked here: the `absent` and `palpation` fields (contract 1.1) are checked
by hand against the knowledge base, so a case with a typo fails even before the parser accepts them.
"""

from __future__ import annotations

from typing import Any

import pytest

from tmhelpers import ROOT
from triggermap.evaluate import load_cases

CASES = ROOT / "bench" / "cases"
CASE_KEYS = {"id", "title", "source", "intake", "expect", "needs", "_file"}
INTAKE_KEYS = {
    "version", "age", "sex", "duration_weeks", "pain", "choir", "choir_numbering",
    "qualities", "aggravating", "findings", "red_flags", "history", "absent", "palpation",
}
VOCAB_LISTS = ("qualities", "aggravating", "findings", "history")
SIDES = {"left", "right", "both"}
LEVELS = {"self-care", "see-clinician", "urgent", "emergency"}
NEEDS = {"palpation", "findings", "absent"}
PALPATION_KEYS = {"muscle", "side", "tender", "reproduces", "taut_band"}


def _allowed(kb: Any, field: str) -> set[str]:
    if field == "red_flags":
        return set(kb.red_flags)
    return set(kb.vocab[field])


def problems_of(case: dict[str, Any], kb: Any) -> list[str]:
    """Everything wrong with one case (an empty list when it is well formed)."""
    out: list[str] = []
    extra = set(case) - CASE_KEYS
    if extra:
        out.append(f"unknown top-level keys {sorted(extra)}")
    refs = (case.get("source") or {}).get("refs") or []
    if not refs:
        out.append("no source refs")
    out += [f"unknown reference {r}" for r in refs if r not in kb.references]
    intake = case.get("intake") or {}
    out += [f"unknown intake field {k}" for k in set(intake) - INTAKE_KEYS]
    for i, mark in enumerate(intake.get("pain") or []):
        region = kb.regions.get(mark.get("region"))
        if region is None:
            out.append(f"pain[{i}]: unknown region {mark.get('region')}")
            continue
        side = mark.get("side")
        if region.midline and side is not None:
            out.append(f"pain[{i}]: side on midline region {mark['region']}")
        if not region.midline and side not in SIDES:
            out.append(f"pain[{i}]: lateral region {mark['region']} needs a side, got {side!r}")
        intensity = mark.get("intensity", 5)
        if type(intensity) is not int or not 0 <= intensity <= 10:
            out.append(f"pain[{i}]: intensity {intensity!r}")
    given: dict[str, set[str]] = {}
    for field in (*VOCAB_LISTS, "red_flags"):
        ids = intake.get(field) or []
        given[field] = set(ids)
        out += [f"{field}: unknown id {x}" for x in ids if x not in _allowed(kb, field)]
    absent = intake.get("absent") or {}
    if not isinstance(absent, dict):
        out.append("absent must be an object keyed by category")
        absent = {}
    for field, ids in absent.items():
        if field not in (*VOCAB_LISTS, "red_flags"):
            out.append(f"absent: unknown category {field}")
            continue
        out += [f"absent.{field}: unknown id {x}" for x in ids if x not in _allowed(kb, field)]
        both = given.get(field, set()) & set(ids)
        out += [f"{field}: {x} is both given and absent" for x in sorted(both)]
        if len(set(ids)) != len(ids):
            out.append(f"absent.{field}: duplicate ids")
    seen: set[tuple[str, str | None]] = set()
    for i, p in enumerate(intake.get("palpation") or []):
        f = f"palpation[{i}]"
        out += [f"{f}: unknown key {k}" for k in set(p) - PALPATION_KEYS]
        if p.get("muscle") not in kb.muscles:
            out.append(f"{f}: unknown muscle {p.get('muscle')}")
        if "side" in p and p["side"] not in SIDES:
            out.append(f"{f}: side {p['side']!r}")
        if not isinstance(p.get("tender"), bool):
            out.append(f"{f}: tender (a boolean) is required")
        out += [f"{f}: {k} must be a boolean" for k in ("reproduces", "taut_band") if k in p and not isinstance(p[k], bool)]
        if p.get("reproduces") and not p.get("tender"):
            out.append(f"{f}: reproduces the familiar pain but not tender")
        where = (p.get("muscle"), p.get("side"))
        if where in seen:
            out.append(f"{f}: {where} palpated twice")
        seen.add(where)
    expect = case.get("expect") or {}
    if expect.get("triage") not in LEVELS:
        out.append(f"expect.triage {expect.get('triage')!r}")
    if not (expect.get("muscles") or expect.get("conditions")):
        out.append("expect names neither muscles nor conditions")
    for key, known in (("muscles", kb.muscles), ("conditions", kb.conditions)):
        listed = expect.get(key) or []
        out += [f"expect.{key}: unknown id {x}" for x in listed if x not in known]
        out += [f"primary_{key}: {x} not in expect.{key}" for x in expect.get(f"primary_{key}") or [] if x not in listed]
    needs = case.get("needs")
    if needs is not None:
        if not needs or set(needs) - NEEDS:
            out.append(f"needs must be a non-empty subset of {sorted(NEEDS)}, got {needs!r}")
        if "palpation" in needs and not intake.get("palpation"):
            out.append("needs palpation but the intake has none")
        if "absent" in needs and not any(absent.values()):
            out.append("needs absent but the intake has no absent answers")
        if "findings" in needs and not intake.get("findings"):
            out.append("needs findings but the intake has none")
    return out


@pytest.fixture(scope="module")
def cases():
    return load_cases(CASES)


def test_every_case_names_only_known_ids(cases, kb):
    bad = {c.get("_file"): p for c in cases if (p := problems_of(c, kb))}
    assert bad == {}


def test_case_ids_are_unique(cases):
    ids = [c["id"] for c in cases]
    assert len(ids) == len(set(ids))


def test_at_least_30_cases_need_the_new_evidence(cases):
    """Issue 9: at least 30 cases whose answer depends on palpation, examination findings or "no" answers."""
    marked = [c for c in cases if c.get("needs")]
    assert len(marked) >= 30
    for kind in NEEDS:
        assert sum(kind in c["needs"] for c in marked) >= 5, kind
    assert sum(bool(c["expect"].get("muscles")) for c in marked) >= 10
    assert sum(bool(c["expect"].get("conditions")) for c in marked) >= 10
    assert any(c["expect"]["triage"] in ("urgent", "emergency") for c in marked)


def test_the_checker_catches_bad_ids(kb):
    """The checker itself can fail: a typo in each new field is reported."""
    case = {
        "id": "x", "title": "x", "source": {"refs": ["travell-simons-1992"]}, "needs": ["palpation", "absent"],
        "intake": {
            "version": 1,
            "pain": [{"region": "buttock-lower-inner", "side": "left"}, {"region": "sacrum", "side": "left"}],
            "aggravating": ["sitting"],
            "absent": {"aggravating": ["sitting", "sittting"], "findings": ["faber-positive"]},
            "palpation": [{"muscle": "gluteus-maximus", "side": "left"}, {"muscle": "glute-max", "tender": True}],
        },
        "expect": {"triage": "self-care", "muscles": ["gluteus-maximus"]},
    }
    found = problems_of(case, kb)
    assert any("side on midline" in p for p in found)
    assert any("sittting" in p for p in found)
    assert any("both given and absent" in p for p in found)
    assert any("tender (a boolean) is required" in p for p in found)
    assert any("unknown muscle glute-max" in p for p in found)
