"""``triggermap evaluate --parse``: the free-text parser against bench/parse/*.yaml.

Per language: region precision and recall over (region, side) pairs, red-flag recall, denied red
flags that were set (must be 0), duration accuracy (within 25 % or half a week of the expected
value; ``duration_weeks: null`` expects none: "it hurts for a few minutes at a time"), how many
intakes were valid, and the parse time (median and 95th percentile). Cases may also give
``intensity`` (the value every expected region that was drawn should carry: intensity accuracy) and
``absent`` (denied ids by category: absent recall, and denied ids that were set anyway).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .parser import ParseError, parse_text

if TYPE_CHECKING:
    from ..knowledge import Knowledge

#: shorthands in the expectations for words that stand for several regions
GROUPS = {
    "buttock": ("buttock-upper-inner", "buttock-upper-outer", "buttock-lower-inner", "buttock-lower-outer"),
    "ankle": ("ankle-lateral", "ankle-medial"),
    "wrist": ("wrist-front", "wrist-back"),
    "hand": ("palm", "hand-back"),
    "forearm": ("forearm-front", "forearm-back"),
    "fingers": ("fingers-radial", "fingers-ulnar"),
    "toes": ("big-toe", "lesser-toes"),
    "back-of-leg": ("thigh-posterior", "calf"),
}
SIDES = {"L": ("left",), "R": ("right",), "B": ("left", "right")}


def default_dir() -> Path:
    return Path(__file__).resolve().parents[3] / "bench" / "parse"


def expected_pairs(items: list[str]) -> set[tuple[str, str | None]]:
    out: set[tuple[str, str | None]] = set()
    for item in items:
        region, _, side = item.partition(":")
        regions = GROUPS.get(region, (region,))
        sides: tuple[str | None, ...] = SIDES[side] if side else (None,)
        out.update((r, s) for r in regions for s in sides)
    return out


def got_pairs(intake: dict[str, Any]) -> set[tuple[str, str | None]]:
    out: set[tuple[str, str | None]] = set()
    for p in intake.get("pain", []):
        if p.get("intensity") == 0:
            continue  # said not to hurt
        side = p.get("side")
        for s in ("left", "right") if side == "both" else (side,):
            out.add((p["region"], s))
    return out


ABSENT_FIELDS = ("qualities", "aggravating", "findings", "red_flags", "history")


def got_absent(doc: dict[str, Any]) -> set[tuple[str, str]]:
    """Denied ids: the intake's ``absent`` when the intake parser accepts it, else the evidence."""
    out = {(f, i) for f, ids in (doc["intake"].get("absent") or {}).items() for i in ids}
    for ev in doc.get("evidence", []):
        field = str(ev.get("field", ""))
        if field.startswith("absent.") and field[7:] in ABSENT_FIELDS:
            out.add((field[7:], str(ev["value"])))
    return out


#: the keys of one free-text case and what each holds (checked when a set is read)
_CASE_KEYS: dict[str, tuple[type, ...]] = {
    "text": (str,), "pain": (list,), "red_flags": (list,), "denied": (list,), "duration_weeks": (int, float, type(None)),
    "intensity": (int,), "absent": (dict,), "error": (bool,), "note": (str,),
}


def _check_set(doc: Any, name: str) -> tuple[str, list[dict[str, Any]]]:
    """One evaluation file: ``lang`` and a list of ``cases``, each with a ``text`` (InputError naming the field)."""
    from ..documents import InputError
    from ..vocabulary import LANGS

    if not isinstance(doc, dict):
        raise InputError(f"{name}: (document)", "must be a mapping with lang and cases")
    if doc.get("lang") not in LANGS:
        raise InputError(f"{name}: lang", f"must be one of {', '.join(LANGS)}, got {doc.get('lang')!r}")
    cases = doc.get("cases")
    if not isinstance(cases, list):
        raise InputError(f"{name}: cases", "must be a list of cases")
    for i, case in enumerate(cases):
        if not isinstance(case, dict) or not isinstance(case.get("text"), str):
            raise InputError(f"{name}: cases[{i}].text", "is required: each case is a mapping with the text to parse")
        for key, value in case.items():
            kinds = _CASE_KEYS.get(key)
            if kinds is None:
                raise InputError(f"{name}: cases[{i}].{key}", f"unknown key; allowed: {', '.join(_CASE_KEYS)}")
            if not isinstance(value, kinds) or (kinds == (int,) and isinstance(value, bool)):
                raise InputError(f"{name}: cases[{i}].{key}", f"has the wrong type ({type(value).__name__})")
            if isinstance(value, list) and not all(isinstance(v, str) for v in value):
                raise InputError(f"{name}: cases[{i}].{key}", "must be a list of strings")
    return doc["lang"], cases


def load_sets(folder: Path) -> dict[str, list[dict[str, Any]]]:
    """The evaluation files of ``folder`` (``*.yaml``) by language, each checked (:func:`_check_set`)."""
    from ..documents import InputError, read_named

    files = sorted(folder.glob("*.yaml"))
    if not files:
        raise InputError("cases", f"{str(folder)!r} holds no free-text evaluation files (*.yaml)")
    sets: dict[str, list[dict[str, Any]]] = {}
    for f in files:
        lang, cases = _check_set(read_named(f), f.name)
        sets.setdefault(lang, []).extend(cases)
    return sets


def evaluate_parse(folder: Path | None = None, kb: Knowledge | None = None) -> dict[str, Any]:
    from ..engine import assess, parse_intake

    if kb is None:
        from ..knowledge import load

        kb = load()
    folder = folder or default_dir()
    result: dict[str, Any] = {}
    for lang, cases in load_sets(folder).items():
        tp = fp = fn = 0
        rf_expected = rf_found = 0
        denied_total = denied_set = 0
        dur_total = dur_ok = 0
        int_total = int_ok = 0
        abs_total = abs_found = abs_set = 0
        valid = invalid = errors_expected = errors_ok = 0
        times: list[float] = []
        failures: list[dict[str, Any]] = []
        for case in cases:
            text = case["text"]
            t0 = time.perf_counter()
            try:
                doc = parse_text(text, lang, kb)
            except ParseError:
                doc = None
            times.append(time.perf_counter() - t0)
            want = expected_pairs(case.get("pain", []))
            want_rf = set(case.get("red_flags", []))
            denied = set(case.get("denied", []))
            if case.get("error"):
                errors_expected += 1
                errors_ok += doc is None
            intake = doc["intake"] if doc else {}
            if doc is not None:
                try:
                    assess(parse_intake(intake, kb), kb, lang)
                    valid += 1
                except Exception:  # noqa: BLE001 - counted as an invalid intake
                    invalid += 1
            got = got_pairs(intake)
            got_rf = set(intake.get("red_flags", []))
            tp += len(want & got)
            fp += len(got - want)
            fn += len(want - got)
            rf_expected += len(want_rf)
            rf_found += len(want_rf & got_rf)
            denied_total += len(denied)
            denied_set += len(denied & got_rf)
            dur_ok_case = True
            if "duration_weeks" in case:
                dur_total += 1
                g = intake.get("duration_weeks")
                if case["duration_weeks"] is None:
                    dur_ok_case = g is None  # "it hurts for a few minutes at a time": no duration
                else:
                    w = float(case["duration_weeks"])
                    dur_ok_case = g is not None and abs(g - w) <= max(0.5, 0.25 * w)
                dur_ok += dur_ok_case
            int_ok_case = True
            if "intensity" in case:
                by_pair = {}
                for item in intake.get("pain", []):
                    side = item.get("side")
                    for s_ in ("left", "right") if side == "both" else (side,):
                        by_pair[(item["region"], s_)] = item.get("intensity", 5)
                for pair in sorted(want & got, key=str):
                    int_total += 1
                    ok = by_pair[pair] == case["intensity"]
                    int_ok += ok
                    int_ok_case &= ok
            want_abs = {(f, i) for f, ids in (case.get("absent") or {}).items() for i in ids}
            have_abs = got_absent(doc) if doc else set()
            set_abs = {(f, i) for f, i in want_abs if i in intake.get(f, [])}
            abs_total += len(want_abs)
            abs_found += len(want_abs & have_abs)
            abs_set += len(set_abs)
            if (want != got or not want_rf <= got_rf or denied & got_rf or not dur_ok_case or not int_ok_case
                    or want_abs - have_abs or set_abs):
                failures.append({
                    "text": text,
                    "missing": sorted(f"{r}:{s}" for r, s in want - got),
                    "extra": sorted(f"{r}:{s}" for r, s in got - want),
                    "red_flags_missing": sorted(want_rf - got_rf),
                    "denied_set": sorted(denied & got_rf),
                    "duration": [case.get("duration_weeks"), intake.get("duration_weeks")],
                    "duration_ok": dur_ok_case,
                    "intensity": [] if int_ok_case else [case["intensity"], sorted({p.get("intensity", 5) for p in intake.get("pain", [])})],
                    "absent_missing": sorted(f"{f}:{i}" for f, i in want_abs - have_abs),
                    "absent_set": sorted(f"{f}:{i}" for f, i in set_abs),
                })
        times.sort()
        n = len(times)
        result[lang] = {
            "cases": len(cases),
            "region_precision": tp / (tp + fp) if tp + fp else 1.0,
            "region_recall": tp / (tp + fn) if tp + fn else 1.0,
            "red_flag_recall": rf_found / rf_expected if rf_expected else 1.0,
            "red_flags_expected": rf_expected,
            "denied_red_flags": denied_total,
            "denied_red_flags_set": denied_set,
            "duration_accuracy": dur_ok / dur_total if dur_total else 1.0,
            "durations": dur_total,
            "intensity_accuracy": int_ok / int_total if int_total else 1.0,
            "intensities": int_total,
            "absent_recall": abs_found / abs_total if abs_total else 1.0,
            "absent_expected": abs_total,
            "absent_set": abs_set,
            "valid_intakes": valid,
            "invalid_intakes": invalid,
            "refused": len(cases) - valid - invalid,
            "refused_as_expected": f"{errors_ok}/{errors_expected}",
            "parse_ms_p50": 1000 * times[n // 2] if n else 0.0,
            "parse_ms_p95": 1000 * times[min(n - 1, int(n * 0.95))] if n else 0.0,
            "failures": failures,
        }
    return result


def format_report(res: dict[str, Any], show_failures: bool = False) -> str:
    lines = []
    for lang, r in res.items():
        lines.append(
            f"{lang}: {r['cases']} texts | regions precision {r['region_precision']:.1%} recall {r['region_recall']:.1%}"
            f" | red-flag recall {r['red_flag_recall']:.1%} ({r['red_flags_expected']})"
            f" | denied red flags set {r['denied_red_flags_set']}/{r['denied_red_flags']}"
            f" | duration accuracy {r['duration_accuracy']:.1%} ({r['durations']})"
            + (f" | intensity accuracy {r['intensity_accuracy']:.1%} ({r['intensities']})" if r.get("intensities") else "")
            + (f" | absent recall {r['absent_recall']:.1%} ({r['absent_expected']}), denied but set {r['absent_set']}"
               if r.get("absent_expected") else "")
            + f" | valid intakes {r['valid_intakes']}, invalid {r['invalid_intakes']}, refused {r['refused']}"
            f" | parse p50 {r['parse_ms_p50']:.2f} ms, p95 {r['parse_ms_p95']:.2f} ms"
        )
        if show_failures:
            for f in r["failures"]:
                lines.append(f"  - {f['text']}")
                for k in ("missing", "extra", "red_flags_missing", "denied_set", "absent_missing", "absent_set"):
                    if f[k]:
                        lines.append(f"      {k}: {', '.join(f[k])}")
                if not f["duration_ok"]:
                    lines.append(f"      duration: expected {f['duration'][0]}, got {f['duration'][1]}")
                if f.get("intensity"):
                    lines.append(f"      intensity: expected {f['intensity'][0]}, got {f['intensity'][1]}")
    return "\n".join(lines)
