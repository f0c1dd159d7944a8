"""Plain-text renderings for the terminal (no colour codes: they pipe and print cleanly): the
one text renderer of an assessment (``triggermap assess``) and of a muscle card.
Standard library only (the ``assess`` fast path imports it)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .present.messages import SIDES

if TYPE_CHECKING:
    from .knowledge.entities import Region

_H = {
    "en": {
        "anatomy": "Anatomy",
        "origin": "Origin",
        "insertion": "Insertion",
        "actions": "Actions",
        "nerve": "Innervation",
        "tps": "Trigger points",
        "essential": "essential zone",
        "spillover": "spillover zone",
        "symptoms": "Typical symptoms",
        "aggravating": "Made worse by",
        "activating": "Activating factors",
        "perpetuating": "Perpetuating factors",
        "mimics": "Can be mistaken for",
        "confirm": "How a clinician confirms it",
        "self_care": "Self-care",
        "references": "References",
    },
    "es": {
        "anatomy": "Anatomía",
        "origin": "Origen",
        "insertion": "Inserción",
        "actions": "Acciones",
        "nerve": "Inervación",
        "tps": "Puntos gatillo",
        "essential": "zona esencial",
        "spillover": "zona de extensión",
        "symptoms": "Síntomas típicos",
        "aggravating": "Empeora con",
        "activating": "Factores desencadenantes",
        "perpetuating": "Factores perpetuantes",
        "mimics": "Puede confundirse con",
        "confirm": "Cómo lo confirma un profesional",
        "self_care": "Autocuidado",
        "references": "Referencias",
    },
}


def muscle_card_text(card: dict[str, Any], lang: str) -> str:
    h = _H[lang]
    n = card["names"]
    out = [f"{card['name']} ({n['la']})", "=" * len(f"{card['name']} ({n['la']})"), card["summary"], ""]
    an = card["anatomy"]
    out += [
        f"{h['anatomy']}:",
        f"  {h['origin']}: {an['origin']}",
        f"  {h['insertion']}: {an['insertion']}",
        f"  {h['actions']}: " + " ".join(a if a.endswith(".") else a + "." for a in an["actions"]),
        f"  {h['nerve']}: {an['innervation']['nerve']} ({', '.join(an['innervation']['roots'])})",
        "",
        f"{h['tps']}:",
    ]
    for tp in card["trigger_points"]:
        out.append(f"  - {tp['name']} [{tp['id']}]: {tp['location']}")
        out.append(f"      {h['essential']}: " + ", ".join(z["label"] for z in tp["essential"]))
        if tp["spillover"]:
            out.append(f"      {h['spillover']}: " + ", ".join(z["label"] for z in tp["spillover"]))
    for key, title in (
        ("symptoms", "symptoms"),
        ("aggravating", "aggravating"),
        ("activating_factors", "activating"),
        ("perpetuating_factors", "perpetuating"),
    ):
        if card[key]:
            out.append("")
            out.append(f"{h[title]}:")
            out += [f"  - {x}" for x in card[key]]
    if card["mimics"]:
        out += ["", f"{h['mimics']}: " + ", ".join(c["name"] for c in card["mimics"])]
    out += ["", f"{h['confirm']}: {card['confirm']}", "", f"{h['self_care']}:"]
    out += [f"  - [{e['kind']}] {e['title']}: {e['dose']}" for e in card["self_care"]]
    out += ["", f"{h['references']}:"]
    out += [f"  [{r['id']}] {r['citation']}" for r in card["references"]]
    return "\n".join(out)


_HEAD: dict[str, dict[str, Any]] = {
    "en": {
        "triage": "Triage",
        "muscles": "Muscles whose trigger points may refer this pain",
        "explains": "explains",
        "unexplained": "leaves unexplained",
        "confirm": "How a clinician would confirm it",
        "uncovered": "Painful regions no muscle in the knowledge base explains",
        "conditions": "Conditions to rule out",
        "questions": "Questions that would most sharpen this assessment",
        "who": {"self": "you can answer", "clinician": "for a clinician"},
        "plan": "Self-care plan",
        "withheld": "Left out of the plan because of your answers",
        "references": "References",
        "none": "none",
        "levels": {
            "emergency": "EMERGENCY: go to an emergency department now",
            "urgent": "URGENT: see a doctor within a day or two",
            "see-clinician": "SEE A CLINICIAN: book a professional assessment",
            "self-care": "SELF-CARE: no warning sign found",
        },
    },
    "es": {
        "triage": "Triaje",
        "muscles": "Músculos cuyos puntos gatillo pueden referir este dolor",
        "explains": "explica",
        "unexplained": "no explica",
        "confirm": "Cómo lo confirmaría un profesional",
        "uncovered": "Zonas dolorosas que ningún músculo de la base de conocimiento explica",
        "conditions": "Afecciones que conviene descartar",
        "questions": "Preguntas que más precisarían esta valoración",
        "who": {"self": "puede responderla usted", "clinician": "para un profesional"},
        "plan": "Plan de autocuidado",
        "withheld": "Excluido del plan por sus respuestas",
        "references": "Referencias",
        "none": "ninguno",
        "levels": {
            "emergency": "URGENCIA VITAL: acuda ahora a un servicio de urgencias",
            "urgent": "URGENTE: consulte a un médico en uno o dos días",
            "see-clinician": "CONSULTE A UN PROFESIONAL: pida una valoración",
            "self-care": "AUTOCUIDADO: no se encontró ningún signo de alarma",
        },
    },
}


_ZONE = {"en": {"essential": "essential", "spillover": "spillover"}, "es": {"essential": "esencial", "spillover": "extensión"}}


def assessment_text(a: dict[str, Any], lang: str, regions: Mapping[str, Region] | None = None) -> str:
    """The readable (non-JSON) report; ``regions`` (the vocabulary) gives region names."""
    h = _HEAD[lang]

    def _mark(x: dict[str, Any]) -> str:
        name: str = regions[x["region"]].label.of(lang) if regions else x["region"]
        side = x.get("side")
        return name + (f" ({SIDES[lang][side]})" if side else "")

    out: list[str] = []
    tr = a["triage"]
    out.append(f"{h['triage']}: {h['levels'][tr['level']]}")
    for r in tr["reasons"]:
        out.append(f"  - {r['text']}")
    out.append("")
    out.append(f"{h['muscles']}:")
    if not a["muscles"]:
        out.append(f"  ({h['none']})")
    for i, m in enumerate(a["muscles"], 1):
        side = f", {SIDES[lang].get(m['side'], m['side'])}" if m["side"] else ""
        out.append(f"  {i}. {m['name']} ({m['latin']}{side}) {m['score']:.2f}")
        ex = ", ".join(_mark(x) + f" [{_ZONE[lang][x['zone']]}]" for x in m["explains"])
        out.append(f"     {h['explains']}: {ex}")
        if m["unexplained"]:
            out.append(f"     {h['unexplained']}: " + ", ".join(_mark(x) for x in m["unexplained"]))
    if a["uncovered"]:
        out.append(f"  {h['uncovered']}: " + ", ".join(_mark(x) for x in a["uncovered"]))
    if a["muscles"]:
        out.append(f"  {h['confirm']}: {a['muscles'][0]['confirm']}")
    out.append("")
    out.append(f"{h['conditions']}:")
    if not a["conditions"]:
        out.append(f"  ({h['none']})")
    for c in a["conditions"]:
        out.append(f"  - {c['name']} ({c['score']:.2f}): " + "; ".join(c["why"]))
    if a.get("next_questions"):
        out.append("")
        out.append(f"{h['questions']}:")
        for i, q in enumerate(a["next_questions"], 1):
            out.append(f"  {i}. {q['text']} ({h['who'][q['who']]})")
            out.append(f"     {q['why']}")
    if a["plan"] or a["plan_withheld"]:
        out.append("")
        out.append(f"{h['plan']}:")
        for p in a["plan"]:
            out.append(f"  - [{p['kind']}] {p['title']}: {p['dose']}")
            for c in p["cautions"]:
                out.append(f"      ! {c}")
        for w in a["plan_withheld"]:
            out.append(f"  - {h['withheld']}: {w['title']} ({', '.join(w['because'])})")
    out.append("")
    out.append(f"{h['references']}:")
    for r in a["references"]:
        out.append(f"  [{r['id']}] {r['citation']}")
    out.append("")
    out.append(a["disclaimer"])
    return "\n".join(out) + "\n"


def who_label(who: str, lang: str) -> str:
    """Who can answer a question, in words ("you can answer", "for a clinician")."""
    return str(_HEAD[lang]["who"][who])
