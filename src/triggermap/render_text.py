"""Plain-text renderings for the terminal (no colour codes: they pipe and print cleanly)."""

from __future__ import annotations

from typing import Any

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
