"""Snapshot every assessment document the project can make of its own inputs, to compare two versions.

Issue 8's rebuild must not change what users get: run this before and after a change and compare
the two files (``cmp`` or ``diff``)::

    python bench/snapshot.py /tmp/before.jsonl
    ... change ...
    python bench/snapshot.py /tmp/after.jsonl && cmp /tmp/before.jsonl /tmp/after.jsonl

One line per (input, language, who): the 7,068 CHOIR drawings and every case in ``bench/cases``
(each case's intake, in English and Spanish, with next questions for anyone, the person and the
clinician). Keys are sorted and scores are written as the engine rounds them, so a difference is a
difference in the document.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from bench_engine import choir_intakes  # noqa: E402


def case_intakes() -> list[tuple[str, dict]]:
    import yaml

    out = []
    for p in sorted((ROOT / "bench" / "cases").glob("*.yaml")):
        case = yaml.safe_load(p.read_text(encoding="utf-8"))
        out.append((p.stem, case["intake"]))
    return out


def main(path: str) -> int:
    import triggermap
    from triggermap.engine import IntakeError

    engine = triggermap.Engine()
    # Engine.document (language-neutral Engine.assess + localise) or, before it, Engine.assess
    document = getattr(engine, "document", engine.assess)
    n = 0
    with open(path, "w", encoding="utf-8") as fh:
        for i, intake in enumerate(choir_intakes()):
            for lang in ("en", "es"):
                doc = document(intake, lang)
                fh.write(json.dumps({"in": f"choir-{i}", "lang": lang, "doc": doc}, sort_keys=True,
                                    ensure_ascii=False) + "\n")
                n += 1
        for name, intake in case_intakes():
            for lang in ("en", "es"):
                for who in (None, "self", "clinician"):
                    try:
                        doc = document(intake, lang, who=who)
                    except IntakeError as exc:
                        doc = {"error": exc.to_dict()}
                    fh.write(json.dumps({"in": name, "lang": lang, "who": who, "doc": doc}, sort_keys=True,
                                        ensure_ascii=False) + "\n")
                    n += 1
    print(f"{n} documents -> {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1] if len(sys.argv) > 1 else "snapshot.jsonl"))
