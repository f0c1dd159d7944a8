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
from typing import TYPE_CHECKING, Any

from .vocabulary import LEVEL_RANK, LEVELS_SEVERE_FIRST

if TYPE_CHECKING:
    from .knowledge import Knowledge

#: the levels that count as positive: urgent and above
URGENT = tuple(level for level in LEVELS_SEVERE_FIRST if LEVEL_RANK[level] >= LEVEL_RANK["urgent"])


def default_cases_dir() -> Path:
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent / "bench" / "cases"
        if candidate.is_dir():
            return candidate
    return Path("bench/cases")


#: file names read as case files (one case per file)
CASE_SUFFIXES = (".yaml", ".yml", ".json")


def case_files(folder: Path) -> list[Path]:
    """The case files of ``folder``, sorted by name; an InputError when there are none."""
    from .documents import InputError

    try:
        files = sorted(p for p in folder.iterdir() if p.suffix in CASE_SUFFIXES and p.is_file())
    except OSError as exc:
        raise InputError("cases", f"cannot read the folder {str(folder)!r}: {exc.strerror or exc}") from None
    if not files:
        raise InputError("cases", f"{str(folder)!r} holds no case files ({', '.join(CASE_SUFFIXES)})")
    return files


def check_case(case: Any, name: str, kb: Knowledge) -> dict[str, Any]:
    """One case document, checked: a mapping with ``id``, an ``intake`` the engine accepts and an
    ``expect`` whose triage and answers are known ids. Raises InputError naming the file and field."""
    from .documents import InputError
    from .engine import IntakeError, parse_intake
    from .vocabulary import LEVELS

    def bad(field: str, message: str) -> InputError:
        return InputError(f"{name}: {field}", message)

    if not isinstance(case, dict):
        raise bad("(document)", f"must be a mapping with id, intake and expect, got {type(case).__name__}")
    for key, kind in (("id", str), ("intake", dict), ("expect", dict)):
        if key not in case:
            raise bad(key, "is required (a case has id, intake and expect)")
        if not isinstance(case[key], kind):
            raise bad(key, f"must be {'a string' if kind is str else 'a mapping'}, got {type(case[key]).__name__}")
    try:
        parse_intake(case["intake"], kb)
    except IntakeError as exc:
        raise bad(f"intake.{exc.field}", exc.message) from None
    expect = case["expect"]
    if expect.get("triage") not in LEVELS:
        raise bad("expect.triage", f"must be one of {', '.join(LEVELS)}, got {expect.get('triage')!r}")
    known = {"muscles": kb.muscles, "conditions": kb.conditions}
    for key in ("muscles", "primary_muscles", "conditions", "primary_conditions"):
        ids = expect.get(key)
        if ids is None:
            continue
        table = known[key.removeprefix("primary_")]
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise bad(f"expect.{key}", "must be a list of ids")
        unknown = [i for i in ids if i not in table]
        if unknown:
            raise bad(f"expect.{key}", f"unknown {key.removeprefix('primary_')} id {unknown[0]!r}")
    if not (expect.get("muscles") or expect.get("conditions")):
        raise bad("expect", "needs muscles or conditions (the acceptable top answers)")
    needs = case.get("needs")
    if needs is not None and not (isinstance(needs, list) and all(isinstance(n, str) for n in needs)):
        raise bad("needs", "must be a list of strings")
    return case


def load_cases(folder: Path) -> list[dict[str, Any]]:
    """Every case file of ``folder`` (YAML or JSON), checked (:func:`check_case`); the first bad
    file raises InputError naming it, so an evaluation never runs on part of a set by accident."""
    from .documents import read_named
    from .knowledge import load

    kb = load()
    cases = []
    for p in case_files(folder):
        case = check_case(read_named(p), p.name, kb)
        case["_file"] = p.name
        cases.append(case)
    return cases


def _primaries(expect: dict[str, Any], key: str) -> list[str]:
    items = expect.get(key) or []
    primary = expect.get(f"primary_{key}")
    if primary:
        return list(primary)
    return items[:1]


def evaluate_cases(cases: list[dict[str, Any]], *, simulation: bool = True) -> dict[str, Any]:
    from .engine import assess
    from .knowledge import load

    kb = load()
    rows = []
    scored: list[tuple[float, bool]] = []  # (condition score, condition expected) for calibration
    muscle_fit: list[tuple[float, bool]] = []  # (muscle score, muscle is a primary)
    lookup1 = lookup3 = 0
    for case in cases:
        result = assess(case["intake"], kb)
        expect = case["expect"]
        row: dict[str, Any] = {
            "id": case["id"],
            "file": case.get("_file"),
            "needs": list(case.get("needs") or []),
            "expected_triage": expect["triage"],
            "triage": result["triage"]["level"],
        }
        wanted = set(expect.get("conditions") or [])
        scored.extend((c["score"], c["id"] in wanted) for c in result["conditions"])
        primaries = _primaries(expect, "muscles")
        if primaries:
            muscle_fit.extend((m["score"], m["id"] in primaries) for m in result["muscles"])
            ranked = region_lookup(kb, case["intake"])
            lookup1 += bool(ranked[:1]) and ranked[0] in primaries
            lookup3 += any(p in ranked[:3] for p in primaries)
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
    out = summarise(rows)
    n = out["muscles_top1"]["n"]
    out["region_lookup"] = {
        "muscles_top1": {"n": n, "hits": lookup1, "rate": round(lookup1 / n, 3) if n else None},
        "muscles_top3": {"n": n, "hits": lookup3, "rate": round(lookup3 / n, 3) if n else None},
    }
    new = [r for r in rows if r["needs"]]
    if new:
        out["needs_new_evidence"] = summarise(new)
        out["needs_new_evidence"].pop("rows")
    out["calibration"] = calibration(scored)
    out["muscle_separation"] = separation(muscle_fit)
    if simulation:
        out["simulation"] = {
            "all": simulate(cases, who=None),
            "self": simulate(cases, who="self"),
        }
        needing = [c for c in cases if c.get("needs")]
        if needing:
            out["simulation"]["all, cases needing 1.1 evidence"] = simulate(needing, who=None)
            out["simulation"]["self, cases needing 1.1 evidence"] = simulate(needing, who="self")
    return out


#: Score bins of the calibration table (upper bounds).
CALIBRATION_BINS = (0.1, 0.3, 0.5, 0.7, 0.9, 1.0)


def calibration(scored: list[tuple[float, bool]]) -> list[dict[str, Any]]:
    """Predicted vs observed for listed conditions: per score bin, how many were listed, their
    mean score, and the share that were the case's expected condition (an acceptable answer)."""
    out = []
    lo = 0.0
    for hi in CALIBRATION_BINS:
        inside = [(p, y) for p, y in scored if lo <= p < hi or (hi == 1.0 and p == 1.0)]
        out.append(
            {
                "bin": f"{lo:.1f}-{hi:.1f}",
                "n": len(inside),
                "mean_score": round(sum(p for p, _ in inside) / len(inside), 3) if inside else None,
                "observed": round(sum(y for _, y in inside) / len(inside), 3) if inside else None,
            }
        )
        lo = hi
    return out


def separation(fit: list[tuple[float, bool]]) -> dict[str, Any]:
    """How muscle scores separate the case's primary muscle from the others listed: mean score
    of each and the area under the ROC curve (the chance a primary outscores a non-primary)."""
    pos = [p for p, y in fit if y]
    neg = [p for p, y in fit if not y]
    if not pos or not neg:
        return {"auc": None}
    wins = sum(1.0 if a > b else 0.5 if a == b else 0.0 for a in pos for b in neg)
    return {
        "auc": round(wins / (len(pos) * len(neg)), 3),
        "mean_primary": round(sum(pos) / len(pos), 3),
        "mean_other": round(sum(neg) / len(neg), 3),
        "n_primary": len(pos),
        "n_other": len(neg),
    }


def region_lookup(kb: Knowledge, intake: dict[str, Any]) -> list[str]:
    """The region-lookup baseline (the way a pain guide such as triggerpoints.net works): the
    muscles whose trigger points refer to the painful regions, those reaching the most painful
    regions in their essential zones first, then by regions in their spillover zones (ties by
    id). It uses the same regions (a coarse region standing for the finer ones inside it) and
    ignores sides and every answer other than the drawing."""
    from .engine.intake import parse_intake
    from .engine.rank import nested_regions

    nested = nested_regions(kb)
    painful = {m.region for m in parse_intake(intake, kb).pain if m.intensity > 0}
    scores = []
    for mid, m in kb.muscles.items():
        ess: set[str] = set()
        spill: set[str] = set()
        for tp in m.trigger_points:
            for zones, into in ((tp.essential, ess), (tp.spillover, spill)):
                for z in zones:
                    r = z.region
                    into.update({r, *nested.get(r, ())} & painful)
        spill -= ess
        if ess or spill:
            scores.append((-len(ess), -len(spill), mid))
    return [mid for *_, mid in sorted(scores)]


#: What the simulation starts from: the drawing and the person's details, as on the body map.
DRAWING_KEYS = ("version", "age", "sex", "duration_weeks", "pain", "choir", "choir_numbering")
SIM_ROUNDS = 3
SIM_SEEDS = 5


def start_document(intake: dict[str, Any], kb: Knowledge) -> dict[str, Any]:
    """The drawing alone, after the safety step: the case's red flags as given and every other
    red flag answered "no" (the app asks them before the map; red-flag questions carry no
    ranking information, so the simulation measures the questions that rank)."""
    doc = {k: intake[k] for k in DRAWING_KEYS if k in intake}
    flags = list(intake.get("red_flags") or [])
    doc["red_flags"] = flags
    doc["absent"] = {"red_flags": sorted(set(kb.red_flags) - set(flags))}
    return doc


def answer(full: dict[str, Any], doc: dict[str, Any], q: dict[str, Any], kb: Knowledge) -> dict[str, Any] | None:
    """``doc`` with question ``q`` answered from the case's full intake ``full``: yes when the
    case has it, "no" (``absent``) when it does not. A palpation question is answered from the
    case's palpation entries (a muscle it did not palpate counts as not tender), and cannot be
    answered (None) for a case that records no palpation at all."""
    import copy

    doc = copy.deepcopy(doc)
    field, value = q["field"], q["value"]
    if field == "palpation":
        entries = full.get("palpation") or []
        if not entries:
            return None
        mine = [e for e in entries if e["muscle"] == value]
        side = q.get("side")
        if not mine:
            entry: dict[str, Any] = {"muscle": value, "tender": False}
            if not kb.muscles[value].midline:
                entry["side"] = side or "both"
            mine = [entry]
        doc.setdefault("palpation", []).extend(e for e in mine if e not in doc.get("palpation", []))
        return doc
    if value in (full.get(field) or []):
        doc.setdefault(field, []).append(value)
    else:
        doc.setdefault("absent", {}).setdefault(field, []).append(value)
    return doc


def _hits(result: dict[str, Any], expect: dict[str, Any]) -> dict[str, bool]:
    out = {}
    for key in ("muscles", "conditions"):
        want = _primaries(expect, key)
        if want:
            got = [x["id"] for x in result[key]]
            out[f"{key}_top1"] = bool(got) and got[0] in want
            out[f"{key}_top3"] = any(w in got[:3] for w in want)
    return out


def simulate(cases: list[dict[str, Any]], who: str | None = None) -> dict[str, Any]:
    """Start from the drawing (:func:`start_document`), ask ``SIM_ROUNDS`` questions and answer
    them from each case's full answers (:func:`answer`); questions chosen by the engine (its
    first answerable next question) against questions drawn at random from the same candidate
    list (``SIM_SEEDS`` draws). Returns top-1/top-3 rates after 0..``SIM_ROUNDS`` questions."""
    import random

    from .engine.core import engine_for
    from .knowledge import load

    kb = load()
    eng = engine_for(kb)
    tally: dict[str, list[list[float]]] = {}

    def add(path: str, k: int, hits: dict[str, bool], weight: float = 1.0) -> None:
        for key, hit in hits.items():
            rows = tally.setdefault(f"{path}:{key}", [[0.0, 0.0] for _ in range(SIM_ROUNDS + 1)])
            rows[k][0] += weight * hit
            rows[k][1] += weight

    for case in cases:
        full, expect = case["intake"], case["expect"]
        start = start_document(full, kb)
        for path, seeds in (("engine", [None]), ("random", list(range(SIM_SEEDS)))):
            for seed in seeds:
                rng = random.Random(f"{case['id']}:{seed}")
                doc = start
                a = eng.document(doc, who=who, max_questions=1000)
                add(path, 0, _hits(a, expect), 1.0 / len(seeds))
                for k in range(1, SIM_ROUNDS + 1):
                    pool = list(a["next_questions"])
                    if seed is not None:
                        rng.shuffle(pool)
                    nxt = None
                    for q in pool:
                        nxt = answer(full, doc, q, kb)
                        if nxt is not None:
                            break
                    if nxt is not None:
                        doc = nxt
                        a = eng.document(doc, who=who, max_questions=1000)
                    add(path, k, _hits(a, expect), 1.0 / len(seeds))
    return {
        key: [round(h / n, 3) if n else None for h, n in rows] for key, rows in sorted(tally.items())
    }


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


def evaluate_dir(folder: Path, *, simulation: bool = True) -> dict[str, Any]:
    return evaluate_cases(load_cases(folder), simulation=simulation)


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
    if "region_lookup" in res:
        lk = res["region_lookup"]
        m1, m3 = res["muscles_top1"], res["muscles_top3"]
        if m1["n"]:
            lines.append(
                f"region lookup baseline: muscles top-1 {pct(lk['muscles_top1'])}   top-3 {pct(lk['muscles_top3'])}"
                f"   (engine lead {100 * (m1['hits'] - lk['muscles_top1']['hits']) / m1['n']:+.0f} /"
                f" {100 * (m3['hits'] - lk['muscles_top3']['hits']) / m1['n']:+.0f} points)"
            )
    if "needs_new_evidence" in res:
        nw = res["needs_new_evidence"]
        lines.append(
            f"cases needing 1.1 evidence ({nw['cases']}): muscles top-1 {pct(nw['muscles_top1'])}"
            f"  top-3 {pct(nw['muscles_top3'])}; conditions top-1 {pct(nw['conditions_top1'])}"
            f"  top-3 {pct(nw['conditions_top3'])}; under-triaged {len(nw['triage']['under_triaged'])}"
        )
    if "calibration" in res:
        lines.append("condition calibration (score bin: listed, mean score, observed share expected):")
        for b in res["calibration"]:
            if b["n"]:
                lines.append(f"  {b['bin']}: n={b['n']:4d}  score {b['mean_score']:.2f}  observed {b['observed']:.2f}")
    sep = res.get("muscle_separation") or {}
    if sep.get("auc") is not None:
        lines.append(
            f"muscle scores: primary {sep['mean_primary']:.2f} vs others {sep['mean_other']:.2f},"
            f" AUC {sep['auc']:.2f}"
        )
    for mode, sim in (res.get("simulation") or {}).items():
        what = mode.replace("all", "all questions", 1) if mode.startswith("all") else mode.replace(
            "self", "questions the person can answer", 1)
        lines.append(f"simulation ({what}; top-k after 0/1/2/3 questions; with all of the cases' answers):")
        # the last figure is the ceiling of any choice of questions: the cases with every answer they record
        whole = res.get("needs_new_evidence", res) if "needing" in mode else res
        for key in ("muscles_top1", "muscles_top3", "conditions_top1", "conditions_top3"):
            eng, rnd = sim.get(f"engine:{key}"), sim.get(f"random:{key}")
            if eng and rnd:
                full = whole.get(key, {}).get("rate")
                lines.append(
                    f"  {key:16s} engine " + " ".join(f"{v:.0%}" for v in eng)
                    + "   random " + " ".join(f"{v:.0%}" for v in rnd)
                    + (f"   all answers {full:.0%}" if full is not None else "")
                )
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
