"""The textbook cases: well-formed, cited, and no under-triaged urgent case."""

from __future__ import annotations

import pytest

from tmhelpers import ROOT
from triggermap.engine import parse_intake
from triggermap.evaluate import evaluate_dir, load_cases

CASES = ROOT / "bench" / "cases"


def test_at_least_40_cases_each_citing_a_known_source(kb):
    cases = load_cases(CASES)
    assert len(cases) >= 40
    ids = set()
    for c in cases:
        assert c["id"] not in ids
        ids.add(c["id"])
        assert c["source"]["refs"], c["id"]
        for r in c["source"]["refs"]:
            assert r in kb.references, (c["id"], r)
        parse_intake(c["intake"], kb)
        assert c["expect"].get("muscles") or c["expect"].get("conditions"), c["id"]
        for m in c["expect"].get("muscles", []):
            assert m in kb.muscles
        for m in c["expect"].get("conditions", []):
            assert m in kb.conditions


@pytest.fixture(scope="module")
def result(kb):
    return evaluate_dir(CASES, simulation=False)


def test_the_simulation_starts_from_the_drawing_and_answers_from_the_case(kb):
    from triggermap.evaluate import SIM_ROUNDS, answer, simulate, start_document

    cases = [c for c in load_cases(CASES) if c.get("needs")][:8]
    sim = simulate(cases)
    for rates in sim.values():
        assert len(rates) == SIM_ROUNDS + 1
        assert all(0.0 <= r <= 1.0 for r in rates if r is not None)
    for key in ("muscles_top1", "conditions_top1"):  # both paths start from the same drawing
        if f"engine:{key}" in sim:
            assert sim[f"engine:{key}"][0] == sim[f"random:{key}"][0]
    full = cases[0]["intake"]
    start = start_document(full, kb)
    assert set(start) <= {"version", "age", "sex", "duration_weeks", "pain", "choir", "choir_numbering",
                          "red_flags", "absent"}
    assert not set(start["red_flags"]) & set(start["absent"]["red_flags"])
    parse_intake(start, kb)
    some = next(i for i in kb.vocab["aggravating"] if i not in (full.get("aggravating") or []))
    no = answer(full, start, {"field": "aggravating", "value": some}, kb)
    assert some in no["absent"]["aggravating"]
    if full.get("aggravating"):
        yes = answer(full, start, {"field": "aggravating", "value": full["aggravating"][0]}, kb)
        assert yes["aggravating"] == [full["aggravating"][0]]


def test_the_engine_beats_the_region_lookup(result):
    """The region lookup of the same knowledge base is the baseline to beat (issue 9)."""
    lookup = result["region_lookup"]["muscles_top1"]["hits"]
    assert result["muscles_top1"]["hits"] > lookup


def test_no_urgent_case_is_missed(result):
    """Safety: every case a clinician would send for urgent or emergency care is flagged as such."""
    assert result["triage"]["fn"] == 0, result["triage"]


def test_no_case_is_under_triaged(result):
    assert result["triage"]["under_triaged"] == []
