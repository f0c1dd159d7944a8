"""Free-text parser benchmark: parse latency over the evaluation texts (bench/parse, bench/parse-heldout).

    python bench/bench_parse.py [--rounds N] [--json]

A benchmark, not a test: it prints figures and asserts nothing. Target (issue 14): p50 < 2 ms per text.
Each text is parsed once per round, in a fresh order; the lexicons and the knowledge base are loaded
before timing (they load once per process).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from triggermap.knowledge import load  # noqa: E402
from triggermap.text import ParseError, load_lexicon, parse_text  # noqa: E402
from triggermap.text.evaluate import load_sets  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    kb = load()
    texts: list[tuple[str, str]] = []
    for folder in (ROOT / "bench" / "parse", ROOT / "bench" / "parse-heldout"):
        for lang, cases in load_sets(folder).items():
            load_lexicon(lang)
            texts += [(lang, c["text"]) for c in cases]
    times: dict[str, list[float]] = {"en": [], "es": []}
    rng = random.Random(14)
    for _ in range(args.rounds):
        rng.shuffle(texts)
        for lang, text in texts:
            t0 = time.perf_counter()
            with contextlib.suppress(ParseError):
                parse_text(text, lang, kb)
            times[lang].append(time.perf_counter() - t0)
    out = {}
    for lang, ts in times.items():
        ts.sort()
        out[lang] = {
            "texts": len(ts) // args.rounds,
            "p50_ms": 1000 * statistics.median(ts),
            "p95_ms": 1000 * ts[int(0.95 * (len(ts) - 1))],
            "mean_chars": statistics.mean(len(t) for lg, t in texts if lg == lang),
        }
    # long texts of many body parts and sides, up to the 20,000-character limit: the time should
    # grow about linearly with the length (an adversarial run found it quadratic: 10 s at 20,000)
    long: dict[str, list[float]] = {}
    for unit in ("left calf ", "left calf,", "left right both calf buttock low back "):
        for chars in (2_500, 5_000, 10_000, 20_000):
            text = (unit * (chars // len(unit) + 1))[: chars - 1]
            t0 = time.perf_counter()
            with contextlib.suppress(ParseError):
                parse_text(text, "en", kb)
            long.setdefault(repr(unit), []).append(round(1000 * (time.perf_counter() - t0), 1))
    out["long_texts_ms_at_2500_5000_10000_20000_chars"] = long
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        for lang, r in out.items():
            if lang.startswith("long"):
                for unit, ms in r.items():
                    print(f"long text of {unit} repeated, 2,500 / 5,000 / 10,000 / 20,000 characters: {ms} ms")
                continue
            print(f"{lang}: {r['texts']} texts x {args.rounds} rounds, {r['mean_chars']:.0f} characters on average: "
                  f"p50 {r['p50_ms']:.2f} ms, p95 {r['p95_ms']:.2f} ms")


if __name__ == "__main__":
    main()
