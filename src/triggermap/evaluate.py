"""Evaluate the engine on textbook cases: top-1/top-3 accuracy, triage sensitivity/specificity.

A case file (YAML) holds ``id``, ``title``, ``source`` (``refs``: reference ids, ``note``),
``intake`` (a contract intake) and ``expect``: ``triage`` (the level a careful clinician
would choose), and ``muscles`` and/or ``conditions``: the acceptable top answers, best first.
A muscle case is a top-1 hit when the engine's first muscle is any of ``expect.muscles``
listed as ``primary`` (default: the first one), and a top-3 hit when any of the primaries
is among its first three. Conditions are scored the same way on the condition list.
Triage counts ``emergency`` and ``urgent`` as positive (needs medical care soon).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .vocabulary import LEVEL_RANK, LEVELS_SEVERE_FIRST

#: the levels that count as positive: urgent and above
URGENT = tuple(level for level in LEVELS_SEVERE_FIRST if LEVEL_RANK[level] >= LEVEL_RANK["urgent"])


def default_cases_dir() -> Path:
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent / "bench" / "cases"
        if candidate.is_dir():
            return candidate
    return Path("bench/cases")


def load_cases(folder: Path) -> list[dict[str, Any]]:
    import yaml

    cases = []
    for p in sorted(folder.glob("*.yaml")):
        with open(p, encoding="utf-8") as fh:
            case = yaml.safe_load(fh)
        case["_file"] = p.name
        cases.append(case)
    return cases


def _primaries(expect: dict[str, Any], key: str) -> list[str]:
    items = expect.get(key) or []
    primary = expect.get(f"primary_{key}")
    if primary:
        return list(primary)
    return items[:1]


def evaluate_cases(cases: list[dict[str, Any]]) -> dict[str, Any]:
    from .assess import assess
    from .knowledge import load

    kb = load()
    rows = []
    for case in cases:
        result = assess(case["intake"], kb)
        expect = case["expect"]
        row: dict[str, Any] = {
            "id": case["id"],
            "file": case.get("_file"),
            "expected_triage": expect["triage"],
            "triage": result["triage"]["level"],
        }
        for key, got in (
            ("muscles", [m["id"] for m in result["muscles"]]),
            ("conditions", [c["id"] for c in result["conditions"]]),
        ):
            want = _primaries(expect, key)
            if want:
                row[f"{key}_expected"] = want
                row[f"{key}_got"] = got[:3]
                row[f"{key}_top1"] = bool(got) and got[0] in want
                row[f"{key}_top3"] = any(w in got[:3] for w in want)
        rows.append(row)
    return summarise(rows)


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    def rate(key: str) -> dict[str, Any]:
        vals = [r[key] for r in rows if key in r]
        return {"n": len(vals), "hits": sum(vals), "rate": round(sum(vals) / len(vals), 3) if vals else None}

    tp = sum(1 for r in rows if r["expected_triage"] in URGENT and r["triage"] in URGENT)
    fn = sum(1 for r in rows if r["expected_triage"] in URGENT and r["triage"] not in URGENT)
    tn = sum(1 for r in rows if r["expected_triage"] not in URGENT and r["triage"] not in URGENT)
    fp = sum(1 for r in rows if r["expected_triage"] not in URGENT and r["triage"] in URGENT)
    under = [r["id"] for r in rows if LEVEL_RANK[r["triage"]] < LEVEL_RANK[r["expected_triage"]]]
    exact = sum(1 for r in rows if r["triage"] == r["expected_triage"])
    return {
        "cases": len(rows),
        "muscles_top1": rate("muscles_top1"),
        "muscles_top3": rate("muscles_top3"),
        "conditions_top1": rate("conditions_top1"),
        "conditions_top3": rate("conditions_top3"),
        "triage": {
            "sensitivity": round(tp / (tp + fn), 3) if tp + fn else None,
            "specificity": round(tn / (tn + fp), 3) if tn + fp else None,
            "tp": tp,
            "fn": fn,
            "tn": tn,
            "fp": fp,
            "exact_level": exact,
            "under_triaged": under,
        },
        "rows": rows,
    }


def evaluate_dir(folder: Path) -> dict[str, Any]:
    return evaluate_cases(load_cases(folder))


def format_report(res: dict[str, Any]) -> str:
    def pct(r: dict[str, Any]) -> str:
        return f"{r['hits']}/{r['n']} = {r['rate']:.0%}" if r["n"] else "n/a"

    t = res["triage"]
    lines = [
        f"cases: {res['cases']}",
        f"muscles    top-1: {pct(res['muscles_top1'])}   top-3: {pct(res['muscles_top3'])}",
        f"conditions top-1: {pct(res['conditions_top1'])}   top-3: {pct(res['conditions_top3'])}",
        f"triage (urgent or emergency = positive): sensitivity {t['sensitivity']}  specificity {t['specificity']}"
        f"  (TP {t['tp']}, FN {t['fn']}, TN {t['tn']}, FP {t['fp']}); exact level {t['exact_level']}/{res['cases']}",
    ]
    if t["under_triaged"]:
        lines.append("UNDER-TRIAGED: " + ", ".join(t["under_triaged"]))
    misses = [
        r
        for r in res["rows"]
        if ("muscles_top3" in r and not r["muscles_top3"]) or ("conditions_top3" in r and not r["conditions_top3"])
    ]
    for r in misses:
        got = r.get("muscles_got") if "muscles_top3" in r and not r["muscles_top3"] else r.get("conditions_got")
        want = r.get("muscles_expected") if "muscles_top3" in r and not r["muscles_top3"] else r.get(
            "conditions_expected"
        )
        lines.append(f"  miss {r['id']}: expected {want}, got {got}")
    return "\n".join(lines)


def evaluate_parse(folder: Path | None = None) -> dict[str, Any]:
    """The free-text parser against bench/parse (``triggermap evaluate --parse``; see triggermap.text.evaluate)."""
    from .text.evaluate import evaluate_parse as run

    return run(folder)


def format_parse_report(res: dict[str, Any]) -> str:
    from .text.evaluate import format_report as fmt

    return fmt(res, show_failures=True)
