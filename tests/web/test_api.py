"""The JSON API (/api/v1): the contract, the CLI's answers, errors naming the field, hardening."""

from __future__ import annotations

import json
import subprocess
import sys

import jsonschema
import pytest

from tmhelpers import ARTICLE, make_intake

CALF = make_intake(("calf", "right", 7), ("heel", "right", 5), aggravating=["walking-uphill"], age=64,
                   duration_weeks=8, history=["running"])
EMERGENCY = make_intake(("low-back", "both", 6), red_flags=["saddle-anesthesia", "bladder-dysfunction"])
MIDLINE = {"version": 1, "pain": [{"region": "coccyx", "intensity": 4}, {"region": "sacrum", "intensity": 3}],
           "findings": ["taut-band-palpable"], "sex": "female"}
INTAKES = [ARTICLE, CALF, EMERGENCY, MIDLINE]


def cli_assess(intake: dict, lang: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "triggermap", "assess", "-", "--format", "json", "--lang", lang],
        input=json.dumps(intake).encode(), capture_output=True, timeout=120,
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("intake", INTAKES, ids=["article", "calf", "emergency", "midline"])
def test_api_and_cli_give_the_same_assessment(client, intake, lang):
    r = client.post(f"/api/v1/assess?lang={lang}", json=intake)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/json"
    assert r.json() == cli_assess(intake, lang)


def test_api_serialises_like_the_cli(client):
    """Not only the same document: the same bytes as `--format json` (compact, UTF-8)."""
    out = subprocess.run(
        [sys.executable, "-m", "triggermap", "assess", "-", "--format", "json", "--lang", "es"],
        input=json.dumps(ARTICLE).encode(), capture_output=True, timeout=120,
    )
    r = client.post("/api/v1/assess?lang=es", json=ARTICLE)
    assert r.content == out.stdout.rstrip(b"\n")


def test_assessment_validates_against_the_published_schema(client):
    schema = client.get("/api/v1/schema/assessment").json()
    intake_schema = client.get("/api/v1/schema/intake").json()
    for intake in INTAKES:
        jsonschema.validate(intake, intake_schema)
        jsonschema.validate(client.post("/api/v1/assess", json=intake).json(), schema)


def test_language_from_accept_language(client):
    r = client.post("/api/v1/assess", json=ARTICLE, headers={"accept-language": "es-MX,es;q=0.9,en;q=0.5"})
    assert r.json()["lang"] == "es"
    r = client.post("/api/v1/assess", json=ARTICLE, headers={"accept-language": "fr-FR, en;q=0.3"})
    assert r.json()["lang"] == "en"
    r = client.post("/api/v1/assess?lang=en", json=ARTICLE, headers={"accept-language": "es"})
    assert r.json()["lang"] == "en"


def test_emergency_intake_has_no_plan(client):
    doc = client.post("/api/v1/assess", json=EMERGENCY).json()
    assert doc["triage"]["level"] == "emergency"
    assert doc["plan"] == []


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"version": 1, "pain": [{"region": "buttock-lower-innr", "side": "left"}]}, "pain[0].region",
         "did you mean 'buttock-lower-inner'"),
        ({"version": 1, "pain": [{"region": "coccyx", "side": "left"}]}, "pain[0].side", "midline"),
        ({"version": 1, "pain": [{"region": "calf"}]}, "pain[0].side", "required"),
        ({"version": 1, "pain": [{"region": "calf", "side": "left", "intensity": 11}]}, "pain[0].intensity",
         "0 to 10"),
        ({"version": 1, "red_flags": ["saddle-anaesthesia"]}, "red_flags[0]", "saddle-anesthesia"),
        ({"version": 1, "pain": [], "qualities": ["burnin"]}, "pain", "at least one"),
        ({"version": 1, "pian": []}, "pian", "did you mean 'pain'"),
        ({"version": 2, "pain": [{"region": "calf", "side": "left"}]}, "version", "must be 1"),
        ([1, 2, 3], "(document)", "object"),
        ({"version": 1, "pain": [{"region": ["calf"], "side": "left"}]}, None, None),
        ({"version": 1, "red_flags": [{"id": "fever"}]}, None, None),
    ],
)
def test_invalid_intakes_give_422_naming_the_field(client, body, field, words):
    r = client.post("/api/v1/assess", json=body)
    assert r.status_code == 422, r.text
    doc = r.json()
    assert set(doc) == {"field", "message"}
    if field is not None:
        assert doc["field"] == field
        assert words in doc["message"]


def test_invalid_intake_errors_match_the_cli(client):
    bad = {"version": 1, "pain": [{"region": "glutes", "side": "left"}]}
    out = subprocess.run([sys.executable, "-m", "triggermap", "assess", "-", "--format", "json"],
                         input=json.dumps(bad).encode(), capture_output=True, timeout=120)
    assert out.returncode == 2 and out.stdout == b""
    doc = client.post("/api/v1/assess", json=bad).json()
    assert out.stderr.decode().strip() == f"triggermap: error: {doc['field']}: {doc['message']}"


@pytest.mark.parametrize(
    "raw",
    [b"", b"   ", b"{", b"{'version': 1}", b"\xff\xfe\x00", b"null", b"42", b'"text"', b"[" * 5000 + b"]" * 5000,
     b'{"version": 1, "age": 1' + b"0" * 5000 + b"}", b"NaN", b'{"version": 1, "age": NaN, "pain": []}'],
)
def test_malformed_bodies_give_422(client, raw):
    r = client.post("/api/v1/assess", content=raw, headers={"content-type": "application/json"})
    assert r.status_code == 422, r.text
    assert set(r.json()) == {"field", "message"}


def test_bad_lang_gives_422(client):
    r = client.post("/api/v1/assess?lang=fr", json=ARTICLE)
    assert r.status_code == 422
    assert r.json()["field"] == "lang"


HIP = make_intake(("buttock-upper-outer", "left", 6), ("hip-lateral", "left", 4), aggravating=["lying-on-affected-side"])


@pytest.mark.parametrize("who", ["self", "clinician"])
def test_who_keeps_only_their_next_questions(client, kb, who):
    from triggermap import Engine

    engine = Engine(kb)
    every = engine.document(HIP, "en", max_questions=50)["next_questions"]
    assert {q["who"] for q in every if q["field"] != "red_flags"} == {"self", "clinician"}  # the test can fail
    r = client.post(f"/api/v1/assess?who={who}&lang=en", json=HIP)
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["next_questions"]
    assert all(q["who"] == who for q in doc["next_questions"] if q["field"] != "red_flags"), doc["next_questions"]
    assert doc == json.loads(json.dumps(engine.document(HIP, "en", who=who)))
    plain = client.post("/api/v1/assess?lang=en", json=HIP).json()  # without ?who=: both kinds, as before
    assert plain == cli_assess(HIP, "en")
    assert {k: v for k, v in doc.items() if k != "next_questions"} == {
        k: v for k, v in plain.items() if k != "next_questions"}


@pytest.mark.parametrize("who", ["doctor", "", "Self"])
def test_bad_who_gives_422_naming_it(client, who):
    r = client.post(f"/api/v1/assess?who={who}", json=HIP)
    assert r.status_code == 422
    assert r.json()["field"] == "who" and "clinician" in r.json()["message"]


def test_openapi_documents_who(client):
    params = {p["name"]: p for p in client.get("/openapi.json").json()["paths"]["/api/v1/assess"]["post"]["parameters"]}
    assert params["who"]["schema"]["enum"] == ["self", "clinician"]


def test_body_over_the_limit_gives_413(client):
    big = {"version": 1, "pain": [{"region": "calf", "side": "left", "intensity": 5}] * 3000}
    r = client.post("/api/v1/assess", json=big)
    assert r.status_code == 413
    assert r.json()["field"] == "(document)"


def test_streamed_body_over_the_limit_gives_413(client):
    def chunks():
        for _ in range(100):
            yield b" " * 1024

    r = client.post("/api/v1/assess", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413


def test_vocab(client):
    from triggermap.present.views import CATEGORIES

    doc = client.get("/api/v1/vocab").json()
    assert list(doc) == list(CATEGORIES)
    regions = client.get("/api/v1/vocab/regions").json()
    assert regions == doc["regions"]
    lb = next(r for r in regions if r["id"] == "low-back")
    assert lb["label"]["es"] and lb["choir"] == {"left": 218, "right": 219} and lb["midline"] is False
    r = client.get("/api/v1/vocab/region")
    assert r.status_code == 404
    assert "did you mean 'regions'" in r.json()["message"]


def test_vocab_matches_the_cli(client):
    out = subprocess.run([sys.executable, "-m", "triggermap", "vocab", "--format", "json"],
                         capture_output=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert client.get("/api/v1/vocab").json() == json.loads(out.stdout)


def test_muscles(client, kb):
    lst = client.get("/api/v1/muscles").json()
    assert isinstance(lst, list) and {m["id"] for m in lst} == set(kb.muscles)
    card = client.get("/api/v1/muscles/gluteus-minimus?lang=es").json()
    assert card["id"] == "gluteus-minimus" and card["name"] == kb.muscles["gluteus-minimus"].names.es
    out = subprocess.run([sys.executable, "-m", "triggermap", "muscle", "piriformis", "--format", "json",
                          "--lang", "es"], capture_output=True, timeout=120)
    assert client.get("/api/v1/muscles/piriformis", headers={"accept-language": "es"}).json() == json.loads(out.stdout)


def test_unknown_muscle_suggests_the_closest(client):
    r = client.get("/api/v1/muscles/gluteus-minimu")
    assert r.status_code == 404
    assert r.json()["field"] == "id"
    assert "did you mean 'gluteus-minimus'" in r.json()["message"]


def test_schema_routes(client):
    for doc in ("intake", "assessment", "error"):
        r = client.get(f"/api/v1/schema/{doc}")
        assert r.status_code == 200 and "properties" in r.json()
    assert client.get("/api/v1/schema/nope").status_code == 404


def test_unknown_api_route_is_json_404(client):
    r = client.get("/api/v1/nothing-here")
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/json"
    r = client.delete("/api/v1/assess")
    assert r.status_code == 405 and set(r.json()) == {"field", "message"}


def test_openapi_document(client):
    doc = client.get("/openapi.json").json()
    paths = doc["paths"]
    for p in ("/api/v1/assess", "/api/v1/vocab", "/api/v1/vocab/{category}", "/api/v1/muscles",
              "/api/v1/muscles/{muscle_id}", "/api/v1/schema/{document}", "/healthz"):
        assert p in paths, p
    assess = paths["/api/v1/assess"]["post"]
    assert assess["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/IntakeDoc"}
    schemas = doc["components"]["schemas"]
    assert "IntakeDoc" in schemas and "AssessmentDoc" in schemas and "ErrorDoc" in schemas
    # every $ref resolves inside the document
    text = json.dumps(doc)
    import re

    for ref in set(re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', text)):
        assert ref in schemas, ref
    assert "#/$defs/" not in text
    # the enums come from the knowledge base
    assert "buttock-lower-inner" in json.dumps(schemas["IntakePainIn"])
    assert not any(p.startswith(("/docs", "/redoc")) for p in paths)


def test_healthz(client):
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json() == {"status": "ok"}


@pytest.mark.parametrize("ctype", [None, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data"])
def test_assess_refuses_a_body_not_declared_as_json(client, ctype):
    headers = {"content-type": ctype} if ctype else {}
    body = json.dumps({"version": 1, "pain": [{"region": "sacrum"}]}).encode()
    r = client.post("/api/v1/assess", content=body, headers=headers)
    assert r.status_code == 415, r.text
    assert r.json()["field"] == "Content-Type"
    ok = client.post("/api/v1/assess", content=body, headers={"content-type": "application/json; charset=utf-8"})
    assert ok.status_code == 200


@pytest.mark.parametrize("field", ["findings", "red_flags", "qualities", "aggravating", "history"])
def test_null_for_a_list_is_refused_with_the_field_named(client, field):
    r = client.post("/api/v1/assess", json={"version": 1, "pain": [{"region": "sacrum"}], field: None})
    assert r.status_code == 422
    assert r.json()["field"] == field


def test_hostile_json_is_422_not_500(client):
    for raw in (b"[" * 20_000 + b"]" * 20_000, b"{\"age\": " + b"9" * 5000 + b"}"):
        r = client.post("/api/v1/assess", content=raw, headers={"content-type": "application/json"})
        assert r.status_code == 422 and r.json()["field"] == "(document)"
