"""The language-neutral assessment: what the engine concluded, in ids, scores and phrases.

:meth:`triggermap.Engine.assess` returns an :class:`Assessment`; nothing in it is in a language.
Every sentence is a *phrase*, a small tree that says where its words come from:

* :class:`Ref` names a text of the knowledge base by its path (``("red_flags", "saddle-anesthesia",
  "reason")``, ``("conditions", "lumbar-radiculopathy", "features", 2, "why")``) or of the
  engine's own catalogue of side words (``("sides", "left")``);
* :class:`Say` is a sentence of the engine's message catalogue (:mod:`.messages`) with its
  arguments, which may themselves be phrases;
* :class:`Join` joins phrases with a separator; :class:`Inline` lowers a leading capital (a name
  running on inside a sentence) and strips trailing characters.

:func:`triggermap.present.localise` turns an assessment into the contract document in one
language, so a saved assessment (:meth:`Assessment.to_json`) can be shown again in another
language. The types are named tuples: immutable, typed, cheap to build and to pickle.
"""

from __future__ import annotations

from typing import Any, NamedTuple

__all__ = [
    "Assessment",
    "ConditionResult",
    "Inline",
    "Join",
    "MuscleResult",
    "Phrase",
    "PlanItem",
    "Question",
    "Reason",
    "Ref",
    "Say",
    "Withheld",
    "phrase_from_json",
    "phrase_to_json",
]

#: the format of :meth:`Assessment.to_json` (bump when its layout changes)
FORMAT = 1


class Ref(NamedTuple):
    """A text of the knowledge base (or the catalogue's side words) by its path."""

    path: tuple[str | int, ...]


class Say(NamedTuple):
    """A sentence of the engine's message catalogue with its named arguments."""

    key: str
    args: tuple[tuple[str, Arg], ...] = ()


class Join(NamedTuple):
    """Phrases (or literal strings: punctuation) joined by ``sep``."""

    sep: str
    parts: tuple[Arg, ...]


class Inline(NamedTuple):
    """A phrase as it runs on inside a sentence: a capital first letter lowered when the next
    letter is lower case (``TFL`` keeps its capitals), trailing ``strip`` characters removed."""

    part: Phrase
    strip: str = ""


Phrase = Ref | Say | Join | Inline
Arg = Phrase | int | float | str


class Reason(NamedTuple):
    """One triage reason: what fired (a red flag, rule, condition or built-in check id), the
    level it reaches, the sentence, and the intake answers behind it."""

    id: str
    level: str
    text: Phrase
    answers: tuple[str, ...]


class MuscleResult(NamedTuple):
    """One ranked muscle. ``explains`` / ``unexplained`` are the drawing's marks (plain,
    language-free items of the contract document, shared between muscles: read-only)."""

    id: str
    score: float  # rounded to 4 decimals, as published
    side: str | None
    trigger_points: tuple[str, ...]
    explains: list[dict[str, Any]]
    unexplained: list[dict[str, Any]]
    supporting: dict[str, list[str]]
    against: dict[str, list[str]]


class ConditionResult(NamedTuple):
    """One condition of the differential with the reasons that moved it."""

    id: str
    score: float  # rounded to 4 decimals
    likely: bool
    flagged_by: tuple[str, ...]
    why: tuple[Phrase, ...]


class Question(NamedTuple):
    """One next question (contract 1.1): the intake field and value it asks about, who can
    answer, its expected information gain (bits, rounded), and its text and reason."""

    field: str
    value: str
    side: str | None
    who: str
    gain: float
    text: Phrase
    why: Phrase


class PlanItem(NamedTuple):
    """A self-care item of the plan, for the muscle it was chosen for."""

    id: str
    muscle: str


class Withheld(NamedTuple):
    """A self-care item left out because of the person's answers (``because``)."""

    id: str
    muscle: str
    because: tuple[str, ...]


class Assessment(NamedTuple):
    """Everything :meth:`triggermap.Engine.assess` concluded about one intake, in no language."""

    contract: str
    kb_version: str
    model_version: str
    level: str
    reasons: tuple[Reason, ...]
    muscles: tuple[MuscleResult, ...]
    uncovered: tuple[dict[str, Any], ...]
    conditions: tuple[ConditionResult, ...]
    next_questions: tuple[Question, ...]
    plan: tuple[PlanItem, ...]
    plan_withheld: tuple[Withheld, ...]
    references: tuple[str, ...]
    choir: tuple[int, ...]

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict of the assessment (phrases as ``{"ref": [...]}``, ``{"say": key,
        "args": {...}}``, ``{"join": sep, "parts": [...]}``, ``{"inline": ..., "strip": ...}``),
        for storing it; :meth:`from_json` reads it back."""
        return {
            "format": FORMAT,
            "contract": self.contract,
            "kb_version": self.kb_version,
            "model_version": self.model_version,
            "level": self.level,
            "reasons": [
                {"id": r.id, "level": r.level, "text": phrase_to_json(r.text), "answers": list(r.answers)}
                for r in self.reasons
            ],
            "muscles": [
                {"id": m.id, "score": m.score, "side": m.side, "trigger_points": list(m.trigger_points),
                 "explains": m.explains, "unexplained": m.unexplained, "supporting": m.supporting,
                 "against": m.against}
                for m in self.muscles
            ],
            "uncovered": list(self.uncovered),
            "conditions": [
                {"id": c.id, "score": c.score, "likely": c.likely, "flagged_by": list(c.flagged_by),
                 "why": [phrase_to_json(w) for w in c.why]}
                for c in self.conditions
            ],
            "next_questions": [
                {"field": q.field, "value": q.value, "side": q.side, "who": q.who, "gain": q.gain,
                 "text": phrase_to_json(q.text), "why": phrase_to_json(q.why)}
                for q in self.next_questions
            ],
            "plan": [{"id": p.id, "muscle": p.muscle} for p in self.plan],
            "plan_withheld": [{"id": w.id, "muscle": w.muscle, "because": list(w.because)} for w in self.plan_withheld],
            "references": list(self.references),
            "choir": list(self.choir),
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> Assessment:
        """The assessment that :meth:`to_json` wrote (``ValueError`` for another format)."""
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            raise ValueError(f"not a language-neutral assessment of format {FORMAT}")
        try:
            return cls._read(doc)
        except (KeyError, TypeError, AttributeError, IndexError, ValueError) as exc:  # a damaged document
            what = f"missing {exc}" if isinstance(exc, KeyError) else f"{type(exc).__name__}: {exc}"
            raise ValueError(f"a damaged saved assessment ({what})") from None

    @classmethod
    def _read(cls, doc: dict[str, Any]) -> Assessment:
        return cls(
            contract=doc["contract"],
            kb_version=doc["kb_version"],
            model_version=doc["model_version"],
            level=doc["level"],
            reasons=tuple(
                Reason(r["id"], r["level"], phrase_from_json(r["text"]), tuple(r["answers"])) for r in doc["reasons"]
            ),
            muscles=tuple(
                MuscleResult(m["id"], m["score"], m["side"], tuple(m["trigger_points"]), m["explains"],
                             m["unexplained"], m["supporting"], m["against"])
                for m in doc["muscles"]
            ),
            uncovered=tuple(doc["uncovered"]),
            conditions=tuple(
                ConditionResult(c["id"], c["score"], c["likely"], tuple(c["flagged_by"]),
                                tuple(phrase_from_json(w) for w in c["why"]))
                for c in doc["conditions"]
            ),
            next_questions=tuple(
                Question(q["field"], q["value"], q["side"], q["who"], q["gain"], phrase_from_json(q["text"]),
                         phrase_from_json(q["why"]))
                for q in doc["next_questions"]
            ),
            plan=tuple(PlanItem(p["id"], p["muscle"]) for p in doc["plan"]),
            plan_withheld=tuple(Withheld(w["id"], w["muscle"], tuple(w["because"])) for w in doc["plan_withheld"]),
            references=tuple(doc["references"]),
            choir=tuple(doc["choir"]),
        )


def phrase_to_json(p: Arg) -> Any:
    """A phrase (or a plain argument) as JSON-ready data."""
    if isinstance(p, Ref):
        return {"ref": list(p.path)}
    if isinstance(p, Say):
        return {"say": p.key, "args": {k: phrase_to_json(v) for k, v in p.args}}
    if isinstance(p, Join):
        return {"join": p.sep, "parts": [phrase_to_json(x) for x in p.parts]}
    if isinstance(p, Inline):
        return {"inline": phrase_to_json(p.part), "strip": p.strip}
    return p


def phrase_from_json(d: Any) -> Any:
    """The phrase (or plain argument) that :func:`phrase_to_json` wrote."""
    if isinstance(d, dict):
        if "ref" in d:
            return Ref(tuple(d["ref"]))
        if "say" in d:
            return Say(d["say"], tuple((k, phrase_from_json(v)) for k, v in d["args"].items()))
        if "join" in d:
            return Join(d["join"], tuple(phrase_from_json(x) for x in d["parts"]))
        if "inline" in d:
            return Inline(phrase_from_json(d["inline"]), d["strip"])
        raise ValueError(f"not a phrase: {d!r}")
    return d
