"""The textbook cases: well-formed, cited, and no under-triaged urgent case."""

from __future__ import annotations

import pytest

from tmhelpers import ROOT
from triggermap.assess import parse_intake
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
    return evaluate_dir(CASES)


def test_no_urgent_case_is_missed(result):
    """Safety: every case a clinician would send for urgent or emergency care is flagged as such."""
    assert result["triage"]["fn"] == 0, result["triage"]


def test_no_case_is_under_triaged(result):
    assert result["triage"]["under_triaged"] == []
