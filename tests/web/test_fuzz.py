"""No input makes the API fail with a 500: schemathesis against the OpenAPI document, and hypothesis
bodies (valid intakes from the vocabulary, broken variants of them, arbitrary JSON) posted directly."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

schemathesis = pytest.importorskip("schemathesis")


def _schema() -> Any:
    from triggermap.knowledge import load
    from triggermap.web.app import create_app

    return schemathesis.openapi.from_asgi("/openapi.json", create_app(kb=load()))


schema = _schema()


@schema.parametrize()
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_error_for_any_input(case):
    from schemathesis.checks import not_a_server_error

    case.call_and_validate(checks=[not_a_server_error])


# --- hypothesis: the assess endpoint on its own ------------------------------------------

def _vocab() -> dict[str, list[str]]:
    from triggermap.knowledge import load

    kb = load()
    return {
        "lateral": [r for r, d in kb.regions.items() if not d.midline],
        "midline": [r for r, d in kb.regions.items() if d.midline],
        "qualities": list(kb.vocab["qualities"]),
        "aggravating": list(kb.vocab["aggravating"]),
        "findings": list(kb.vocab["findings"]),
        "history": list(kb.vocab["history"]),
        "red_flags": list(kb.red_flags),
    }


V = _vocab()
mark = st.one_of(
    st.fixed_dictionaries({"region": st.sampled_from(V["lateral"]), "side": st.sampled_from(["left", "right", "both"]),
                           "intensity": st.integers(0, 10)}),
    st.fixed_dictionaries({"region": st.sampled_from(V["midline"]), "intensity": st.integers(0, 10)}),
)
valid_intake = st.fixed_dictionaries(
    {"version": st.just(1), "pain": st.lists(mark, min_size=1, max_size=12)},
    optional={
        "age": st.integers(0, 120),
        "sex": st.sampled_from(["female", "male", "other"]),
        "duration_weeks": st.floats(0, 520, allow_nan=False),
        "qualities": st.lists(st.sampled_from(V["qualities"]), max_size=4),
        "aggravating": st.lists(st.sampled_from(V["aggravating"]), max_size=4),
        "findings": st.lists(st.sampled_from(V["findings"]), max_size=4),
        "history": st.lists(st.sampled_from(V["history"]), max_size=3),
        "red_flags": st.lists(st.sampled_from(V["red_flags"]), max_size=3),
        "choir": st.lists(st.sampled_from(list(range(101, 137)) + list(range(201, 239))), max_size=4),
    },
)
json_value = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)


@st.composite
def broken_intake(draw: Any) -> Any:
    doc = draw(valid_intake)
    key = draw(st.sampled_from(sorted(doc) + ["pain", "extra", "side"]))
    target = doc
    if key == "side" and doc["pain"]:
        target = doc["pain"][0]
    target[key] = draw(json_value)
    return doc


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(doc=valid_intake, lang=st.sampled_from(["en", "es"]))
def test_valid_intakes_are_assessed(client, doc, lang):
    r = client.post(f"/api/v1/assess?lang={lang}", json=doc)
    assert r.status_code == 200, (doc, r.text)
    a = r.json()
    assert a["lang"] == lang and a["triage"]["level"] in ("emergency", "urgent", "see-clinician", "self-care")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(doc=st.one_of(broken_intake(), json_value))
def test_broken_intakes_never_500(client, doc):
    r = client.post("/api/v1/assess", content=json.dumps(doc).encode(), headers={"content-type": "application/json"})
    assert r.status_code in (200, 422), (doc, r.status_code, r.text)
    if r.status_code == 422:
        assert set(r.json()) == {"field", "message"}


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=300))
def test_arbitrary_bytes_never_500(client, raw):
    r = client.post("/api/v1/assess", content=raw, headers={"content-type": "application/json"})
    assert r.status_code in (200, 422), (raw, r.text)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fields=st.lists(st.tuples(st.sampled_from(["pain", "rf", "q", "agg", "hist", "find", "age", "sex", "weeks",
                                                   "int:calf:left", "intake", "lang"]),
                                 st.text(max_size=30)), max_size=8))
def test_html_form_never_500(client, fields):
    from urllib.parse import urlencode

    body = urlencode(fields)
    for path in ("/check", "/results", "/edit", "/view", "/draft", "/"):
        r = client.post(path, content=body, headers={"content-type": "application/x-www-form-urlencoded"},
                        follow_redirects=False)
        assert r.status_code in (200, 303, 422), (path, fields, r.status_code)
        assert "Traceback" not in r.text
