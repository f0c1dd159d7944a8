"""Presentation: a language-neutral :class:`~triggermap.engine.result.Assessment` in one language.

:func:`localise` is the one function that makes the public contract document
(docs/assessment-contract.md) for the CLI, the HTTP API, the pages, the PDF handout and the diary.
It looks every name, sentence and plan text up in the knowledge base and the message catalogue
(:mod:`.messages`) at the time of showing, so the same saved assessment reads in any language.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..engine.result import Assessment, Inline, Join, Ref, Say
from ..vocabulary import DEFAULT_LANG, LANGS
from .messages import MESSAGES, SIDES

if TYPE_CHECKING:
    from ..engine.result import Arg, Phrase
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
        #: (phrase, lang) -> text: every Ref, and the whole phrases of a document that pass
        #: :func:`_cacheable` (no more of those once it holds _PHRASES entries)
        self.resolved: dict[tuple[Any, str], str] = {}
        self.plan_items: dict[str, dict[str, dict[str, Any]]] = {}
        self.muscles: dict[str, dict[str, tuple[str, str, str]]] = {}
        self.conditions: dict[str, dict[str, tuple[str, str]]] = {}
        #: the references' entries of the document, to copy (each document gets its own dicts)
        self.citations = {rid: {"id": rid, "citation": r.citation} for rid, r in kb.references.items()}
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


#: how many whole phrases (not Refs) a knowledge base's cache keeps; past it they are resolved each time
_PHRASES = 8192


def _cacheable(p: Any) -> bool:
    """Whether ``p``'s text may be cached by value: a tree of exactly the phrase types and strings.

    A number anywhere would not do: ``6 == 6.0 == True`` (same hash) but they write ``6``,
    ``6.0``, ``True``. Nor would a :class:`Join` whose separator is a message key, the one way a
    Join's tuple can equal a Say's (Say's key is always a message key). Refs are cached by value
    as before, paths and all."""
    tp = type(p)
    if tp is str or tp is Ref:
        return True
    if tp is Say:
        return all(type(k) is str and _cacheable(v) for k, v in p.args)
    if tp is Join:
        return type(p.sep) is str and p.sep not in MESSAGES and all(_cacheable(x) for x in p.parts)
    if tp is Inline:
        return type(p.strip) is str and _cacheable(p.part)
    return False


def _phrase(t: _Texts, p: Phrase, lang: str) -> Any:
    """:func:`_text` of a whole phrase of the document, through the cache when it is one of the
    same few hundred (question reasons, triage sentences) that documents repeat."""
    key = (p, lang)
    try:
        hit = t.resolved.get(key)
    except TypeError:  # something unhashable in it (a saved assessment's list argument)
        return _text(t, p, lang)
    if hit is None:
        hit = _text(t, p, lang)
        if type(p) is not Ref and len(t.resolved) < _PHRASES and _cacheable(p):
            t.resolved[key] = hit
    return hit


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
    if not isinstance(assessment, Assessment):
        raise TypeError(f"assessment must be a triggermap Assessment (Engine.assess, Assessment.from_json), "
                        f"got {type(assessment).__name__}")
    if kb is not None:
        from ..knowledge.entities import require_knowledge

        require_knowledge(kb)
    t = _texts(kb if kb is not None else _default_kb())
    a = assessment
    muscle_texts = t.muscle(lang)
    muscles: list[dict[str, Any]] = []
    add = muscles.append
    for m in a.muscles:
        name, latin, confirm = muscle_texts[m.id]
        add(
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
    conditions: list[dict[str, Any]] = []
    add = conditions.append
    for c in a.conditions:
        name, confirm = cond_texts[c.id]
        add(
            {
                "id": c.id,
                "name": name,
                "score": c.score,
                "likely": c.likely,
                "flagged_by": list(c.flagged_by),
                "why": [_phrase(t, w, lang) for w in c.why],
                "confirm": confirm,
            }
        )
    questions: list[dict[str, Any]] = []
    add = questions.append
    for q in a.next_questions:
        text, why = _phrase(t, q.text, lang), _phrase(t, q.why, lang)
        if q.side is None:
            add({"field": q.field, "value": q.value, "who": q.who, "text": text, "why": why, "gain": q.gain})
        else:
            add({"field": q.field, "value": q.value, "side": q.side, "who": q.who, "text": text, "why": why,
                 "gain": q.gain})
    items = t.plan(lang)
    plan: list[dict[str, Any]] = []
    add = plan.append
    for p in a.plan:
        item = items[p.id].copy()  # keys in order, "muscle" among them
        item["muscle"] = p.muscle
        add(item)
    return {
        "version": 1,
        "contract": a.contract,
        "kb_version": a.kb_version,
        "model_version": a.model_version,
        "lang": lang,
        "triage": {
            "level": a.level,
            "reasons": [
                {"id": r.id, "level": r.level, "text": _phrase(t, r.text, lang), "answers": list(r.answers)}
                for r in a.reasons
            ],
        },
        "muscles": muscles,
        "uncovered": list(a.uncovered),
        "conditions": conditions,
        "next_questions": questions,
        "plan": plan,
        "plan_withheld": [
            {"id": w.id, "muscle": w.muscle, "title": t.kb.exercises[w.id].title.of(lang), "because": list(w.because)}
            for w in a.plan_withheld
        ],
        "references": list(map(dict.copy, map(t.citations.__getitem__, a.references))),
        "choir": list(a.choir),
        "disclaimer": MESSAGES["disclaimer"][lang],
    }
