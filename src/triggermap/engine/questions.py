"""Next questions: the unanswered questions whose answers would most change the assessment.

Contract 1.1 ``next_questions``. Every candidate is a yes/no question (a red flag, a finding,
an aggravating activity, a pain quality, a history item, or palpating a muscle). Model 2.1
(docs/model.md, section 9): its *gain* is the expected gain in the probability that the top
muscle and the top condition are both right after the answer, plus
:attr:`~.params.ModelParams.question_information` times the expected information (bits) the
answer gives about the muscles and conditions it concerns. The hypotheses are the best
:attr:`~.params.ModelParams.question_muscles` muscles and the first
:attr:`~.params.ModelParams.question_conditions` conditions, each with its own probability
(the engine scores each against the background). The answer model uses the scoring's
likelihood ratios: a "yes" has the question's base rate under the hypotheses it does not
concern and base rate x LR under those it does. Everything that does not depend on the intake
is compiled once per knowledge base (:class:`QuestionTables`, held on the engine's prepared
state); an assessment only scores.

A red flag that the drawing makes relevant (it points to a condition whose pain map or rule
includes a painful region) and that is unanswered is asked first, the most severe first; at
most one per list, so the ranking questions are never crowded out (the web app's safety step
asks all of them anyway). Nothing is asked once the triage is ``emergency``: nothing should
delay care.
"""

from __future__ import annotations

from math import log2 as _math_log2
from typing import TYPE_CHECKING, Any, Final

from ..knowledge.views import answerer as _who
from ..vocabulary import ASKERS, LEVEL_RANK, MAX_NEXT_QUESTIONS
from .differential import ANSWERABLE
from .result import Inline, Join, Phrase, Question, Ref, Say

if TYPE_CHECKING:
    from ..knowledge import Knowledge
    from .differential import Cond, Feat
    from .intake import Intake
    from .params import ModelParams
    from .rank import MuscleScore

#: Intake list -> the muscle support list it feeds (history has none).
_MUSCLE_LIST = {"findings": "findings", "aggravating": "aggravating", "qualities": "qualities"}
#: The intake lists a next question can be about (besides palpation and red flags).
_ASKED = tuple(field for field in ANSWERABLE.values() if field != "red_flags")


#: (-value, code of (field, id), position, side, muscle hypotheses, condition hypotheses); the
#: position is unique, so rows sort as tuples by their first three items and the rest is never
#: compared (codes sort as the (field, id) keys do: :class:`QuestionTables`)
_Row = tuple[float, int, int, str | None, dict[int, float], dict[int, float]]


def _row_key(row: tuple[Any, ...]) -> tuple[Any, ...]:
    # equal values (muscles of equal score) order by id, whatever the last bits of the arithmetic
    return round(row[0], 9), row[1], row[2], row[3]


#: rows whose values differ by at least this much have different values to 9 places, in the same order
_APART: Final = 4e-9


def _sort_rows(out: list[Any], first: int) -> None:
    """Sort ``out`` so that its ``first`` rows are those of a sort by :func:`_row_key` (the
    position keeps it stable), calling ``round`` only where it can matter: a plain sort orders
    rows whose values are :data:`_APART` or more apart as the rounded values would (rounding to
    9 places is monotonic), and each run of closer neighbours that reaches into the first rows
    is then sorted by the key itself (the rows after them stay in plain order)."""
    out.sort()
    n = len(out)
    i = 0
    while i < n - 1 and i < first:
        j = i
        while j < n - 1 and out[j + 1][0] - out[j][0] < _APART:
            j += 1
        if j > i:
            out[i : j + 1] = sorted(out[i : j + 1], key=_row_key)
        i = j + 1


#: math.log2 (Final: compiled, a static rather than a lookup in the module's namespace at every call)
_log2: Final = _math_log2

#: Feature kind of each intake list.
_KIND = {field: kind for kind, field in ANSWERABLE.items()}


def _h(p: float) -> float:
    """Binary entropy in bits."""
    if p <= 0.0 or p >= 1.0:
        return 0.0
    hit = _H.get(p)
    if hit is None:
        hit = _H[p] = -(p * _log2(p) + (1.0 - p) * _log2(1.0 - p))
        if len(_H) > 4096:
            _H.clear()
    return hit


#: (Final: compiled, a static rather than a lookup in the module's namespace at every use)
_H: Final[dict[float, float]] = {}


def _clip(p: float) -> float:
    return 0.001 if p < 0.001 else 0.999 if p > 0.999 else p


def flag_relevance(kb: Knowledge, conditions: list[Cond]) -> dict[str, frozenset[str]]:
    """Region -> the red flags it makes relevant: the flags that point to a condition with a
    region feature there (nested regions included), and the flags of rules keyed to it."""
    by_cond: dict[str, set[str]] = {}
    for fid, flag in kb.red_flags.items():
        for cid in flag.conditions:
            by_cond.setdefault(cid, set()).add(fid)
    out: dict[str, set[str]] = {}
    for c in conditions:
        flags = by_cond.get(c.id)
        if not flags:
            continue
        for f in c.features:
            if f.kind == "region":
                for key in f.keys:
                    out.setdefault(key.split(":", 1)[1], set()).update(flags)
    from .rank import nested_regions

    nested = nested_regions(kb)
    for rule in kb.rules:
        flags = {i for i in (*rule.all_of, *rule.any_of) if i in kb.red_flags}
        for region in rule.regions:
            for r in (region, *nested.get(region, ())):
                out.setdefault(r, set()).update(flags)
    return {r: frozenset(f) for r, f in out.items()}


class QuestionTables:
    """Everything about the candidate questions that does not depend on the intake, compiled
    once per knowledge base and parameter set (held on the engine's prepared state): per
    muscle and per ``who``, the answer ids it is known for with the likelihood ratio of a
    "yes"; per condition, the answerable ids of its features with their ratios and "yes" rates
    without the condition; who answers each id; whether and by whom each muscle can be
    palpated; the default "yes" rate of each list; and the red flags each region makes
    relevant. The per-assessment step (:func:`next_questions`) only looks up and scores."""

    __slots__ = ("relevance", "flag_order", "muscle_asks", "cond_asks", "palpation", "default_base", "lr_palpation",
                 "palpation_base", "information", "code", "key_of", "code_lr", "muscle_groups", "muscle_codes",
                 "cond_codes", "palpation_code")

    def __init__(self, kb: Knowledge, conditions: list[Cond], params: ModelParams,
                 relevance: dict[str, frozenset[str]] | None = None):
        self.relevance = flag_relevance(kb, conditions) if relevance is None else relevance
        #: red flag -> its place among the relevant ones (the most severe first, then by id)
        self.flag_order = {f: (-LEVEL_RANK[flag.level], f) for f, flag in kb.red_flags.items()}
        vocab = kb.vocab
        lr_of = {"findings": params.lr_finding, "aggravating": params.lr_aggravating, "qualities": params.lr_quality}
        whos: tuple[str | None, ...] = (None, *ASKERS)

        def ok(field: str, qid: str, who: str | None) -> bool:
            return who is None or _who(vocab, field, qid) == who

        #: who -> muscle -> (((intake list, id), LR of a "yes"), ...)
        self.muscle_asks: dict[str | None, dict[str, tuple[tuple[tuple[str, str], float], ...]]] = {
            who: {
                mid: tuple(
                    ((field, qid), lr_of[field])
                    for field, key in _MUSCLE_LIST.items()
                    for qid in sorted(set(getattr(m, key)))
                    if ok(field, qid, who)
                )
                for mid, m in kb.muscles.items()
            }
            for who in whos
        }
        #: who -> condition -> (((intake list, id), the feature's keys, LR, "yes" rate without it), ...)
        self.cond_asks: dict[str | None, dict[str, tuple[tuple[tuple[str, str], frozenset[str], float, float], ...]]] = {
            who: {
                c.id: tuple(
                    ((listed, qid), keys, lr, rate)
                    for listed, qid, keys, lr, rate in c.asks
                    if listed != "red_flags" and ok(listed, qid, who)
                )
                for c in conditions
            }
            for who in whos
        }
        #: muscle -> (who palpates it, midline)
        self.palpation: dict[str, tuple[str, bool]] = {
            mid: (palpation_who(kb, mid), bool(m.midline)) for mid, m in kb.muscles.items()
        }
        s0 = params.assumed_sensitivity
        #: a "yes" among people whom a question does not concern, when no condition publishes it
        self.default_base = {field: s0 / lr_of.get(field, 2.0) for field in ANSWERABLE.values()}
        self.lr_palpation = params.lr_palpation_tender * params.lr_palpation_reproduces
        self.palpation_base = params.palpation_sensitivity / self.lr_palpation
        self.information = params.question_information
        # The per-assessment form: every candidate key (intake list, id), palpation included, as
        # an int code in the order of the keys, so that codes sort as the keys do and hash fast
        keys = {key for asks in self.muscle_asks[None].values() for key, _lr in asks}
        keys.update(key for asks in self.cond_asks[None].values() for key, _k, _lr, _r in asks)
        keys.update(("palpation", mid) for mid in kb.muscles)
        #: code -> (intake list or "palpation", id); (list, id) -> code
        self.key_of: tuple[tuple[str, str], ...] = tuple(sorted(keys))
        self.code: dict[tuple[str, str], int] = {key: c for c, key in enumerate(self.key_of)}
        #: code -> the likelihood ratio of a "yes" for a muscle that lists it (it depends on the list only)
        self.code_lr: tuple[float, ...] = tuple(lr_of.get(field, 1.0) for field, _i in self.key_of)
        code = self.code
        #: who -> muscle -> ((list, LR of a "yes", default "yes" rate, its codes in order), ...)
        self.muscle_groups: dict[str | None, dict[str, tuple[tuple[str, float, float, tuple[int, ...]], ...]]] = {}
        #: who -> muscle -> all its codes
        self.muscle_codes: dict[str | None, dict[str, frozenset[int]]] = {}
        for who, by_muscle in self.muscle_asks.items():
            groups: dict[str, tuple[tuple[str, float, float, tuple[int, ...]], ...]] = {}
            for mid, asks in by_muscle.items():
                by_field: dict[str, list[int]] = {}
                for key, _lr in asks:
                    by_field.setdefault(key[0], []).append(code[key])
                groups[mid] = tuple(
                    (field, lr_of[field], self.default_base[field], tuple(sorted(cs))) for field, cs in by_field.items()
                )
            self.muscle_groups[who] = groups
            self.muscle_codes[who] = {mid: frozenset(c for _f, _lr, _b, cs in g for c in cs) for mid, g in groups.items()}
        #: who -> condition -> ((code, the feature's keys, LR, "yes" rate without it), ...)
        self.cond_codes: dict[str | None, dict[str, tuple[tuple[int, frozenset[str], float, float], ...]]] = {
            who: {cid: tuple((code[key], ks, lr, rate) for key, ks, lr, rate in asks) for cid, asks in by_cond.items()}
            for who, by_cond in self.cond_asks.items()
        }
        #: muscle -> the code of palpating it
        self.palpation_code = {mid: code[("palpation", mid)] for mid in kb.muscles}


class Candidate:
    __slots__ = ("field", "value", "side", "gain", "muscles", "conds", "for_ids")

    def __init__(self, field: str, value: str, side: str | None, gain: float,
                 muscles: dict[int, float] | None = None, conds: dict[int, float] | None = None,
                 for_ids: list[str] | None = None):
        self.field = field
        self.value = value
        self.side = side
        self.gain = gain
        self.muscles = muscles or {}  # muscle hypothesis index -> likelihood ratio of a "yes"
        self.conds = conds or {}  # condition hypothesis index -> likelihood ratio of a "yes"
        self.for_ids = for_ids or []  # muscles / conditions a "yes" points to, most probable first


def _side(ps: list[float], hyps: dict[int, float], base: float, b: float, hb: float,
          info: bool) -> tuple[float, float, float, float]:
    """One variable (muscles or conditions, probabilities ``ps`` most probable first) under a
    question that concerns ``hyps`` (index -> LR of a "yes"; base rate ``base``, clipped ``b``,
    its entropy ``hb``): the factor of P(yes), the top probability after a yes and after a no
    (each concerned hypothesis moves by Bayes' rule on its own, the others keep theirs, the
    first unconcerned one being the best of them), and the information (bits) about the
    concerned hypotheses."""
    best = 0.0
    for k, p in enumerate(ps):
        if k not in hyps:
            best = p
            break
    top_yes = top_no = best
    factor = 1.0
    bits = 0.0
    for k, lr in hyps.items():
        p = ps[k]
        y = base * lr
        y = 0.001 if y < 0.001 else 0.999 if y > 0.999 else y
        factor *= 1.0 + p * (lr - 1.0)
        yes_h = p * y
        yes_o = (1.0 - p) * b
        p_yes = yes_h + yes_o
        v = yes_h / p_yes
        if v > top_yes:
            top_yes = v
        no_h = p - yes_h
        v = no_h / (1.0 - p_yes)
        if v > top_no:
            top_no = v
        if info:  # h(P(yes)) computed here (a fresh value each time: not worth caching)
            hy = _H.get(y)
            if hy is None:
                hy = _h(y)
            bits += -(p_yes * _log2(p_yes) + (1.0 - p_yes) * _log2(1.0 - p_yes)) - p * hy - (1.0 - p) * hb
    return factor, top_yes, top_no, bits


def _single(p: float, best: float, lr: float, base: float, b: float, hb: float,
            info: bool) -> tuple[float, float, float, float]:
    """:func:`_side` for a question that concerns one hypothesis, of probability ``p``, the best
    of the others being ``best``: the same arithmetic in the same order."""
    y = base * lr
    y = 0.001 if y < 0.001 else 0.999 if y > 0.999 else y
    yes_h = p * y
    p_yes = yes_h + (1.0 - p) * b
    v = yes_h / p_yes
    top_yes = v if v > best else best
    v = (p - yes_h) / (1.0 - p_yes)
    top_no = v if v > best else best
    bits = 0.0
    if info:
        hy = _H.get(y)
        if hy is None:
            hy = _h(y)
        bits += -(p_yes * _log2(p_yes) + (1.0 - p_yes) * _log2(1.0 - p_yes)) - p * hy - (1.0 - p) * hb
    return 1.0 + p * (lr - 1.0), top_yes, top_no, bits


def _value(q: list[float], r: list[float], mh: dict[int, float], ch: dict[int, float], base: float,
           information: float) -> float:
    """Model 2.1's value of a yes/no question: the expected gain in the probability that the
    top muscle and the top condition are both right after the answer, plus ``information``
    times the expected information gain (bits).

    ``q`` and ``r`` are the best muscles' and the listed conditions' probabilities (each
    scored on its own against the background, as the engine scores them), most probable
    first; ``[1.0]`` for a variable with nothing listed. A "yes" has probability ``base`` x LR
    under a hypothesis it concerns (``mh``, ``ch``: index -> LR) and ``base`` otherwise; each
    concerned hypothesis moves by Bayes' rule on its own, and the chance of a "yes" is ``base``
    x the product over concerned hypotheses of (1 + p (LR - 1))."""
    b = _clip(base)
    hb = _h(b)
    info = information > 0.0
    if mh:
        fm, ym, nm, im = _side(q, mh, base, b, hb, info)
    else:
        fm, ym, nm, im = 1.0, q[0], q[0], 0.0
    if ch:
        fc, yc, nc, ic = _side(r, ch, base, b, hb, info)
    else:
        fc, yc, nc, ic = 1.0, r[0], r[0], 0.0
    py = _clip(base * fm * fc)
    gain = py * ym * yc + (1.0 - py) * nm * nc - q[0] * r[0] + information * (im + ic)
    return max(gain, 0.0)


class _Scorer:
    """The per-assessment invariants of :func:`_value` (the same arithmetic, in the same order)
    and the rows found so far: :meth:`gain` is ``_value(q, r, mh, ch, base, info)`` inlined, one
    hypothesis going through :func:`_single`; :meth:`add` scores a question and keeps it when
    it is worth asking. (A class rather than closures: compiled, its methods are direct calls.)"""

    __slots__ = ("q", "r", "q_other", "r_other", "q0", "r0", "q0r0", "info", "use_info", "by_base", "out", "empty",
                 "by_cond")

    def __init__(self, q: list[float], r: list[float], q_other: list[float], r_other: list[float], q0: float,
                 r0: float, q0r0: float, info: float, use_info: bool, by_base: dict[float, tuple[float, float]],
                 out: list[_Row], empty: dict[int, float]):
        self.q = q
        self.r = r
        self.q_other = q_other
        self.r_other = r_other
        self.q0 = q0
        self.r0 = r0
        self.q0r0 = q0r0
        self.info = info
        self.use_info = use_info
        self.by_base = by_base  # base rate -> (clipped, its entropy)
        self.out = out
        self.empty = empty
        #: (condition hypothesis, LR, "yes" rate) -> the value of a question that concerns that one
        #: condition and no muscle (many of the conditions' own ids share one: computed once)
        self.by_cond: dict[tuple[int, float, float], float] = {}

    def gain(self, mh: dict[int, float], ch: dict[int, float], base: float) -> float:
        by_base = self.by_base
        bh = by_base.get(base)
        if bh is None:
            b = 0.001 if base < 0.001 else 0.999 if base > 0.999 else base
            bh = by_base[base] = (b, _h(b))
        b, hb = bh
        use_info = self.use_info
        fm: float
        ym: float
        nm: float
        im: float
        if not mh:
            q0 = self.q0
            fm, ym, nm, im = 1.0, q0, q0, 0.0
        elif len(mh) == 1:
            for k, lr in mh.items():
                fm, ym, nm, im = _single(self.q[k], self.q_other[k], lr, base, b, hb, use_info)
        else:
            fm, ym, nm, im = _side(self.q, mh, base, b, hb, use_info)
        fc: float
        yc: float
        nc: float
        ic: float
        if not ch:
            r0 = self.r0
            fc, yc, nc, ic = 1.0, r0, r0, 0.0
        elif len(ch) == 1:
            for k, lr in ch.items():
                fc, yc, nc, ic = _single(self.r[k], self.r_other[k], lr, base, b, hb, use_info)
        else:
            fc, yc, nc, ic = _side(self.r, ch, base, b, hb, use_info)
        py = base * fm * fc
        py = 0.001 if py < 0.001 else 0.999 if py > 0.999 else py
        return py * ym * yc + (1.0 - py) * nm * nc - self.q0r0 + self.info * (im + ic)

    def add(self, cc: int, mh: dict[int, float], entry: tuple[dict[int, float], list[float]] | None,
            base: float) -> None:
        # a "yes" among people whom it does not concern: as published for the conditions that
        # use it, else from the assumed sensitivity
        if entry is None:
            ch = self.empty
        else:
            ch, base_rates = entry
            base = sum(base_rates) / len(base_rates)
        gain = self.gain(mh, ch, base)
        if gain > 1e-6:
            out = self.out
            out.append((-gain, cc, len(out), None, mh, ch))

    def add_condition_id(self, cc: int, entry: tuple[dict[int, float], list[float]]) -> None:
        """:meth:`add` for an id that no best muscle lists: a question about one condition has
        the value of its (condition, LR, "yes" rate), whichever id it is, so that is computed once."""
        ch, base_rates = entry
        if len(ch) != 1:
            self.add(cc, self.empty, entry, 0.0)
            return
        for ci, lr in ch.items():
            key = (ci, lr, base_rates[0])
            gain = self.by_cond.get(key)
            if gain is None:
                # sum / len of one rate, as add computes it (0 + rate, exact)
                gain = self.by_cond[key] = self.gain(self.empty, ch, sum(base_rates) / len(base_rates))
            if gain > 1e-6:
                out = self.out
                out.append((-gain, cc, len(out), None, self.empty, ch))


def next_questions(
    kb: Knowledge,
    tables: QuestionTables,
    intake: Intake,
    ranked: list[MuscleScore],
    diff: list[tuple[Cond, float, list[Feat], list[Feat]]],
    level: str,
    params: ModelParams,
    who: str | None = None,
    limit: int = MAX_NEXT_QUESTIONS,
) -> list[Candidate]:
    """The best unanswered questions, best first (at most
    :data:`~triggermap.vocabulary.MAX_NEXT_QUESTIONS`); ``who`` keeps only those that
    ``self`` or a ``clinician`` can answer."""
    if level == "emergency" or limit <= 0:  # nothing to ask (or none wanted: max_questions=0)
        return []
    # two "which is it" variables: the best muscles (alternative explanations of one myofascial
    # source, in proportion to their scores) and the first listed conditions (in proportion to
    # their probabilities); a variable with nothing in it is certain
    top = sorted(ranked[: params.question_muscles], key=lambda m: -m.score)
    conds = sorted(((c, p, fired) for c, p, fired, _denied in diff[: params.question_conditions]),
                   key=lambda t: -t[1])
    mass = sum(m.score for m in top)
    c_mass = sum(p for _c, p, _f in conds)
    if mass <= 0.0 and c_mass <= 0.0:
        return _relevant_flags(kb, tables, intake)[:1]
    q = [m.score for m in top] if mass > 0.0 else [1.0]
    r = [p for _c, p, _f in conds] if c_mass > 0.0 else [1.0]
    info = tables.information
    use_info = info > 0.0
    key_of = tables.key_of
    code_lr = tables.code_lr
    default_base = tables.default_base
    flags = _relevant_flags(kb, tables, intake)
    head = [flags[0]] if flags else []
    first = max(limit - len(head), 0)

    # per-assessment invariants of _value (the same arithmetic, in the same order): the
    # probability that is best when one hypothesis k is the one concerned, the product of the
    # two tops, and per base rate its clipped value and entropy
    q0, r0 = q[0], r[0]
    q0r0 = q0 * r0
    q_other = [q[1] if len(q) > 1 else 0.0, *([q0] * (len(q) - 1))]
    r_other = [r[1] if len(r) > 1 else 0.0, *([r0] * (len(r) - 1))]
    by_base: dict[float, tuple[float, float]] = {}
    out: list[_Row] = []
    empty: dict[int, float] = {}
    sc = _Scorer(q, r, q_other, r_other, q0, r0, q0r0, info, use_info, by_base, out, empty)

    # the conditions' unanswered ids (the first unfired feature of each condition that has it):
    # code -> (condition hypotheses with the LR of a "yes", their "yes" rates without the condition)
    con: dict[int, tuple[dict[int, float], list[float]]] = {}
    if c_mass > 0.0:
        cond_codes = tables.cond_codes[who]
        for ci, (c, _p, fired) in enumerate(conds):
            done = {key for f in fired for key in f.keys} if fired else None
            for cc, keys, lr, rate in cond_codes[c.id]:
                if done and not keys.isdisjoint(done):
                    continue
                entry = con.get(cc)
                if entry is None:
                    con[cc] = ({ci: lr}, [rate])
                elif ci not in entry[0]:
                    entry[0][ci] = lr
                    entry[1].append(rate)
    skip: set[int] = set()
    code = tables.code
    for field in _ASKED:
        for i in intake.answered(field):
            answered = code.get((field, i))
            if answered is not None:
                skip.add(answered)
    # the muscles' ids: each muscle hypothesis that lists an id is concerned with the LR of its
    # list. An id of one muscle only that no condition asks about has the value of its list for
    # that muscle, the same for all such ids: it is computed once, and only the first ``first``
    # ids of the list (in key order, which breaks the tie) can be chosen
    seen: frozenset[int] = frozenset()
    if mass > 0.0:
        sets = [tables.muscle_codes[who][m.muscle] for m in top]
        multi: set[int] = set()
        for codes in sets:
            if seen:
                multi |= seen & codes
            seen = seen | codes
        for cc in sorted(multi):
            if cc not in skip:
                lr = code_lr[cc]
                sc.add(cc, {k: lr for k, codes in enumerate(sets) if cc in codes}, con.get(cc),
                    default_base[key_of[cc][0]])
        groups = tables.muscle_groups[who]
        for k, m in enumerate(top):
            for _field, lr, base, codes_in_order in groups[m.muscle]:
                taken = 0
                value: float | None = None
                for cc in codes_in_order:
                    if cc in multi or cc in skip:
                        continue
                    entry = con.get(cc)
                    if entry is not None:
                        sc.add(cc, {k: lr}, entry, base)
                        continue
                    if taken >= first:
                        continue
                    if value is None:
                        value = sc.gain({k: lr}, empty, base)
                    if value <= 1e-6:
                        continue
                    out.append((-value, cc, len(out), None, {k: lr}, empty))
                    taken += 1
    # the conditions' own ids (no muscle lists them)
    for cc, entry in con.items():
        if cc not in seen and cc not in skip:
            sc.add_condition_id(cc, entry)
    # palpation of the best muscles, on the side the drawing points to (by the person, pressing
    # the spot, when the muscle has a self-release item: it is within reach of their own hands)
    if mass > 0.0 and len(top) > 1:
        palpated = {(p.muscle, p.side) for p in intake.palpation}
        lr_p = tables.lr_palpation
        p_base = tables.palpation_base
        pb = _clip(p_base)
        phb = _h(pb)
        palpation_code = tables.palpation_code
        for k, m in enumerate(top):
            by, midline = tables.palpation[m.muscle]
            if who is not None and by != who:
                continue
            sides: tuple[str | None, ...] = (None,) if midline else (("left", "right") if m.side in ("both", None)
                                                                    else (m.side,))
            if palpated and all((m.muscle, s) in palpated for s in sides):
                continue
            # _value(q, r, {k: lr_p}, {}, p_base, info), in the same order
            fm, ym, nm, im = _single(q[k], q_other[k], lr_p, p_base, pb, phb, use_info)
            py = p_base * fm * 1.0
            py = 0.001 if py < 0.001 else 0.999 if py > 0.999 else py
            gain = py * ym * r0 + (1.0 - py) * nm * r0 - q0r0 + info * (im + 0.0)
            if gain > 1e-6:
                side = None if midline else ("both" if len(sides) == 2 else sides[0])
                out.append((-gain, palpation_code[m.muscle], len(out), side, {k: lr_p}, empty))
    _sort_rows(out, first)
    chosen = (head + [Candidate(*key_of[cc], side, -neg, mh, ch) for neg, cc, _i, side, mh, ch in out[:first]])[:limit]
    for cand in chosen:  # what a "yes" points to, most probable first (for the why)
        if cand.field != "red_flags":
            pro = [(q[k], top[k].muscle) for k, lr in cand.muscles.items() if lr > 1.0]
            pro += [(conds[c][1], conds[c][0].id) for c, lr in cand.conds.items() if lr > 1.0]
            pro.sort(key=lambda t: -t[0])
            cand.for_ids = [i for _w, i in pro[:2]]
    return chosen


def _relevant_flags(kb: Knowledge, tables: QuestionTables, intake: Intake) -> list[Candidate]:
    """The most severe unanswered red flag that the drawing makes relevant (by id among equals),
    as a list of at most one: only one is ever asked."""
    relevance = tables.relevance
    relevant: set[str] = set()
    for mark in intake.pain:
        if mark.intensity > 0:
            relevant.update(relevance.get(mark.region, ()))
    relevant -= intake.answered("red_flags")
    if not relevant:
        return []
    f = min(relevant, key=tables.flag_order.__getitem__)
    return [Candidate("red_flags", f, None, 0.0, for_ids=list(kb.red_flags[f].conditions[:2]))]


def palpation_who(kb: Knowledge, muscle: str) -> str:
    """``self`` when the person can press the muscle (it has a self-release item), else ``clinician``."""
    for eid in kb.muscles[muscle].self_care:
        ex = kb.exercises.get(eid)
        if ex is not None and ex.kind == "self-release":
            return "self"
    return "clinician"


def question(kb: Knowledge, c: Candidate, ranked: list[MuscleScore]) -> Question:
    """One ``next_questions`` item of the contract, in no language yet."""
    names = tuple(Inline(_name(kb, i)) for i in c.for_ids)
    text: Phrase
    why: Phrase
    if c.field == "red_flags":
        text = Ref(("red_flags", c.value, "question"))
        why = Say("why-red-flag", (("what", Join(", ", names) if names else Ref(("red_flags", c.value, "label"))),))
        who = "self"
    elif c.field == "palpation":
        m = kb.muscles[c.value]
        best = next((s for s in ranked if s.muscle == c.value), None)
        tp_id = best.pattern.trigger_points[0] if best is not None else m.trigger_points[0].id
        who = palpation_who(kb, c.value)
        where = Inline(Ref(("trigger_points", tp_id, 1, "landmark")), ". ")
        name = Inline(Ref(("muscles", c.value, "names")))
        key = "ask-palpation" if who == "clinician" else "ask-self-palpation"
        text = Say(key, (("muscle", name), ("where", where)))
        why = Say("why-palpation", (("muscle", name),))
    else:
        item = kb.vocab[c.field][c.value]
        if item.question:
            text = Ref(("vocab", c.field, c.value, "question"))
        else:
            text = Say(f"ask-{c.field}", (("label", Ref(("vocab", c.field, c.value, "label"))),))
        who = _who(kb.vocab, c.field, c.value)
        why = Say("why-question", (("what", Join(" / ", names)),)) if names else Say("why-question-against")
    return Question(c.field, c.value, c.side, who, round(c.gain, 4), text, why)


def _name(kb: Knowledge, i: str) -> Ref:
    if i in kb.muscles:
        return Ref(("muscles", i, "names"))
    return Ref(("conditions", i, "name"))
