"""Presentation: a language-neutral :class:`~triggermap.engine.result.Assessment` in one language.

:func:`localise` is the one function that makes the public contract document
(docs/assessment-contract.md) for the CLI, the HTTP API, the pages, the PDF handout and the diary.
It looks every name, sentence and plan text up in the knowledge base and the message catalogue
(:mod:`.messages`) at the time of showing, so the same saved assessment reads in any language.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..engine.result import Inline, Join, Ref, Say
from ..vocabulary import DEFAULT_LANG, LANGS
from .messages import MESSAGES, SIDES

if TYPE_CHECKING:
    from ..engine.result import Arg, Assessment, Phrase
    from ..knowledge import Knowledge
    from ..knowledge.entities import Exercise

__all__ = ["StaleAssessment", "localise", "phrase_text"]


class StaleAssessment(ValueError):
    """A saved assessment names a text that this knowledge base no longer has."""


class _Texts:
    """Per knowledge base: resolved phrases and the plan items, muscle and condition texts of
    each language, built on first use (a document repeats the same few hundred texts)."""

    __slots__ = ("kb", "resolved", "plan_items", "muscles", "conditions", "citations", "rules")

    def __init__(self, kb: Knowledge):
        self.kb = kb
        self.resolved: dict[tuple[Any, str], str] = {}
        self.plan_items: dict[str, dict[str, dict[str, Any]]] = {}
        self.muscles: dict[str, dict[str, tuple[str, str, str]]] = {}
        self.conditions: dict[str, dict[str, tuple[str, str]]] = {}
        self.citations = {rid: r.citation for rid, r in kb.references.items()}
        self.rules = {r.id: r for r in kb.rules}

    def plan(self, lang: str) -> dict[str, dict[str, Any]]:
        items = self.plan_items.get(lang)
        if items is None:
            items = self.plan_items[lang] = {eid: _plan_item(ex, lang) for eid, ex in self.kb.exercises.items()}
        return items

    def muscle(self, lang: str) -> dict[str, tuple[str, str, str]]:
        texts = self.muscles.get(lang)
        if texts is None:
            texts = self.muscles[lang] = {
                mid: (m.names.of(lang), m.names.la, m.confirm.of(lang)) for mid, m in self.kb.muscles.items()
            }
        return texts

    def condition(self, lang: str) -> dict[str, tuple[str, str]]:
        texts = self.conditions.get(lang)
        if texts is None:
            texts = self.conditions[lang] = {
                cid: (c.name.of(lang), c.confirm.of(lang)) for cid, c in self.kb.conditions.items()
            }
        return texts


_TEXTS: dict[int, _Texts] = {}


def _texts(kb: Knowledge) -> _Texts:
    hit = _TEXTS.get(id(kb))
    if hit is None or hit.kb is not kb:
        hit = _TEXTS[id(kb)] = _Texts(kb)
    return hit


def _plan_item(ex: Exercise, lang: str) -> dict[str, Any]:
    return {
        "id": ex.id,
        "kind": ex.kind,
        "muscle": "",
        "title": ex.title.of(lang),
        "dose": ex.dose.of(lang),
        "steps": [s.of(lang) for s in ex.steps],
        "cautions": [c.of(lang) for c in ex.cautions],
        "equipment": list(ex.equipment),
        "refs": list(ex.refs),
    }


def _lookup(t: _Texts, path: tuple[str | int, ...], lang: str) -> str:
    """The text at ``path``: a table of the knowledge base (``rules`` by id), the vocabulary
    (``("vocab", field, id, key)``) or the catalogue's side words (``("sides", side)``); the path
    walks mappings by key, tuples by index and entities by field, to a localised text."""
    head = path[0]
    if head == "sides":
        return SIDES[lang][str(path[1])]
    node: Any = t.rules if head == "rules" else getattr(t.kb, str(head))
    for key in path[1:]:
        node = node[key] if isinstance(key, int) or isinstance(node, Mapping) else getattr(node, key)
    return str(node.of(lang))


def _inline(text: str) -> str:
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def _text(t: _Texts, p: Arg, lang: str) -> Any:
    """A phrase in ``lang`` (plain arguments, numbers included, pass through)."""
    if isinstance(p, Ref):
        key = (p, lang)
        hit = t.resolved.get(key)
        if hit is None:
            try:
                hit = t.resolved[key] = _lookup(t, p.path, lang)
            except (KeyError, IndexError, AttributeError, TypeError):
                raise StaleAssessment(f"this knowledge base has no text at {list(p.path)}") from None
        return hit
    if isinstance(p, Say):
        template = MESSAGES[p.key][lang]
        return template.format(**{k: _text(t, v, lang) for k, v in p.args}) if p.args else template
    if isinstance(p, Join):
        return p.sep.join([_text(t, x, lang) for x in p.parts])
    if isinstance(p, Inline):
        text = _text(t, p.part, lang)
        return _inline(text.rstrip(p.strip) if p.strip else text)
    return p


def phrase_text(phrase: Phrase, lang: str = DEFAULT_LANG, kb: Knowledge | None = None) -> str:
    """One phrase of an assessment in ``lang``."""
    return str(_text(_texts(kb if kb is not None else _default_kb()), phrase, lang))


def _default_kb() -> Knowledge:
    from ..knowledge import load

    return load()


def localise(assessment: Assessment, lang: str = DEFAULT_LANG, kb: Knowledge | None = None) -> dict[str, Any]:
    """The contract document of ``assessment`` in ``lang``, its texts from ``kb`` (default: the
    installed knowledge base). Raises :class:`StaleAssessment` when a saved assessment names a
    text that ``kb`` no longer has, ``ValueError`` for an unknown language.

    The document is fresh, but nested items (the drawing's marks) may be shared between its parts
    and with the assessment: treat it as read-only.
    """
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, got {lang!r}")
    t = _texts(kb if kb is not None else _default_kb())
    a = assessment
    muscle_texts = t.muscle(lang)
    muscles = []
    for m in a.muscles:
        name, latin, confirm = muscle_texts[m.id]
        muscles.append(
            {
                "id": m.id,
                "name": name,
                "latin": latin,
                "score": m.score,
                "side": m.side,
                "trigger_points": list(m.trigger_points),
                "explains": m.explains,
                "unexplained": m.unexplained,
                "supporting": m.supporting,
                "against": m.against,
                "confirm": confirm,
            }
        )
    cond_texts = t.condition(lang)
    conditions = []
    for c in a.conditions:
        name, confirm = cond_texts[c.id]
        conditions.append(
            {
                "id": c.id,
                "name": name,
                "score": c.score,
                "likely": c.likely,
                "flagged_by": list(c.flagged_by),
                "why": [_text(t, w, lang) for w in c.why],
                "confirm": confirm,
            }
        )
    questions = []
    for q in a.next_questions:
        doc: dict[str, Any] = {"field": q.field, "value": q.value}
        if q.side is not None:
            doc["side"] = q.side
        doc.update({"who": q.who, "text": _text(t, q.text, lang), "why": _text(t, q.why, lang), "gain": q.gain})
        questions.append(doc)
    items = t.plan(lang)
    exercises = t.kb.exercises
    cit = t.citations
    return {
        "version": 1,
        "contract": a.contract,
        "kb_version": a.kb_version,
        "model_version": a.model_version,
        "lang": lang,
        "triage": {
            "level": a.level,
            "reasons": [
                {"id": r.id, "level": r.level, "text": _text(t, r.text, lang), "answers": list(r.answers)}
                for r in a.reasons
            ],
        },
        "muscles": muscles,
        "uncovered": list(a.uncovered),
        "conditions": conditions,
        "next_questions": questions,
        "plan": [{**items[p.id], "muscle": p.muscle} for p in a.plan],
        "plan_withheld": [
            {"id": w.id, "muscle": w.muscle, "title": exercises[w.id].title.of(lang), "because": list(w.because)}
            for w in a.plan_withheld
        ],
        "references": [{"id": r, "citation": cit[r]} for r in a.references],
        "choir": list(a.choir),
        "disclaimer": MESSAGES["disclaimer"][lang],
    }
