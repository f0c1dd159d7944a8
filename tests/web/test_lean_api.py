"""``POST /api/v1/assess?lean=1``: the lean document (docs/lean-document.md)."""

from __future__ import annotations

import jsonschema

from tmhelpers import ARTICLE, make_intake
from triggermap.documents import dumps_bytes
from triggermap.lean import expand_document

CALF = make_intake(("calf", "right", 7), ("heel", "right", 5), aggravating=["walking-uphill"], age=64)


def test_lean_answer_expands_to_the_full_answer(client):
    schema = client.get("/api/v1/schema/assessment-lean").json()
    for intake in (ARTICLE, CALF):
        for lang in ("en", "es"):
            full = client.post(f"/api/v1/assess?lang={lang}", json=intake)
            lean = client.post(f"/api/v1/assess?lang={lang}&lean=1", json=intake)
            assert full.status_code == lean.status_code == 200
            doc = lean.json()
            assert doc["form"] == "lean" and "marks" in doc
            jsonschema.validate(doc, schema)
            assert dumps_bytes(expand_document(doc)) == full.content
    off = client.post("/api/v1/assess?lean=0", json=ARTICLE)
    assert off.content == client.post("/api/v1/assess", json=ARTICLE).content


def test_lean_value_is_checked(client):
    r = client.post("/api/v1/assess?lean=yes", json=ARTICLE)
    assert r.status_code == 422
    body = r.json()
    assert body["field"] == "lean" and "Allowed: 1, true, 0, false" in body["message"]


def test_lean_is_in_the_openapi_document(client):
    params = {p["name"]: p for p in client.get("/openapi.json").json()["paths"]["/api/v1/assess"]["post"]["parameters"]}
    assert params["lean"]["schema"]["enum"] == ["1", "true", "0", "false"]
