"""One intake in, one language-neutral :class:`~.result.Assessment` out. Pure: no I/O.

Everything that does not depend on the intake (the inverted index, the condition table, the
red-flag relevance, the compiled rules) is prepared once per knowledge base, on the
:class:`Engine`. The texts are looked up only when the assessment is shown
(:func:`triggermap.present.localise`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from ..vocabulary import ASKERS, DEFAULT_LANG, LANGS, MAX_NEXT_QUESTIONS, PLAN_LEVELS
from ..vocabulary import CONTRACT_VERSION as CONTRACT
from . import params as P
from .differential import ANSWERABLE, Cond, Feat, differential, prepare
from .intake import Intake, IntakeError, parse_intake
from .plan import build_plan
from .questions import QuestionTables, flag_relevance, next_questions, question
from .rank import (
    Index,
    against,
    build_index,
    explained,
    mark_items,
    palpation_words,
    rank_muscles,
    supporting,
)
from .result import Assessment, ConditionResult, Join, MuscleResult, Phrase, PlanItem, Ref, Say, Withheld
from .triage import RANK, compile_rules, fired_rules, triage

URGENT = RANK["urgent"]

if TYPE_CHECKING:
    from ..knowledge import Knowledge


class _Prepared:
    """Per knowledge-base structures built once (held by an :class:`Engine`)."""

    __slots__ = ("params", "index", "conditions", "rules", "relevance", "questions", "labels")

    def __init__(self, kb: Knowledge, params: P.ModelParams = P.DEFAULT):
        self.params = params
        self.index: Index = build_index(kb, params)
        self.conditions: list[Cond] = prepare(kb, params)
        self.relevance = flag_relevance(kb, self.conditions)
        #: everything about candidate next questions that does not depend on the intake
        self.questions = QuestionTables(kb, self.conditions, params, self.relevance)
        #: feature kind -> answer id -> the path of its label (for "answered no" reasons)
        self.labels: dict[str, dict[str, Ref]] = {
            kind: {
                i: Ref(("red_flags", i, "label") if field == "red_flags" else ("vocab", field, i, "label"))
                for i in (kb.red_flags if field == "red_flags" else kb.vocab[field])
            }
            for kind, field in ANSWERABLE.items()
        }
        self.rules = compile_rules(kb)


class Engine:
    """The assessment engine over one knowledge base and one set of model parameters.

    ``Engine()`` uses the installed knowledge base (:func:`triggermap.knowledge.load`) and the
    published parameters (:data:`~triggermap.engine.params.DEFAULT`). Everything that does not
    depend on the intake is prepared once, on the instance. Pure: no I/O after construction.
    """

    __slots__ = ("kb", "params", "_prep")

    def __init__(self, kb: Knowledge | None = None, params: P.ModelParams | None = None):
        if kb is None:
            from ..knowledge import load

            kb = load()
        from ..knowledge.entities import require_knowledge

        require_knowledge(kb)
        if params is not None and not isinstance(params, P.ModelParams):
            raise TypeError(f"params must be a triggermap ModelParams, got {type(params).__name__}")
        self.kb: Knowledge = kb
        self.params: P.ModelParams = P.DEFAULT if params is None else params
        self._prep = _Prepared(kb, self.params)

    def assess(
        self,
        data: Mapping[str, Any] | Intake,
        *,
        who: str | None = None,
        max_questions: int = MAX_NEXT_QUESTIONS,
    ) -> Assessment:
        """Assess one intake (a parsed JSON/YAML document or an :class:`Intake`) into a
        language-neutral :class:`Assessment` (:func:`triggermap.present.localise` makes the
        contract document of it, in any language; :meth:`document` does both). ``who``
        (``self`` or ``clinician``) keeps only the next questions that they can answer;
        ``max_questions`` above the contract's 3 is for evaluation (the whole ranked candidate
        list). Raises :class:`IntakeError` for an invalid intake."""
        return _evaluate(self.kb, self._prep, data, who, max_questions)

    def summary(self, data: Mapping[str, Any] | Intake, *, who: str | None = None) -> Assessment:
        """The assessment reduced to what a summary row holds (``assess --batch --format
        csv|parquet``): triage, the ranked muscles with scores and sides, the conditions, the
        uncovered marks and CHOIR codes, exactly as :meth:`assess` gives them; no per-muscle
        explanations (``explains``, ``unexplained``, ``supporting`` and ``against`` are empty), no
        plan, references or next questions. About half the work of :meth:`assess` without next
        questions (bench: 320 against 560 µs per CHOIR drawing, pure Python); not for showing to a
        person (:meth:`assess` is)."""
        return _evaluate(self.kb, self._prep, data, who, 0, explain=False)

    def document(
        self,
        data: Mapping[str, Any] | Intake,
        lang: str = DEFAULT_LANG,
        *,
        who: str | None = None,
        max_questions: int = MAX_NEXT_QUESTIONS,
    ) -> dict[str, Any]:
        """The contract document of one intake in ``lang``: ``localise(assess(data), lang)``."""
        from ..present import localise

        return localise(_evaluate(self.kb, self._prep, data, who, max_questions), lang, self.kb)

    def localise(self, assessment: Assessment, lang: str = DEFAULT_LANG) -> dict[str, Any]:
        """The contract document of ``assessment`` in ``lang``, with this engine's knowledge base."""
        from ..present import localise

        return localise(assessment, lang, self.kb)

    def assess_many(
        self, intakes: Iterable[Mapping[str, Any] | Intake], lang: str | None = None, *, errors: str = "raise"
    ) -> Iterator[Assessment | dict[str, Any]]:
        """Assess intakes one at a time, lazily (memory stays flat however many there are):
        :class:`Assessment` objects, or contract documents in ``lang`` when it is given.

        ``errors="raise"`` stops at the first invalid intake; ``errors="report"`` yields
        ``{"index": i, "field": ..., "message": ...}`` in its place and goes on.
        """
        if errors not in ("raise", "report"):
            raise ValueError(f"errors must be 'raise' or 'report', got {errors!r}")
        if lang is not None and lang not in LANGS:
            raise ValueError(f"lang must be one of {LANGS}, got {lang!r}")
        from ..present import localise

        for i, data in enumerate(intakes):
            try:
                a = _evaluate(self.kb, self._prep, data)
            except IntakeError as exc:
                if errors == "raise":
                    raise
                yield {"index": i, **exc.to_dict()}
                continue
            yield a if lang is None else localise(a, lang, self.kb)


_ENGINES: dict[int, Engine] = {}


def engine_for(kb: Knowledge) -> Engine:
    """The shared default-parameter :class:`Engine` of ``kb`` (built on first use)."""
    hit = _ENGINES.get(id(kb))
    if hit is None or hit.kb is not kb:
        hit = _ENGINES[id(kb)] = Engine(kb)
    return hit


def prepared(kb: Knowledge) -> _Prepared:
    """The prepared structures of ``kb``'s shared engine (kept for existing callers)."""
    return engine_for(kb)._prep


def assess(data: Mapping[str, Any] | Intake, kb: Knowledge | None = None, lang: str = DEFAULT_LANG) -> dict[str, Any]:
    """The contract document of an intake (a parsed JSON/YAML document or an :class:`Intake`)
    in ``lang``, by the shared engine of ``kb`` (default: the installed knowledge base):
    ``Engine(kb).document(data, lang)``.

    Raises :class:`~triggermap.engine.intake.IntakeError` for invalid input. The result
    is a fresh document, but nested items (explained regions) may be shared between its
    parts: treat it as read-only.
    """
    if kb is None:
        from ..knowledge import load

        kb = load()
    return engine_for(kb).document(data, lang)


def _evaluate(
    kb: Knowledge,
    prep: _Prepared,
    data: Mapping[str, Any] | Intake,
    who: str | None = None,
    max_questions: int = MAX_NEXT_QUESTIONS,
    explain: bool = True,
) -> Assessment:
    if who is not None and who not in ASKERS:
        raise ValueError(f"who must be one of {ASKERS} or None, got {who!r}")
    if isinstance(max_questions, bool) or not isinstance(max_questions, int):
        raise TypeError(f"max_questions must be a whole number, got {max_questions!r}")
    if max_questions < 0:
        raise ValueError(f"max_questions must be 0 or more, got {max_questions}")
    params = prep.params
    intake = data if isinstance(data, Intake) else parse_intake(data, kb)

    # differential first: a likely condition raises the triage level
    diff = differential(prep.conditions, intake)
    rules = fired_rules(prep.rules, intake)
    flagged: dict[str, list[str]] = {}  # condition -> red flags / rules that point to it
    pointed: dict[str, tuple[str, ...]] = {}  # red flag / rule -> the conditions it points to
    for fid in sorted(intake.red_flags):
        pointed[fid] = kb.red_flags[fid].conditions
        for cid in kb.red_flags[fid].conditions:
            flagged.setdefault(cid, []).append(fid)
    for rule in rules:
        pointed[rule.id] = rule.conditions
        for cid in rule.conditions:
            flagged.setdefault(cid, []).append(rule.id)
    likely: list[tuple[str, str, tuple[Phrase, ...]]] = [
        (c.id, c.data.level_when_likely, tuple(f.why for f in fired))
        for c, p, fired, _no in diff
        if p >= params.condition_likely
    ]
    level, reasons = triage(kb, intake, rules, likely, params)

    conditions: list[ConditionResult] = []
    for c, p, fired, denied in diff:
        if p >= params.condition_list_min or c.id in flagged:
            why: tuple[Phrase, ...] = (*(f.why for f in fired), *(_answered_no(prep, f) for f in denied))
            conditions.append(_condition(c.id, p, why, flagged.get(c.id, []), params))
    listed = {c.id for c in conditions}
    for cid in sorted(set(flagged) - listed):  # reached by a red flag although no feature fired
        why = tuple(r.text for r in reasons if r.id in flagged[cid])
        conditions.append(_condition(cid, kb.conditions[cid].prior, why, flagged[cid], params))
    # contract 1.1: what an emergency or urgent red flag or rule points to comes first, the
    # most severe first, so that the most dangerous possibility is never listed below a common one
    severity: dict[str, int] = {}
    for r in reasons:
        rank = RANK[r.level]
        for cid in pointed.get(r.id, ()):
            severity[cid] = max(severity.get(cid, 0), rank)
    conditions.sort(key=lambda c: (-(severity.get(c.id, 0) if severity.get(c.id, 0) >= URGENT else 0),
                                   -c.score, c.id))

    ranked = rank_muscles(prep.index, intake, params.max_muscles)
    painful = intake.painful
    muscles = []
    if not explain:  # Engine.summary: the ranking alone
        for s in ranked:
            muscles.append(MuscleResult(s.muscle, round(s.score, 4), s.side, tuple(s.pattern.trigger_points), [], [],
                                        {}, {}))
    items = mark_items(painful) if explain else []
    for s in ranked if explain else ranked[:0]:
        explains, rest = explained(s.pattern, s.side, items)
        support = supporting(prep.index, s.muscle, intake)
        con: dict[str, list[str]] = against(prep.index, s.muscle, intake)
        if intake.palpation:
            support["palpation"], con["palpation"] = palpation_words(intake, s.muscle, s.side)
        muscles.append(
            MuscleResult(s.muscle, round(s.score, 4), s.side, tuple(s.pattern.trigger_points), explains, rest,
                         support, con)
        )
    covered = prep.index.by_region
    uncovered = tuple(
        {"region": mk.region, **({"side": mk.side} if mk.side else {}), "intensity": mk.intensity}
        for mk in painful
        if mk.region not in covered
    )

    plan: tuple[PlanItem, ...] = ()
    withheld: tuple[Withheld, ...] = ()
    if level in PLAN_LEVELS and explain:
        best = ranked[0].score if ranked else 0.0
        top = [s.muscle for s in ranked[: params.plan_muscles] if s.score >= params.plan_relative_min * best]
        plan, withheld = build_plan(kb, intake, top)

    ref_ids: dict[str, None] = {}
    if explain:
        for fid in sorted(intake.red_flags):
            ref_ids.update(dict.fromkeys(kb.red_flags[fid].refs))
        for rule in rules:
            ref_ids.update(dict.fromkeys(rule.refs))
        for cond in conditions:
            ref_ids.update(dict.fromkeys(kb.conditions[cond.id].refs))
        for mm in muscles:
            ref_ids.update(dict.fromkeys(kb.muscles[mm.id].references))
        for item in plan:
            ref_ids.update(dict.fromkeys(kb.exercises[item.id].refs))

    questions = tuple(
        question(kb, q, ranked)
        for q in next_questions(kb, prep.questions, intake, ranked, diff, level, params, who, max_questions)
    )
    return Assessment(
        contract=CONTRACT,
        kb_version=kb.version,
        model_version=params.version,
        level=level,
        reasons=reasons,
        muscles=tuple(muscles),
        uncovered=uncovered,
        conditions=tuple(conditions),
        next_questions=questions,
        plan=plan,
        plan_withheld=withheld,
        references=tuple(ref_ids),
        choir=tuple(intake.choir),
    )


def _answered_no(prep: _Prepared, f: Feat) -> Say:
    labels = prep.labels[f.kind]
    key = "answered-no" if f.weight_absent <= 0 else "answered-no-raises"
    return Say(key, (("label", Join(" / ", tuple(labels[i] for i in f.ids if i in labels))),))


def _condition(cid: str, p: float, why: tuple[Phrase, ...], flagged_by: list[str], params: P.ModelParams) -> ConditionResult:
    return ConditionResult(cid, round(p, 4), p >= params.condition_likely, tuple(flagged_by), why)
