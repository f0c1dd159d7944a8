"""Export a person's records: CSV (the diary) and FHIR R4 JSON (a Bundle).

FHIR Bundle (``type: collection``):

* ``Patient`` — pseudonymous: an identifier with the person's code, no name unless asked.
* ``QuestionnaireResponse`` per assessment — the intake as answered, items keyed by the
  intake's field names (``age``, ``sex``, ``duration_weeks``, ``pain`` groups with
  ``pain.region`` / ``pain.side`` / ``pain.intensity``, ``choir``, ``qualities`` ...).
* ``Observation`` per diary entry — LOINC 72514-3 "Pain severity - 0-10 verbal numeric
  rating [Score] - Reported", ``valueInteger``, ``effectiveDateTime`` = the diary date,
  ``bodySite`` coded in triggermap's region code system (``region`` or ``region:side``),
  one ``component`` (``valueBoolean: true``) per plan item done that day, the note as
  ``note``.

Resource ids are UUID v5 derived from the record, so exporting twice gives the same ids.
The resources use only R4 elements (validated in the tests with ``fhir.resources.R4B``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from . import repo
from .models import Assessment, DiaryEntry, Person
from .vocab import Vocab

LOINC = "http://loinc.org"
PAIN_CODE = "72514-3"
PAIN_DISPLAY = "Pain severity - 0-10 verbal numeric rating [Score] - Reported"
OBS_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
UCUM = "http://unitsofmeasure.org"
SYSTEM_BASE = "urn:triggermap"
PERSON_SYSTEM = f"{SYSTEM_BASE}:person"
REGION_SYSTEM = f"{SYSTEM_BASE}:region"
PLAN_ITEM_SYSTEM = f"{SYSTEM_BASE}:plan-item"
CHOIR_SYSTEM = f"{SYSTEM_BASE}:choir-body-map"
QUESTIONNAIRE = f"{SYSTEM_BASE}:questionnaire:intake-v1"
GENDER_SYSTEM = "http://hl7.org/fhir/administrative-gender"
NAMESPACE = uuid.UUID("8a6f1f3e-5f43-4d53-9b1e-2b7c1e0d9a11")

CSV_FIELDS = ["person", "date", "pain", "regions", "done", "note", "created_at", "updated_at"]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


# --- CSV --------------------------------------------------------------------------------


def _csv_safe(text: str | None) -> str:
    """Free text that a spreadsheet will not run as a formula (OWASP CSV injection)."""
    if not text:
        return ""
    return "'" + text if text.startswith(_FORMULA_START) else text


def region_token(region: str, side: str | None) -> str:
    return f"{region}:{side}" if side else region


def diary_csv(person: Person, entries: list[DiaryEntry]) -> str:
    """One row per diary entry, in date order; regions and done items ``;``-separated."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    for e in entries:
        writer.writerow(
            [
                person.code,
                e.entry_date.isoformat(),
                e.pain,
                ";".join(region_token(r.region, r.side) for r in e.regions),
                ";".join(d.item_id for d in e.done),
                _csv_safe(e.note),
                e.created_at.isoformat(),
                e.updated_at.isoformat(),
            ]
        )
    return out.getvalue()


def export_csv(session: Session, person: Person) -> str:
    return diary_csv(person, repo.list_entries(session, person))


# --- FHIR -------------------------------------------------------------------------------


def _uuid(kind: str, *parts: object) -> str:
    return str(uuid.uuid5(NAMESPACE, ":".join([kind, *map(str, parts)])))


def _instant(t: dt.datetime) -> str:
    return t.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _side_text(side: str | None, lang: str) -> str:
    words = {
        "en": {"left": "left", "right": "right", "both": "both sides"},
        "es": {"left": "izquierda", "right": "derecha", "both": "ambos lados"},
    }
    return words.get(lang, words["en"]).get(side or "", "")


def _region_text(region: str, side: str | None, vocab: Vocab | None, lang: str) -> str:
    label = vocab.region_label(region, lang) if vocab else region
    return f"{label} ({_side_text(side, lang)})" if side else label


def patient_resource(person: Person, *, include_name: bool = False) -> dict[str, Any]:
    res: dict[str, Any] = {
        "resourceType": "Patient",
        "id": _uuid("person", person.code),
        "identifier": [{"system": PERSON_SYSTEM, "value": person.code}],
    }
    if include_name and person.display_name:
        res["name"] = [{"text": person.display_name}]
    if person.lang:
        res["communication"] = [
            {"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": person.lang}]}, "preferred": True}
        ]
    return res


def pain_observation(
    entry: DiaryEntry, patient_ref: str, *, vocab: Vocab | None = None, lang: str = "en"
) -> dict[str, Any]:
    obs: dict[str, Any] = {
        "resourceType": "Observation",
        "id": _uuid("diary-entry", patient_ref, entry.entry_date.isoformat()),
        "status": "final",
        "category": [{"coding": [{"system": OBS_CATEGORY, "code": "survey", "display": "Survey"}]}],
        "code": {
            "coding": [{"system": LOINC, "code": PAIN_CODE, "display": PAIN_DISPLAY}],
            "text": PAIN_DISPLAY,
        },
        "subject": {"reference": patient_ref},
        "effectiveDateTime": entry.entry_date.isoformat(),
        "issued": _instant(entry.updated_at),
        "valueInteger": entry.pain,
    }
    if entry.regions:
        texts = [_region_text(r.region, r.side, vocab, lang) for r in entry.regions]
        site: dict[str, Any] = {"text": "; ".join(texts)}
        if len(entry.regions) == 1:
            r = entry.regions[0]
            site["coding"] = [
                {"system": REGION_SYSTEM, "code": region_token(r.region, r.side), "display": texts[0]}
            ]
        obs["bodySite"] = site
    if entry.done:
        obs["component"] = [
            {
                "code": {
                    "coding": [
                        {
                            "system": PLAN_ITEM_SYSTEM,
                            "code": d.item_id,
                            "display": vocab.plan_item_label(d.item_id, lang) if vocab else d.item_id,
                        }
                    ],
                    "text": "plan item done" if lang != "es" else "ejercicio del plan hecho",
                },
                "valueBoolean": True,
            }
            for d in entry.done
        ]
    if entry.note:
        obs["note"] = [{"text": entry.note}]
    return obs


def _coding_answers(system: str, values: Any) -> list[dict[str, Any]]:
    return [{"valueCoding": {"system": system, "code": str(v)}} for v in values]


def _intake_items(intake: Mapping[str, Any], vocab: Vocab | None, lang: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for key in ("age", "duration_weeks"):
        v = intake.get(key)
        if isinstance(v, int) and not isinstance(v, bool):
            items.append({"linkId": key, "answer": [{"valueInteger": v}]})
    sex = intake.get("sex")
    if isinstance(sex, str) and sex:
        items.append({"linkId": "sex", "answer": [{"valueCoding": {"system": GENDER_SYSTEM, "code": sex}}]})
    for i, spot in enumerate(intake.get("pain") or []):
        if not isinstance(spot, Mapping) or not spot.get("region"):
            continue
        region, side = str(spot["region"]), spot.get("side")
        sub: list[dict[str, Any]] = [
            {
                "linkId": "pain.region",
                "answer": [
                    {
                        "valueCoding": {
                            "system": REGION_SYSTEM,
                            "code": region,
                            "display": vocab.region_label(region, lang) if vocab else region,
                        }
                    }
                ],
            }
        ]
        if side:
            sub.append({"linkId": "pain.side", "answer": [{"valueString": str(side)}]})
        intensity = spot.get("intensity", 5)
        if isinstance(intensity, int) and not isinstance(intensity, bool):
            sub.append({"linkId": "pain.intensity", "answer": [{"valueInteger": intensity}]})
        items.append({"linkId": "pain", "text": f"pain {i + 1}", "item": sub})
    choir = [c for c in intake.get("choir") or [] if isinstance(c, int)]
    if choir:
        items.append({"linkId": "choir", "answer": _coding_answers(CHOIR_SYSTEM, choir)})
    if isinstance(intake.get("choir_numbering"), str):
        items.append({"linkId": "choir_numbering", "answer": [{"valueString": intake["choir_numbering"]}]})
    for key in ("qualities", "aggravating", "findings", "red_flags", "history"):
        values = [v for v in intake.get(key) or [] if isinstance(v, str)]
        if values:
            system = f"{SYSTEM_BASE}:{key.replace('_', '-')}"
            items.append({"linkId": key, "answer": _coding_answers(system, values)})
    return items


def questionnaire_response(
    assessment: Assessment, patient_ref: str, *, vocab: Vocab | None = None
) -> dict[str, Any]:
    lang = assessment.lang or "en"
    res: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": _uuid("assessment", patient_ref, assessment.id, _instant(assessment.created_at)),
        "questionnaire": QUESTIONNAIRE,
        "status": "completed",
        "subject": {"reference": patient_ref},
        "authored": _instant(assessment.created_at),
        "meta": {"tag": [{"system": f"{SYSTEM_BASE}:kb-version", "code": assessment.kb_version}]},
        "language": lang,
    }
    items = _intake_items(assessment.intake or {}, vocab, lang)
    if items:
        res["item"] = items
    return res


def fhir_bundle(
    person: Person,
    entries: list[DiaryEntry],
    assessments: list[Assessment],
    *,
    vocab: Vocab | None = None,
    lang: str = "en",
    include_name: bool = False,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    patient = patient_resource(person, include_name=include_name)
    patient_ref = f"urn:uuid:{patient['id']}"
    resources = [patient]
    resources += [questionnaire_response(a, patient_ref, vocab=vocab) for a in assessments]
    resources += [pain_observation(e, patient_ref, vocab=vocab, lang=lang) for e in entries]
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "type": "collection",
        "timestamp": _instant(now or dt.datetime.now(dt.UTC)),
        "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in resources],
    }


def export_fhir(
    session: Session,
    person: Person,
    *,
    vocab: Vocab | None = None,
    lang: str = "en",
    include_name: bool = False,
) -> dict[str, Any]:
    """The person's records as a FHIR R4 Bundle (a JSON-ready dict)."""
    return fhir_bundle(
        person,
        repo.list_entries(session, person),
        repo.list_assessments(session, person),
        vocab=vocab,
        lang=lang,
        include_name=include_name,
    )
