"""Read-only views of the knowledge base for people (the vocabulary with its questions, a muscle's
card) shared by the CLI, the HTTP API, the pages and the open-data export. The rule of who answers
a question lives in :mod:`triggermap.knowledge.views` (the engine uses it too)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..knowledge.views import answerer as _who

if TYPE_CHECKING:
    from ..knowledge.entities import Knowledge, ZoneRef

CATEGORIES = ("regions", "qualities", "aggravating", "findings", "red-flags", "history", "muscles", "conditions")


def vocab_items(kb: Knowledge, category: str) -> list[dict[str, Any]]:
    """Every accepted id of one category with its English and Spanish label and definition."""
    if category == "regions":
        return [
            {
                "id": r.id,
                "label": r.label.to_dict(),
                "definition": r.definition.to_dict(),
                "midline": r.midline,
                "choir": r.to_dict()["choir"],
                "group": r.group,
            }
            for r in kb.regions.values()
        ]
    if category in ("qualities", "aggravating", "findings", "history"):
        return [
            {
                "id": i.id,
                "label": i.label.to_dict(),
                "definition": i.definition.to_dict(),
                "question": _question(kb, category, i.id),
                "who": _who(kb.vocab, category, i.id),
            }
            for i in kb.vocab[category].values()
        ]
    if category == "red-flags":
        return [
            {
                "id": f.id,
                "label": f.label.to_dict(),
                "definition": f.definition.to_dict(),
                "question": f.question.to_dict(),
                "who": _who(kb.vocab, "red_flags", f.id),
                "level": f.level,
            }
            for f in kb.red_flags.values()
        ]
    if category == "muscles":
        return [
            {
                "id": m.id,
                "label": {"en": m.names.en, "es": m.names.es},
                "definition": m.summary.to_dict(),
                "latin": m.names.la,
            }
            for m in kb.muscles.values()
        ]
    if category == "conditions":
        return [
            {"id": c.id, "label": c.name.to_dict(), "definition": c.summary.to_dict(), "category": c.category}
            for c in kb.conditions.values()
        ]
    raise KeyError(category)


def _question(kb: Knowledge, category: str, item_id: str) -> dict[str, str]:
    """The question the engine asks for a vocabulary item as a next question, in en and es:
    the curated one, else the engine's generic sentence built from the label."""
    from ..vocabulary import LANGS
    from .messages import msg

    item = kb.vocab[category][item_id]
    if item.question:
        return item.question.to_dict()
    return {lang: msg(f"ask-{category}", lang, label=item.label.of(lang)) for lang in LANGS}




def vocab_all(kb: Knowledge) -> dict[str, list[dict[str, Any]]]:
    return {c: vocab_items(kb, c) for c in CATEGORIES}


def muscle_card(kb: Knowledge, muscle_id: str, lang: str) -> dict[str, Any]:
    """A readable card of one muscle in one language, with its references resolved."""
    m = kb.muscle(muscle_id)
    an = m.anatomy
    regions = kb.regions

    def zones(zs: tuple[ZoneRef, ...]) -> list[dict[str, str]]:
        return [{"region": z.region, "label": regions[z.region].label.of(lang)} for z in zs]

    return {
        "id": m.id,
        "name": m.names.of(lang),
        "names": m.names.to_dict(),
        "ontology": {k: v for k, v in m.ontology._asdict().items() if v},
        "summary": m.summary.of(lang),
        "anatomy": {
            "origin": an.origin.of(lang),
            "insertion": an.insertion.of(lang),
            "actions": [a.of(lang) for a in an.actions],
            "innervation": {"nerve": an.innervation.nerve.of(lang), "roots": list(an.innervation.roots)},
        },
        "trigger_points": [
            {
                "id": tp.id,
                "name": tp.name.of(lang),
                "location": tp.location.of(lang),
                "landmark": tp.landmark.of(lang),
                "essential": zones(tp.essential),
                "spillover": zones(tp.spillover),
            }
            for tp in m.trigger_points
        ],
        "symptoms": [s.of(lang) for s in m.symptoms],
        "aggravating": [kb.vocab["aggravating"][a].label.of(lang) for a in m.aggravating]
        + [a.of(lang) for a in m.aggravating_text],
        "activating_factors": [a.of(lang) for a in m.activating_factors],
        "perpetuating_factors": [a.of(lang) for a in m.perpetuating_factors],
        "mimics": [{"id": c, "name": kb.conditions[c].name.of(lang)} for c in m.mimics],
        "confirm": m.confirm.of(lang),
        "self_care": [
            {
                "id": e,
                "kind": kb.exercises[e].kind,
                "title": kb.exercises[e].title.of(lang),
                "dose": kb.exercises[e].dose.of(lang),
            }
            for e in m.self_care
        ],
        "references": [{"id": r, "citation": kb.references[r].citation} for r in _all_refs(m)],
    }


def _all_refs(obj: Any) -> list[str]:
    from ..knowledge.integrity import iter_refs

    return list(dict.fromkeys(ref for _, ref in iter_refs(obj)))
