"""The lean assessment document (contract extension, opt-in: docs/lean-document.md).

In the full document every muscle lists the drawing's marks twice over: the ones it
``explains`` (each with its zone) and the ones it leaves ``unexplained``. Together the two
lists are always all of the drawing's painful marks, so ten muscles repeat the same marks ten
times (about three quarters of a large drawing's bytes). The lean form gives the marks once per
assessment and each muscle refers to them by position:

* top level: ``"form": "lean"`` (after ``contract``) and ``"marks"``: the painful marks, each
  ``{"region", "intensity", "side"?}`` exactly as the full document writes them, in one order;
* each muscle: ``"explains_marks": {"essential": [i, ...], "spillover": [j, ...]}`` (positions in
  ``marks``, ascending) in place of ``explains`` and ``unexplained``; a mark a muscle does not
  explain is one it leaves unexplained.

:func:`expand_document` gives back the full document exactly (same keys in the same order, same
values: ``expand_document(lean_document(doc)) == doc``, and their JSON texts are equal). A muscle
whose two lists cannot be written that way (never by this engine: its lists follow the marks'
order) stays in the full form inside the lean document. Standard library only.
"""

from __future__ import annotations

from typing import Any

FORM = "lean"
#: the muscle key that replaces ``explains`` and ``unexplained`` in the lean form
REF = "explains_marks"
ZONES = ("essential", "spillover")


def _key(mark: dict[str, Any]) -> tuple[str, str, int]:
    return (str(mark.get("region", "")), str(mark.get("side") or ""), int(mark.get("intensity", 0)))


def _base(item: dict[str, Any]) -> dict[str, Any]:
    """An explained item without its zone (the mark as ``unexplained`` writes it)."""
    return {k: v for k, v in item.items() if k != "zone"}


def _marks(muscles: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every mark named by any muscle, once, in (region, side, intensity) order."""
    seen: dict[tuple[str, str, int], dict[str, Any]] = {}
    for m in muscles:
        for item in (*m.get("explains", ()), *m.get("unexplained", ())):
            base = _base(item)
            seen.setdefault(_key(base), base)
    return [seen[k] for k in sorted(seen)]


def _expand_muscle(m: dict[str, Any], marks: list[dict[str, Any]]) -> dict[str, Any]:
    ref = m.get(REF)
    if ref is None:
        return m
    zone_of: dict[int, str] = {}
    for zone in ZONES:
        for i in ref.get(zone, ()):
            zone_of[i] = zone
    explains = [{**marks[i], "zone": zone_of[i]} for i in sorted(zone_of)]
    unexplained = [mk for i, mk in enumerate(marks) if i not in zone_of]
    out: dict[str, Any] = {}
    for k, v in m.items():
        if k == REF:
            out["explains"] = explains
            out["unexplained"] = unexplained
        else:
            out[k] = v
    return out


def _lean_muscle(m: dict[str, Any], marks: list[dict[str, Any]], index: dict[tuple[str, str, int], int]) -> dict[str, Any]:
    if "explains" not in m or "unexplained" not in m:
        return m
    ref: dict[str, list[int]] = {zone: [] for zone in ZONES}
    try:
        for item in m["explains"]:
            ref[item["zone"]].append(index[_key(item)])
    except (KeyError, TypeError):
        return m
    out: dict[str, Any] = {}
    for k, v in m.items():
        if k == "explains":
            out[REF] = ref
        elif k != "unexplained":
            out[k] = v
    # only when it gives back exactly this muscle (else the muscle stays as it is)
    back = _expand_muscle(out, marks)
    return out if back == m and list(back) == list(m) else m


def lean_document(doc: dict[str, Any]) -> dict[str, Any]:
    """The lean form of a full assessment document (a new dict; ``doc`` is not changed). An
    error document, or one already lean, is returned as it is."""
    if doc.get("form") == FORM or not isinstance(doc.get("muscles"), list):
        return doc
    muscles: list[dict[str, Any]] = doc["muscles"]
    marks = _marks(muscles)
    index = {_key(mk): i for i, mk in enumerate(marks)}
    out: dict[str, Any] = {}
    for k, v in doc.items():
        if k == "muscles":
            out["marks"] = marks
            out[k] = [_lean_muscle(m, marks, index) for m in muscles]
        else:
            out[k] = v
        if k == "contract":
            out["form"] = FORM
    if "form" not in out:
        out["form"] = FORM
    return out


def expand_document(doc: dict[str, Any]) -> dict[str, Any]:
    """The full assessment document of a lean one (any other document is returned as it is)."""
    if doc.get("form") != FORM:
        return doc
    marks: list[dict[str, Any]] = doc.get("marks", [])
    out: dict[str, Any] = {}
    for k, v in doc.items():
        if k in ("form", "marks"):
            continue
        out[k] = [_expand_muscle(m, marks) for m in v] if k == "muscles" else v
    return out
