"""FHIR R4 export (validated with fhir.resources' R4B models) and CSV."""

from __future__ import annotations

import datetime as dt

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from triggermap.store import db, export, repo

INTAKE = {
    "version": 1,
    "age": 42,
    "sex": "female",
    "duration_weeks": 3,
    "pain": [
        {"region": "buttock-lower-inner", "side": "left", "intensity": 6},
        {"region": "coccyx", "intensity": 3},
    ],
    "qualities": ["aching", "cramping"],
    "aggravating": ["sitting", "walking-uphill"],
    "findings": [],
    "red_flags": [],
    "history": ["new-training-load"],
    "choir": [223, 228],
}
RESULT = {"version": 1, "triage": {"level": "self-care", "reasons": []}, "muscles": [], "plan": []}


@pytest.fixture
def bundle(db_url, kb_vocab, lateral_region, midline_region, plan_item):
    with db.session_scope(db_url) as s:
        p = repo.create_person(s, "anon-7", display_name="Ana Pérez", lang="es")
        repo.save_assessment(s, p, intake=INTAKE, result=RESULT, kb_version="kb1", lang="es")
        repo.add_diary_entry(
            s, p, date="2024-03-01", pain=7, regions=[f"{lateral_region}:left"], done=[plan_item]
        )
        repo.add_diary_entry(
            s, p, date="2024-03-02", pain=4, regions=[lateral_region, midline_region], note="mejor"
        )
        repo.add_diary_entry(s, p, date="2024-03-03", pain=0)
        return export.export_fhir(s, p, vocab=kb_vocab, lang="es")


def _resources(bundle, kind):
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def test_bundle_validates_as_r4(bundle):
    parsed = Bundle.model_validate(bundle)
    assert parsed.type == "collection"
    # and every resource on its own, with its own model
    for e in bundle["entry"]:
        r = e["resource"]
        model = {
            "Patient": Patient,
            "Observation": Observation,
            "QuestionnaireResponse": QuestionnaireResponse,
        }
        model[r["resourceType"]].model_validate(r)
        assert e["fullUrl"] == f"urn:uuid:{r['id']}"


def test_validation_can_fail(bundle):
    """Negative control: the validator does reject a broken Observation."""
    obs = dict(_resources(bundle, "Observation")[0])
    obs["valueInteger"] = "seven"
    with pytest.raises(ValueError):
        Observation.model_validate(obs)
    obs = dict(_resources(bundle, "Observation")[0])
    del obs["code"]  # required in R4
    with pytest.raises(ValueError):
        Observation.model_validate(obs)
    obs = dict(_resources(bundle, "Observation")[0])
    obs["valueInteg"] = 3  # no such element
    with pytest.raises(ValueError):
        Observation.model_validate(obs)
    # and a Bundle with a broken entry is rejected as a whole
    broken = {**bundle, "entry": [*bundle["entry"], {"fullUrl": "urn:uuid:x", "resource": obs}]}
    with pytest.raises(ValueError):
        Bundle.model_validate(broken)


def test_patient_is_pseudonymous(bundle):
    [patient] = _resources(bundle, "Patient")
    assert "name" not in patient
    assert patient["identifier"] == [{"system": export.PERSON_SYSTEM, "value": "anon-7"}]
    assert "Ana" not in str(bundle)


def test_include_name_on_request(db_url):
    with db.session_scope(db_url) as s:
        p = repo.create_person(s, "n1", display_name="Ana Pérez")
        b = export.export_fhir(s, p, include_name=True)
    assert _resources(b, "Patient")[0]["name"] == [{"text": "Ana Pérez"}]


def test_pain_observations(bundle, lateral_region, midline_region, plan_item):
    obs = _resources(bundle, "Observation")
    assert len(obs) == 3
    patient_ref = f"urn:uuid:{_resources(bundle, 'Patient')[0]['id']}"
    for o in obs:
        assert o["code"]["coding"] == [
            {"system": "http://loinc.org", "code": "72514-3", "display": export.PAIN_DISPLAY}
        ]
        assert o["status"] == "final"
        assert o["subject"] == {"reference": patient_ref}
    assert [(o["effectiveDateTime"], o["valueInteger"]) for o in obs] == [
        ("2024-03-01", 7),
        ("2024-03-02", 4),
        ("2024-03-03", 0),
    ]
    assert obs[0]["bodySite"]["coding"][0] == {
        "system": export.REGION_SYSTEM,
        "code": f"{lateral_region}:left",
        "display": obs[0]["bodySite"]["text"],
    }
    assert "izquierda" in obs[0]["bodySite"]["text"]
    assert "coding" not in obs[1]["bodySite"] and ";" in obs[1]["bodySite"]["text"]
    assert "bodySite" not in obs[2]
    assert obs[0]["component"][0]["code"]["coding"][0]["code"] == plan_item
    assert obs[0]["component"][0]["valueBoolean"] is True
    assert obs[1]["note"] == [{"text": "mejor"}]


def test_questionnaire_response_holds_the_intake(bundle):
    [qr] = _resources(bundle, "QuestionnaireResponse")
    assert qr["status"] == "completed" and qr["questionnaire"] == export.QUESTIONNAIRE
    items = {}
    for item in qr["item"]:
        items.setdefault(item["linkId"], []).append(item)
    assert items["age"][0]["answer"] == [{"valueInteger": 42}]
    assert items["sex"][0]["answer"][0]["valueCoding"]["code"] == "female"
    assert len(items["pain"]) == 2
    first = {i["linkId"]: i["answer"][0] for i in items["pain"][0]["item"]}
    assert first["pain.region"]["valueCoding"]["code"] == "buttock-lower-inner"
    assert first["pain.side"] == {"valueString": "left"}
    assert first["pain.intensity"] == {"valueInteger": 6}
    assert [a["valueCoding"]["code"] for a in items["qualities"][0]["answer"]] == ["aching", "cramping"]
    assert [a["valueCoding"]["code"] for a in items["choir"][0]["answer"]] == ["223", "228"]
    assert "findings" not in items  # empty lists are left out
    assert qr["meta"]["tag"][0]["code"] == "kb1"


def test_ids_are_stable(db_url, kb_vocab):
    with db.session_scope(db_url) as s:
        p = repo.create_person(s, "st")
        repo.add_diary_entry(s, p, date=dt.date(2024, 1, 1), pain=1)
        a = export.export_fhir(s, p)
        b = export.export_fhir(s, p)
    ids = lambda bundle: [e["fullUrl"] for e in bundle["entry"]]  # noqa: E731
    assert ids(a) == ids(b)


def test_csv_header_and_empty(db_url):
    with db.session_scope(db_url) as s:
        p = repo.create_person(s, "empty")
        assert export.export_csv(s, p) == ",".join(export.CSV_FIELDS) + "\n"
