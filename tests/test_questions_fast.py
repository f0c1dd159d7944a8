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
