"""The knowledge base as a Frictionless Data Package (``triggermap export-kb DIR``).

One table per kind of fact, each written twice: ``data/<name>.csv`` (the package's main
resources, with table schemas, primary and foreign keys) and ``data/<name>.jsonl`` (the same
rows as JSON Lines, lists as JSON arrays). Every row carries ``refs``: ids of the
``references`` table. Texts (en and es) are in one long table, ``texts``, keyed by the entity,
its id and the field path, so the fact tables hold only ids, codes and numbers.

:func:`tables` builds the rows, :func:`write_package` writes them, :func:`load_package` reads
an exported package back into typed rows (the round trip the tests check).
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, get_args

from ..knowledge.entities import EvidenceKind as Evidence
from ..knowledge.entities import ReferenceKind, ZoneSide
from ..vocabulary import EXERCISE_KINDS, LANGS, LEVELS_SEVERE_FIRST, ZONES
from . import source

if TYPE_CHECKING:
    from ..knowledge import Knowledge

LICENCE = {
    "name": "CC-BY-4.0",
    "title": "Creative Commons Attribution 4.0 International",
    "path": "https://creativecommons.org/licenses/by/4.0/",
}
PACKAGE_NAME = "triggermap-knowledge-base"

# --- the table schemas --------------------------------------------------------------------
# (name, type, description) or (name, type, description, extra); "list" is a comma-separated
# list in CSV (item type in extra["itemType"]) and a JSON array in JSON Lines.

REFS = ("refs", "list", "Ids of the references (table `references`) this row is cited to; at least one.",
        {"itemType": "string", "constraints": {"required": True}})

Field = tuple[Any, ...]

SCHEMAS: dict[str, dict[str, Any]] = {
    "muscles": {
        "title": "Muscles",
        "description": "One row per muscle. Names in en and es, summaries and anatomy are in `texts`.",
        "fields": [
            ("id", "string", "Stable kebab-case id of the muscle."),
            ("name_la", "string", "Latin (Terminologia Anatomica) name."),
            ("uberon", "string", "UBERON ontology id, when known."),
            ("fma", "string", "Foundational Model of Anatomy id, when known."),
            ("midline", "boolean", "true: an unpaired muscle on the midline (its palpation takes no side)."),
            ("roots", "list", "Spinal roots (C5, L5, S1...) or cranial nerve (CNV, CNVII...) of the nerve supply.",
             {"itemType": "string"}),
            ("aggravating", "list", "Vocabulary ids of activities that make its trigger points worse.",
             {"itemType": "string"}),
            ("qualities", "list", "Vocabulary ids of the qualities of its pain.", {"itemType": "string"}),
            ("findings", "list", "Vocabulary ids of examination findings.", {"itemType": "string"}),
            ("evidence_refs", "list", "References for the aggravating, qualities and findings lists.",
             {"itemType": "string"}),
            ("mimics", "list", "Condition ids (table `conditions`) this muscle's pain is mistaken for.",
             {"itemType": "string"}),
            ("mimics_refs", "list", "References for the mimics list.", {"itemType": "string"}),
            ("self_care", "list", "Exercise ids (table `exercises`) for self-care.", {"itemType": "string"}),
            ("anatomy_refs", "list", "References for the origin, insertion and actions.", {"itemType": "string"}),
            ("innervation_refs", "list", "References for the nerve and roots.", {"itemType": "string"}),
            REFS,
        ],
        "primaryKey": ["id"],
    },
    "trigger_points": {
        "title": "Trigger points",
        "description": "One row per trigger point. Name, location and landmark are in `texts`.",
        "fields": [
            ("id", "string", "Stable id of the trigger point."),
            ("muscle", "string", "The muscle it lies in (table `muscles`)."),
            ("position", "integer", "Order within the muscle, from 1."),
            ("site", "string", "The body-map region it lies in (table `regions`), when given."),
            REFS,
        ],
        "primaryKey": ["id"],
        "foreignKeys": [
            {"fields": ["muscle"], "reference": {"resource": "muscles", "fields": ["id"]}},
            {"fields": ["site"], "reference": {"resource": "regions", "fields": ["id"]}},
        ],
    },
    "referral_zones": {
        "title": "Referral zones",
        "description": "Where each trigger point refers pain: one row per trigger point and region, "
                       "essential (the main zone) or spillover.",
        "fields": [
            ("muscle", "string", "The muscle (table `muscles`)."),
            ("trigger_point", "string", "The trigger point (table `trigger_points`)."),
            ("region", "string", "The body-map region pain is referred to (table `regions`)."),
            ("kind", "string", "essential (the main zone) or spillover.",
             {"constraints": {"enum": list(ZONES)}}),
            ("side", "string", "Side rule relative to the muscle: same (ipsilateral) or both (crosses the "
                               "midline); ignored for midline regions.",
             {"constraints": {"enum": list(get_args(ZoneSide))}}),
            ("position", "integer", "Order within the trigger point's essential or spillover list, from 1."),
            REFS,
        ],
        "primaryKey": ["trigger_point", "kind", "region"],
        "foreignKeys": [
            {"fields": ["muscle"], "reference": {"resource": "muscles", "fields": ["id"]}},
            {"fields": ["trigger_point"], "reference": {"resource": "trigger_points", "fields": ["id"]}},
            {"fields": ["region"], "reference": {"resource": "regions", "fields": ["id"]}},
        ],
    },
    "regions": {
        "title": "Body-map regions",
        "description": "The regions of triggermap's body map with their roll-up to the CHOIR Body Map codes.",
        "fields": [
            ("id", "string", "Stable id of the region."),
            ("group", "string", "Body part group (trunk, pelvis, hip-thigh, knee, leg, ankle-foot, head-neck, "
                                "upper-limb)."),
            ("midline", "boolean", "true: a midline region, taking no side."),
            ("choir_left", "integer", "CHOIR code of the left-side region (lateral regions)."),
            ("choir_right", "integer", "CHOIR code of the right-side region (lateral regions)."),
            ("choir_codes", "list", "CHOIR codes a midline region rolls up to.", {"itemType": "integer"}),
            ("within", "list", "Coarser regions this region lies inside.", {"itemType": "string"}),
            REFS,
        ],
        "primaryKey": ["id"],
    },
    "conditions": {
        "title": "Conditions",
        "description": "Conditions that mimic or must be told from myofascial pain. Name, summary, "
                       "distinguishing features and how to confirm are in `texts`.",
        "fields": [
            ("id", "string", "Stable id of the condition."),
            ("category", "string", "serious, neurological, joint, tendon, vascular, myofascial-related, "
                                   "visceral, headache, systemic or bone."),
            ("prior", "number", "Pre-test probability in people with this kind of pain (0-1)."),
            ("level_when_likely", "string", "Triage level when the condition is likely.",
             {"constraints": {"enum": list(LEVELS_SEVERE_FIRST)}}),
            REFS,
        ],
        "primaryKey": ["id"],
    },
    "condition_features": {
        "title": "Condition features",
        "description": "The evidence for each condition with its accuracy figures.",
        "fields": [
            ("condition", "string", "The condition (table `conditions`)."),
            ("position", "integer", "Order within the condition, from 1."),
            ("kind", "string", "Which intake list the ids come from.",
             {"constraints": {"enum": list(get_args(Evidence))}}),
            ("ids", "list", "Intake ids; the feature is present when any of them is.", {"itemType": "string"}),
            ("value", "integer", "The age threshold (age-over, age-under)."),
            ("lr", "number", "Positive likelihood ratio."),
            ("lr_absent", "number", "Negative likelihood ratio when curated (used when every id was answered no); "
                                    "empty: the model derives it (docs/model.md, section 8)."),
            ("anchor", "boolean", "true: the feature alone brings the condition into the differential; false: it "
                                  "only adds evidence once another feature has."),
            ("sensitivity", "number", "Sensitivity (0-1), when published."),
            ("specificity", "number", "Specificity (0-1), when published."),
            REFS,
        ],
        "primaryKey": ["condition", "position"],
        "foreignKeys": [{"fields": ["condition"], "reference": {"resource": "conditions", "fields": ["id"]}}],
    },
    "red_flags": {
        "title": "Red flags",
        "description": "Warning signs, each with the triage level it reaches on its own. Question, "
                       "label, definition and reason are in `texts`.",
        "fields": [
            ("id", "string", "Stable id of the red flag."),
            ("level", "string", "Triage level the flag reaches on its own.",
             {"constraints": {"enum": list(LEVELS_SEVERE_FIRST)}}),
            ("conditions", "list", "Condition ids this flag points to.", {"itemType": "string"}),
            REFS,
        ],
        "primaryKey": ["id"],
    },
    "triage_rules": {
        "title": "Triage rules",
        "description": "Combination rules: the level applies when all of all_of are present, at least one "
                       "of any_of (if given), pain in one of regions (if given) and age >= min_age (if given).",
        "fields": [
            ("id", "string", "Stable id of the rule."),
            ("all_of", "list", "Intake ids that must all be present.", {"itemType": "string"}),
            ("any_of", "list", "Intake ids of which one must be present.", {"itemType": "string"}),
            ("regions", "list", "Regions of which one must be painful.", {"itemType": "string"}),
            ("min_age", "integer", "Minimum age."),
            ("level", "string", "Triage level.",
             {"constraints": {"enum": list(LEVELS_SEVERE_FIRST)}}),
            ("conditions", "list", "Condition ids the rule points to.", {"itemType": "string"}),
            REFS,
        ],
        "primaryKey": ["id"],
    },
    "exercises": {
        "title": "Self-care exercises",
        "description": "Stretches, self-release, strengthening and habits. Title, steps, dose, cautions and "
                       "evidence are in `texts`.",
        "fields": [
            ("id", "string", "Stable id of the exercise."),
            ("kind", "string", "stretch, self-release, strengthening or habit.",
             {"constraints": {"enum": list(EXERCISE_KINDS)}}),
            ("muscles", "list", "Muscle ids it targets.", {"itemType": "string"}),
            ("equipment", "list", "Equipment needed.", {"itemType": "string"}),
            ("contraindications", "list", "Intake ids (history, red flags) that rule it out.",
             {"itemType": "string"}),
            REFS,
        ],
        "primaryKey": ["id"],
    },
    "references": {
        "title": "References",
        "description": "The sources every fact is cited to.",
        "fields": [
            ("id", "string", "Stable id of the reference."),
            ("kind", "string", "book, article, guideline, review, web or dataset.",
             {"constraints": {"enum": list(get_args(ReferenceKind))}}),
            ("year", "integer", "Year of publication."),
            ("citation", "string", "Full citation (Vancouver-like)."),
            ("doi", "string", "DOI, without https://doi.org/."),
            ("pmid", "string", "PubMed id."),
            ("url", "string", "Address of the source or its record.", {"format": "uri"}),
        ],
        "primaryKey": ["id"],
    },
    "texts": {
        "title": "Texts",
        "description": "Every patient-facing text in en and es: one row per entity, field and language. "
                       "The texts are triggermap's own words; refs are the sources of the facts they state.",
        "fields": [
            ("entity", "string", "The table of the entity (muscles, trigger_points, regions, conditions, "
                                 "condition_features, red_flags, triage_rules, exercises).",
             {"constraints": {"enum": ["muscles", "trigger_points", "regions", "conditions", "condition_features",
                                       "red_flags", "triage_rules", "exercises"]}}),
            ("id", "string", "Id of the entity; condition features are `condition#position`."),
            ("field", "string", "Dotted path of the field, list items numbered from 0 (e.g. `anatomy.actions.1`)."),
            ("lang", "string", f"Language: {' or '.join(LANGS)}.", {"constraints": {"enum": list(LANGS)}}),
            ("text", "string", "The text."),
            REFS,
        ],
        "primaryKey": ["entity", "id", "field", "lang"],
    },
}

ORDER = tuple(SCHEMAS)


def _field(spec: Field, jsonl: bool) -> dict[str, Any]:
    name, ftype, desc = spec[:3]
    extra: dict[str, Any] = dict(spec[3]) if len(spec) > 3 else {}
    out: dict[str, Any] = {"name": name, "type": ftype, "description": desc}
    if ftype == "list":
        if jsonl:
            out["type"] = "array"
            extra.pop("itemType", None)
        else:
            out["delimiter"] = ","
    if name == "refs":
        extra.pop("constraints", None)  # a missing list is caught by the tests, with a better message
    out.update(extra)
    return out


def table_schema(name: str, jsonl: bool = False) -> dict[str, Any]:
    spec = SCHEMAS[name]
    schema: dict[str, Any] = {
        "fields": [_field(f, jsonl) for f in spec["fields"]],
        "missingValues": [""],
        "primaryKey": list(spec["primaryKey"]),
    }
    if not jsonl and spec.get("foreignKeys"):
        schema["foreignKeys"] = spec["foreignKeys"]
    return schema


# --- rows ---------------------------------------------------------------------------------


def _is_text(obj: Any) -> bool:
    return isinstance(obj, dict) and isinstance(obj.get("en"), str) and isinstance(obj.get("es"), str)


def _texts(entity: str, eid: str, obj: Any, path: str, refs: list[str], out: list[dict[str, Any]],
           skip: Iterable[str] = ()) -> None:
    """Every en/es text inside ``obj``, with the refs of the nearest enclosing fact."""
    if _is_text(obj):
        own = list(obj.get("refs") or refs)
        for lang in LANGS:
            out.append({"entity": entity, "id": eid, "field": path, "lang": lang, "text": obj[lang], "refs": own})
        return
    if isinstance(obj, dict):
        here = list(obj.get("refs") or refs)
        for key, value in obj.items():
            if key in skip:
                continue
            _texts(entity, eid, value, f"{path}.{key}" if path else key, here, out)
    elif isinstance(obj, list):
        for i, value in enumerate(obj):
            _texts(entity, eid, value, f"{path}.{i}", refs, out)


def tables(kb: Knowledge) -> dict[str, list[dict[str, Any]]]:
    """Every table of the package as rows of plain values (lists as lists, missing as None)."""
    ents = source.entities(kb)
    out: dict[str, list[dict[str, Any]]] = {name: [] for name in ORDER}
    texts = out["texts"]
    region_refs = list(source.REGION_REFS)
    for r in ents["regions"]:
        c = r["choir"]
        lateral = isinstance(c, dict)
        out["regions"].append({
            "id": r["id"], "group": r["group"], "midline": r["midline"],
            "choir_left": c["left"] if lateral else None, "choir_right": c["right"] if lateral else None,
            "choir_codes": [] if lateral else list(c), "within": list(r.get("within") or []), "refs": region_refs,
        })
        _texts("regions", r["id"], {"label": r["label"], "definition": r["definition"]}, "", region_refs, texts)
    for m in ents["muscles"]:
        an = m["anatomy"]
        out["muscles"].append({
            "id": m["id"], "name_la": m["names"]["la"], "uberon": m["ontology"].get("uberon"),
            "fma": m["ontology"].get("fma"), "midline": bool(m.get("midline")), "roots": list(an["innervation"]["roots"]),
            "aggravating": list(m["aggravating"]), "qualities": list(m["qualities"]), "findings": list(m["findings"]),
            "evidence_refs": list(m["evidence_refs"]), "mimics": list(m["mimics"]),
            "mimics_refs": list(m["mimics_refs"]), "self_care": list(m["self_care"]),
            "anatomy_refs": list(an["refs"]), "innervation_refs": list(an["innervation"]["refs"]),
            "refs": list(m["references"]),
        })
        _texts("muscles", m["id"], {k: v for k, v in m.items() if k != "names"}, "", list(m["references"]), texts,
               skip=("trigger_points",))
        _texts("muscles", m["id"], {"en": m["names"]["en"], "es": m["names"]["es"]}, "names",
               list(m["references"]), texts)
        for pos, tp in enumerate(m["trigger_points"], 1):
            out["trigger_points"].append({"id": tp["id"], "muscle": m["id"], "position": pos, "site": tp.get("site"),
                                          "refs": list(tp["refs"])})
            for kind in ("essential", "spillover"):
                for zpos, z in enumerate(tp[kind], 1):
                    out["referral_zones"].append({
                        "muscle": m["id"], "trigger_point": tp["id"], "region": z["region"], "kind": kind,
                        "side": z["side"], "position": zpos, "refs": list(tp["refs"]),
                    })
            _texts("trigger_points", tp["id"], {k: tp[k] for k in ("name", "location", "landmark")}, "",
                   list(tp["refs"]), texts)
    for c in ents["conditions"]:
        out["conditions"].append({"id": c["id"], "category": c["category"], "prior": c["prior"],
                                  "level_when_likely": c["level_when_likely"], "refs": list(c["refs"])})
        _texts("conditions", c["id"], c, "", list(c["refs"]), texts, skip=("features",))
        for pos, f in enumerate(c["features"], 1):
            out["condition_features"].append({
                "condition": c["id"], "position": pos, "kind": f["kind"], "ids": list(f["ids"]), "value": f["value"],
                "lr": f["lr"], "lr_absent": f.get("lr_absent"), "anchor": bool(f.get("anchor", True)),
                "sensitivity": f["sensitivity"], "specificity": f["specificity"],
                "refs": list(f["refs"]),
            })
            _texts("condition_features", f"{c['id']}#{pos}", {"why": f["why"]}, "", list(f["refs"]), texts)
    for f in ents["red_flags"]:
        out["red_flags"].append({"id": f["id"], "level": f["level"], "conditions": list(f["conditions"]),
                                 "refs": list(f["refs"])})
        _texts("red_flags", f["id"], f, "", list(f["refs"]), texts)
    for r in ents["triage_rules"]:
        out["triage_rules"].append({
            "id": r["id"], "all_of": list(r["all_of"]), "any_of": list(r["any_of"]), "regions": list(r["regions"]),
            "min_age": r["min_age"], "level": r["level"], "conditions": list(r["conditions"]), "refs": list(r["refs"]),
        })
        _texts("triage_rules", r["id"], r, "", list(r["refs"]), texts)
    for e in ents["exercises"]:
        out["exercises"].append({"id": e["id"], "kind": e["kind"], "muscles": list(e["muscles"]),
                                 "equipment": list(e["equipment"]), "contraindications": list(e["contraindications"]),
                                 "refs": list(e["refs"])})
        _texts("exercises", e["id"], e, "", list(e["refs"]), texts)
    for ref in ents["references"]:
        out["references"].append({k: ref.get(k) for k in ("id", "kind", "year", "citation", "doi", "pmid", "url")})
    return out


# --- writing ------------------------------------------------------------------------------


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)


def to_csv(name: str, rows: list[dict[str, Any]]) -> str:
    names = [f[0] for f in SCHEMAS[name]["fields"]]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(names)
    for row in rows:
        w.writerow([_cell(row.get(n)) for n in names])
    return buf.getvalue()


def to_jsonl(name: str, rows: list[dict[str, Any]]) -> str:
    names = [f[0] for f in SCHEMAS[name]["fields"]]
    return "".join(json.dumps({n: row.get(n) for n in names}, ensure_ascii=False) + "\n" for row in rows)


def descriptor(kb: Knowledge) -> dict[str, Any]:
    ents = source.entities(kb)
    resources: list[dict[str, Any]] = []
    for name in ORDER:
        spec = SCHEMAS[name]
        base = {"title": spec["title"], "description": spec["description"], "encoding": "utf-8",
                "mediatype": "text/csv"}
        resources.append({"name": name, "path": f"data/{name}.csv", "format": "csv", "profile": "tabular-data-resource",
                          **base, "schema": table_schema(name)})
    for name in ORDER:
        spec = SCHEMAS[name]
        resources.append({"name": f"{name}-jsonl", "path": f"data/{name}.jsonl", "format": "jsonl",
                          "profile": "tabular-data-resource", "title": f"{spec['title']} (JSON Lines)",
                          "description": f"The rows of `{name}` as JSON Lines.", "encoding": "utf-8",
                          "mediatype": "application/jsonl", "schema": table_schema(name, jsonl=True)})
    sources = []
    for ref in ents["references"]:
        src: dict[str, Any] = {"title": ref["citation"]}
        link = f"https://doi.org/{ref['doi']}" if ref.get("doi") else ref.get("url")
        if link:
            src["path"] = link
        sources.append(src)
    return {
        "profile": "tabular-data-package",
        "name": PACKAGE_NAME,
        "title": "triggermap knowledge base: myofascial trigger points, referral zones, mimicking conditions, "
                 "red flags and self-care",
        "description": "The curated, cited knowledge base of triggermap (education and decision support about "
                       "myofascial trigger points, not a diagnosis): muscles, trigger points and where they refer "
                       "pain on a body map that rolls up to the CHOIR Body Map, conditions with their likelihood "
                       "ratios, red flags and triage rules, self-care exercises and references, with texts in "
                       "English and Spanish. Every row cites the references table.",
        "version": source.version(kb),
        "keywords": ["myofascial pain", "trigger points", "referred pain", "body map", "CHOIR", "triage",
                     "likelihood ratio"],
        "licenses": [LICENCE],
        "contributors": [{"title": "triggermap contributors", "role": "author"}],
        "sources": sources,
        "resources": resources,
    }


def write_package(kb: Knowledge, directory: str | os.PathLike[str]) -> dict[str, int]:
    """Write ``datapackage.json`` and ``data/*.csv|jsonl`` into ``directory``; returns rows per table."""
    root = Path(directory)
    (root / "data").mkdir(parents=True, exist_ok=True)
    rows = tables(kb)
    problems = uncited(rows)
    if problems:
        raise ValueError("every row must cite a known reference:\n  " + "\n  ".join(problems))
    for name in ORDER:
        (root / "data" / f"{name}.csv").write_text(to_csv(name, rows[name]), encoding="utf-8")
        (root / "data" / f"{name}.jsonl").write_text(to_jsonl(name, rows[name]), encoding="utf-8")
    (root / "datapackage.json").write_text(json.dumps(descriptor(kb), ensure_ascii=False, indent=2) + "\n",
                                           encoding="utf-8")
    (root / "LICENSE-DATA").write_text(LICENCE_NOTICE, encoding="utf-8")
    return {name: len(rows[name]) for name in ORDER}


LICENCE_NOTICE = """The triggermap knowledge base (the data package) is licensed under the Creative Commons
Attribution 4.0 International licence (CC BY 4.0): https://creativecommons.org/licenses/by/4.0/
Cite it as given in CITATION.cff of the triggermap project.
"""


# --- reading back -------------------------------------------------------------------------


def _parse(value: str, spec: Field) -> Any:
    ftype = spec[1]
    if ftype == "list":
        item = (spec[3] if len(spec) > 3 else {}).get("itemType", "string")
        parts = [p for p in value.split(",") if p != ""] if value else []
        return [int(p) for p in parts] if item == "integer" else parts
    if value == "":
        return None
    if ftype == "integer":
        return int(value)
    if ftype == "number":
        return float(value)
    if ftype == "boolean":
        return value == "true"
    return value


def load_package(directory: str | os.PathLike[str], fmt: str = "csv") -> dict[str, list[dict[str, Any]]]:
    """Read an exported package back into typed rows (the shape :func:`tables` returns).

    ``fmt`` is ``csv`` or ``jsonl``; resources are found through ``datapackage.json``.
    """
    root = Path(directory)
    desc = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
    out: dict[str, list[dict[str, Any]]] = {}
    for res in desc["resources"]:
        if res["format"] != fmt:
            continue
        name = res["name"].removesuffix("-jsonl")
        specs = {f[0]: f for f in SCHEMAS[name]["fields"]}
        text = (root / res["path"]).read_text(encoding="utf-8")
        if fmt == "csv":
            out[name] = [{k: _parse(v, specs[k]) for k, v in row.items()} for row in csv.DictReader(io.StringIO(text))]
        else:
            out[name] = [json.loads(line) for line in text.splitlines() if line]
    return out


def uncited(rows: dict[str, list[dict[str, Any]]]) -> list[str]:
    """Rows of fact tables with no reference id, or with one the references table lacks."""
    known = {r["id"] for r in rows.get("references", [])}
    problems: list[str] = []
    for name, table in rows.items():
        if name == "references":
            continue
        key = SCHEMAS[name]["primaryKey"]
        for row in table:
            where = f"{name} {'/'.join(str(row.get(k)) for k in key)}"
            refs = row.get("refs") or []
            if not refs:
                problems.append(f"{where}: no reference")
            problems.extend(f"{where}: unknown reference {r!r}" for r in refs if r not in known)
    return problems
