"""Model 2.1's next questions as computed before session 6's speed pass (every candidate scored,
then sorted), kept verbatim as the reference that the fast path must equal to the last bit
(tests/test_questions_fast.py). Not used by the package."""

from __future__ import annotations

from typing import TYPE_CHECKING

from triggermap.engine.questions import (
    _ASKED,
    Candidate,
    _clip,
    _h,
    _relevant_flags,
    _side,
    _single,
    _sort_rows,
)
from triggermap.vocabulary import MAX_NEXT_QUESTIONS

if TYPE_CHECKING:
    from triggermap.engine.differential import Cond, Feat
    from triggermap.engine.intake import Intake
    from triggermap.engine.params import ModelParams
    from triggermap.engine.questions import QuestionTables
    from triggermap.engine.rank import MuscleScore
    from triggermap.knowledge import Knowledge

_Row = tuple[float, str, str, int, str | None, dict[int, float], dict[int, float]]


def next_questions_reference(
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
    if level == "emergency":
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
    muscle_asks = tables.muscle_asks[who]
    cond_asks = tables.cond_asks[who]

    # the hypotheses each unanswered id concerns, with the likelihood ratio of a "yes": the
    # muscles that list it, and the conditions with an unfired feature that has it (the first
    # such feature of each condition), with the feature's "yes" rate without the condition
    mus: dict[tuple[str, str], dict[int, float]] = {}
    #: id -> (condition hypotheses, their "yes" rates without the condition, in the same order)
    con: dict[tuple[str, str], tuple[dict[int, float], list[float]]] = {}
    if mass > 0.0:
        for k, m in enumerate(top):
            for key, lr in muscle_asks[m.muscle]:
                hyps = mus.get(key)
                if hyps is None:
                    mus[key] = {k: lr}
                else:
                    hyps[k] = lr
    if c_mass > 0.0:
        for ci, (c, _p, fired) in enumerate(conds):
            done = {key for f in fired for key in f.keys} if fired else None
            for key, keys, lr, rate in cond_asks[c.id]:
                if done and not keys.isdisjoint(done):
                    continue
                entry = con.get(key)
                if entry is None:
                    con[key] = ({ci: lr}, [rate])
                elif ci not in entry[0]:
                    entry[0][ci] = lr
                    entry[1].append(rate)
    skip = {(field, i) for field in _ASKED for i in intake.answered(field)}
    empty: dict[int, float] = {}
    todo = [(key, mh, con.get(key)) for key, mh in mus.items() if key not in skip]
    todo += [(key, empty, entry) for key, entry in con.items() if key not in mus and key not in skip]
    # a Candidate is made only for the chosen ones
    out: list[_Row] = []
    default_base = tables.default_base
    # per-assessment invariants of _value (the same arithmetic, in the same order): the
    # probability that is best when one hypothesis k is the one concerned, the product of the
    # two tops, and per base rate its clipped value and entropy
    q0, r0 = q[0], r[0]
    q0r0 = q0 * r0
    q_other = [q[1] if len(q) > 1 else 0.0, *([q0] * (len(q) - 1))]
    r_other = [r[1] if len(r) > 1 else 0.0, *([r0] * (len(r) - 1))]
    by_base: dict[float, tuple[float, float]] = {}
    use_info = info > 0.0
    for key, mh, entry in todo:
        # a "yes" among people whom it does not concern: as published for the conditions that
        # use it, else from the assumed sensitivity
        if entry is None:
            ch = empty
            base = default_base[key[0]]
        else:
            ch, base_rates = entry
            base = sum(base_rates) / len(base_rates)
        # _value(q, r, mh, ch, base, info), inlined; a question about one hypothesis goes through _single
        bh = by_base.get(base)
        if bh is None:
            b = 0.001 if base < 0.001 else 0.999 if base > 0.999 else base
            bh = by_base[base] = (b, _h(b))
        b, hb = bh
        if not mh:
            fm, ym, nm, im = 1.0, q0, q0, 0.0
        elif len(mh) == 1:
            ((k, lr),) = mh.items()
            fm, ym, nm, im = _single(q[k], q_other[k], lr, base, b, hb, use_info)
        else:
            fm, ym, nm, im = _side(q, mh, base, b, hb, use_info)
        if not ch:
            fc, yc, nc, ic = 1.0, r0, r0, 0.0
        elif len(ch) == 1:
            ((k, lr),) = ch.items()
            fc, yc, nc, ic = _single(r[k], r_other[k], lr, base, b, hb, use_info)
        else:
            fc, yc, nc, ic = _side(r, ch, base, b, hb, use_info)
        py = base * fm * fc
        py = 0.001 if py < 0.001 else 0.999 if py > 0.999 else py
        gain = py * ym * yc + (1.0 - py) * nm * nc - q0r0 + info * (im + ic)
        if gain > 1e-6:
            out.append((-gain, key[0], key[1], len(out), None, mh, ch))
    # palpation of the best muscles, on the side the drawing points to (by the person, pressing
    # the spot, when the muscle has a self-release item: it is within reach of their own hands)
    if mass > 0.0 and len(top) > 1:
        palpated = {(p.muscle, p.side) for p in intake.palpation}
        lr_p = tables.lr_palpation
        p_base = tables.palpation_base
        pb = _clip(p_base)
        phb = _h(pb)
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
                hyp = {k: lr_p}
                side = None if midline else ("both" if len(sides) == 2 else sides[0])
                out.append((-gain, "palpation", m.muscle, len(out), side, hyp, empty))
    flags = _relevant_flags(kb, tables, intake)
    head = [flags[0]] if flags else []
    first = max(limit - len(head), 0)
    _sort_rows(out, first)
    chosen = (head + [Candidate(field, value, side, -neg, mh, ch)
                      for neg, field, value, _i, side, mh, ch in out[:first]])[:limit]
    for cand in chosen:  # what a "yes" points to, most probable first (for the why)
        if cand.field != "red_flags":
            pro = [(q[k], top[k].muscle) for k, lr in cand.muscles.items() if lr > 1.0]
            pro += [(conds[c][1], conds[c][0].id) for c, lr in cand.conds.items() if lr > 1.0]
            pro.sort(key=lambda t: -t[0])
            cand.for_ids = [i for _w, i in pro[:2]]
    return chosen
