"""The one place the open-data export and the static atlas read the knowledge base.

Everything else in :mod:`triggermap.opendata` works on what these functions return: plain,
schema-shaped dicts (the ``model_dump()`` of :mod:`triggermap.knowledge.schema`), so if the
compiled knowledge base changes shape (typed objects, another loader), only this module is
re-pointed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..knowledge.entities import as_dict

if TYPE_CHECKING:
    from ..knowledge import Knowledge

#: The CHOIR body-map paper: the region table's roll-ups to CHOIR codes are cited to it
#: (region labels and definitions are our own texts).
REGION_REFS = ("scherrer-2021",)


def knowledge() -> Knowledge:
    """The compiled knowledge base (opaque to the rest of this package)."""
    from ..knowledge import load

    return load()


def version(kb: Knowledge) -> str:
    return str(kb.version)


def _plain(obj: Any) -> dict[str, Any]:
    """An entity as plain data (its ``to_dict()``: the schema's ``model_dump()``)."""
    out: dict[str, Any] = as_dict(obj)
    return out


def entities(kb: Knowledge) -> dict[str, list[dict[str, Any]]]:
    """Every entity list in file order, as plain dicts."""
    return {
        "regions": [_plain(r) for r in kb.regions.values()],
        "muscles": [_plain(m) for m in kb.muscles.values()],
        "conditions": [_plain(c) for c in kb.conditions.values()],
        "red_flags": [_plain(f) for f in kb.red_flags.values()],
        "triage_rules": [_plain(r) for r in kb.rules],
        "exercises": [_plain(e) for e in kb.exercises.values()],
        "references": [_plain(r) for r in kb.references.values()],
    }


def muscle_card(kb: Knowledge, muscle_id: str, lang: str) -> dict[str, Any]:
    """The muscle library's card of one muscle in one language (names, zones, self-care, references)."""
    from ..present.views import muscle_card as card

    return card(kb, muscle_id, lang)


def muscle_chart(kb: Knowledge, muscle_id: str, lang: str) -> str | None:
    """The muscle's trigger-point chart as inline SVG (None when the charts cannot draw it)."""
    try:
        from ..charts import muscle_chart as chart
        from ..web.maps import csp_safe, uniquify

        return uniquify(csp_safe(str(chart(kb, muscle_id, lang))), "tma")
    except Exception:  # a chart must never take the atlas down
        return None


def vocabulary(kb: Knowledge) -> dict[str, dict[str, dict[str, Any]]]:
    """The simple vocabularies (qualities, aggravating, findings, history) by category and id."""
    return {cat: {i: _plain(item) for i, item in items.items()} for cat, items in kb.vocab.items()}
