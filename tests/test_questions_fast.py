"""The fast paths of next questions give exactly what the reference functions give."""

from __future__ import annotations

import random

from triggermap.engine.questions import _clip, _h, _row_key, _side, _single, _sort_rows


def test_the_single_hypothesis_path_is_side_to_the_last_bit():
    rng = random.Random(7)
    for _ in range(5000):
        n = rng.randint(1, 8)
        ps = sorted((rng.random() for _ in range(n)), reverse=True)
        k = rng.randrange(n)
        lr = rng.choice((1.3, 1.5, 1.6, 2.0, 8.0, 0.2, rng.uniform(0.05, 20.0)))
        base = rng.choice((0.0005, 0.3125, 0.999, rng.random()))
        b = _clip(base)
        best = next((p for i, p in enumerate(ps) if i != k), 0.0)
        for info in (True, False):
            assert _single(ps[k], best, lr, base, b, _h(b), info) == _side(ps, {k: lr}, base, b, _h(b), info)


def test_the_returned_rows_are_those_of_the_rounded_sort():
    rng = random.Random(11)
    for _ in range(2000):
        values = [rng.choice((0.1, 0.2, 0.3)) + rng.choice((0.0, 1e-12, -1e-12, 3e-10, 2e-9, 5e-9))
                  for _ in range(rng.randint(0, 30))]
        rows = [(-v, rng.choice(("findings", "palpation")), f"id{rng.randrange(6)}", i, None, {}, {})
                for i, v in enumerate(values)]
        for first in (0, 1, 2, 3, len(rows)):
            got = list(rows)
            _sort_rows(got, first)
            assert got[:first] == sorted(rows, key=_row_key)[:first]


# ----------------------------------------------------------------- the fast path against the reference

def _inputs(kb, doc):
    from triggermap.engine import parse_intake
    from triggermap.engine.core import engine_for
    from triggermap.engine.differential import differential
    from triggermap.engine.rank import rank_muscles

    eng = engine_for(kb)
    prep = eng._prep
    intake = parse_intake(doc, kb)
    diff = differential(prep.conditions, intake)
    ranked = rank_muscles(prep.index, intake, prep.params.max_muscles)
    return prep, intake, ranked, diff, eng.assess(intake).level


def _as_tuples(cands):
    return [(c.field, c.value, c.side, c.gain, c.for_ids, c.muscles, c.conds) for c in cands]


def _same_as_reference(kb, doc) -> int:
    from questions_reference import next_questions_reference
    from triggermap.engine.questions import next_questions

    prep, intake, ranked, diff, level = _inputs(kb, doc)
    n = 0
    for who in (None, "self", "clinician"):
        for limit in (0, 1, 3, 500):
            args = (kb, prep.questions, intake, ranked, diff, level, prep.params, who, limit)
            got = _as_tuples(next_questions(*args))
            assert got == _as_tuples(next_questions_reference(*args)), (doc, who, limit)
            n += len(got)
    return n


def test_the_fast_path_equals_the_reference_on_every_case_and_on_choir_drawings(kb):
    """Every candidate, its value to the last bit, its order, its hypotheses and its why, for
    each asker and list length (500: the whole ranked list), on every bench case (answers,
    "no" answers and palpation included) and on a spread of CHOIR drawings."""
    import csv

    import yaml

    from tmhelpers import CHOIR_DIR, ROOT

    docs = [yaml.safe_load(p.read_text(encoding="utf-8"))["intake"] for p in sorted((ROOT / "bench" / "cases").glob("*.yaml"))]
    with open(CHOIR_DIR / "choir_validation_7068.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows[::35]:
        docs.append({"version": 1, "choir": [int(c) for c in row["bodymap_regions_csv"].split(",") if c.strip()]})
    total = sum(_same_as_reference(kb, d) for d in docs)
    assert total > 10 * len(docs)  # the lists are not trivially empty


def test_a_broken_fast_path_is_caught(kb, monkeypatch):
    """The comparison can fail: a fast path that drops the last candidate of the full list differs."""
    import pytest

    import triggermap.engine.questions as Q
    from tmhelpers import ARTICLE

    real = Q.next_questions
    monkeypatch.setattr(Q, "next_questions", lambda *a: real(*a)[:-1] if a[-1] == 500 else real(*a))
    with pytest.raises(AssertionError):
        _same_as_reference(kb, ARTICLE)


def _answer_intakes():
    from hypothesis import strategies as st

    from tmstrategies import pain_marks
    from triggermap.knowledge import load

    kb = load()

    def some(field):
        return st.lists(st.sampled_from(sorted(kb.vocab[field])), max_size=4, unique=True)

    @st.composite
    def draw_intake(draw):
        doc = {"version": 1, "pain": draw(st.lists(pain_marks(kb), min_size=1, max_size=10))}
        for field in ("qualities", "aggravating", "findings", "history"):
            given = draw(some(field))
            doc[field] = given
            no = [i for i in draw(some(field)) if i not in given]
            if no:
                doc.setdefault("absent", {})[field] = no
        return doc

    return draw_intake()


def test_the_fast_path_equals_the_reference_on_random_answers(kb):
    from hypothesis import HealthCheck, given, settings

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(_answer_intakes())
    def check(doc):
        _same_as_reference(kb, doc)

    check()
