"""Read-only views of the knowledge base shared by the CLI and the HTTP API."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .loader import Knowledge

CATEGORIES = ("regions", "qualities", "aggravating", "findings", "red-flags", "history", "muscles", "conditions")


def vocab_items(kb: Knowledge, category: str) -> list[dict[str, Any]]:
    """Every accepted id of one category with its English and Spanish label and definition."""
    if category == "regions":
        return [
            {
                "id": r["id"],
                "label": dict(r["label"]),
                "definition": dict(r["definition"]),
                "midline": r["midline"],
                "choir": list(r["choir"]) if r["midline"] else dict(r["choir"]),
                "group": r["group"],
            }
            for r in kb.regions.values()
        ]
    if category in ("qualities", "aggravating", "findings", "history"):
        return [
            {
                "id": i["id"],
                "label": dict(i["label"]),
                "definition": dict(i["definition"]),
                "question": _question(kb, category, i["id"]),
                "who": _who(kb.vocab, category, i["id"]),
            }
            for i in kb.vocab[category].values()
        ]
    if category == "red-flags":
        return [
            {
                "id": f["id"],
                "label": dict(f["label"]),
                "definition": dict(f["definition"]),
                "question": dict(f["question"]),
                "who": _who(kb.vocab, "red_flags", f["id"]),
                "level": f["level"],
            }
            for f in kb.red_flags.values()
        ]
    if category == "muscles":
        return [
            {
                "id": m["id"],
                "label": {"en": m["names"]["en"], "es": m["names"]["es"]},
                "definition": dict(m["summary"]),
                "latin": m["names"]["la"],
            }
            for m in kb.muscles.values()
        ]
    if category == "conditions":
        return [
            {"id": c["id"], "label": dict(c["name"]), "definition": dict(c["summary"]), "category": c["category"]}
            for c in kb.conditions.values()
        ]
    raise KeyError(category)


def _question(kb: Knowledge, category: str, item_id: str) -> dict[str, str]:
    """The question the engine asks for a vocabulary item as a next question, in en and es:
    the curated one, else the engine's generic sentence built from the label."""
    from ..present.messages import msg
    from ..vocabulary import LANGS

    item = kb.vocab[category][item_id]
    if item.get("question"):
        return dict(item["question"])
    return {lang: msg(f"ask-{category}", lang, label=item["label"][lang]) for lang in LANGS}


def answerer(vocab: Any, field: str, item_id: str | None) -> str:
    """Who can answer a question about an id (``self`` or ``clinician``): as curated (``who``),
    else findings are the clinician's and everything else (red flags included) the person's.
    The engine's next questions use the same rule."""
    if field == "red_flags":
        return "self"
    if item_id is not None:
        item = vocab[field][item_id]
        if item.get("who"):
            return str(item["who"])
    return "clinician" if field == "findings" else "self"


_who = answerer


def vocab_all(kb: Knowledge) -> dict[str, list[dict[str, Any]]]:
    return {c: vocab_items(kb, c) for c in CATEGORIES}


def _t(text: dict[str, Any], lang: str) -> str:
    return str(text[lang])


def muscle_card(kb: Knowledge, muscle_id: str, lang: str) -> dict[str, Any]:
    """A readable card of one muscle in one language, with its references resolved."""
    m = kb.muscles[muscle_id]
    an = m["anatomy"]
    regions = kb.regions

    def zones(zs: list[dict[str, Any]]) -> list[dict[str, str]]:
        return [{"region": z["region"], "label": _t(regions[z["region"]]["label"], lang)} for z in zs]

    return {
        "id": m["id"],
        "name": m["names"][lang],
        "names": dict(m["names"]),
        "ontology": {k: v for k, v in m["ontology"].items() if v},
        "summary": _t(m["summary"], lang),
        "anatomy": {
            "origin": _t(an["origin"], lang),
            "insertion": _t(an["insertion"], lang),
            "actions": [_t(a, lang) for a in an["actions"]],
            "innervation": {"nerve": _t(an["innervation"]["nerve"], lang), "roots": list(an["innervation"]["roots"])},
        },
        "trigger_points": [
            {
                "id": tp["id"],
                "name": _t(tp["name"], lang),
                "location": _t(tp["location"], lang),
                "landmark": _t(tp["landmark"], lang),
                "essential": zones(tp["essential"]),
                "spillover": zones(tp["spillover"]),
            }
            for tp in m["trigger_points"]
        ],
        "symptoms": [_t(s, lang) for s in m["symptoms"]],
        "aggravating": [_t(kb.vocab["aggravating"][a]["label"], lang) for a in m["aggravating"]]
        + [_t(a, lang) for a in m["aggravating_text"]],
        "activating_factors": [_t(a, lang) for a in m["activating_factors"]],
        "perpetuating_factors": [_t(a, lang) for a in m["perpetuating_factors"]],
        "mimics": [{"id": c, "name": _t(kb.conditions[c]["name"], lang)} for c in m["mimics"]],
        "confirm": _t(m["confirm"], lang),
        "self_care": [
            {
                "id": e,
                "kind": kb.exercises[e]["kind"],
                "title": _t(kb.exercises[e]["title"], lang),
                "dose": _t(kb.exercises[e]["dose"], lang),
            }
            for e in m["self_care"]
        ],
        "references": [{"id": r, "citation": kb.references[r]["citation"]} for r in _all_refs(m)],
    }


def _all_refs(obj: Any) -> list[str]:
    from .integrity import iter_refs

    return list(dict.fromkeys(ref for _, ref in iter_refs(obj)))
