"""Rank muscles by how well their trigger-point referral patterns explain a pain drawing.

Model (see docs/model.md): for each muscle, each *pattern* (one trigger point, or all of
the muscle's trigger points together) and each *hypothesis* about sides (left muscle,
right muscle, both), a log-odds score is the prior plus the log likelihood ratios of
the evidence: painful regions in the essential zone, in the spillover zone, essential
regions left blank, and the aggravating activities, pain qualities and findings the
muscle is known for. The muscle's score is the best of its patterns and hypotheses,
turned into a probability. Regions outside a pattern are neutral (another muscle may
explain them), so adding pain inside a muscle's zone can only raise its score.

The work per intake is proportional to the number of painful regions times the number
of patterns that reach each one (an inverted index), not to the size of the knowledge base.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import exp
from typing import TYPE_CHECKING

from . import params as P

if TYPE_CHECKING:
    from ..knowledge import Knowledge
    from .intake import Intake, PainMark


@dataclass(frozen=True, slots=True)
class Pattern:
    muscle: str
    trigger_points: tuple[str, ...]
    base: float  # prior logit plus the pattern penalty
    zones: dict[str, tuple[bool, bool]]  # region -> (essential, crosses midline)
    essential_lateral: int
    essential_midline: int


@dataclass(slots=True)
class Index:
    patterns: list[Pattern]
    # region -> [(pattern index, weight, essential, crosses midline)]
    by_region: dict[str, list[tuple[int, float, bool, bool]]]
    midline: frozenset[str]
    muscles: list[str]
    support: dict[str, dict[str, frozenset[str]]]  # muscle -> {"aggravating"|..: ids}


def build_index(kb: Knowledge) -> Index:
    patterns: list[Pattern] = []
    midline = frozenset(r for r, d in kb.regions.items() if d["midline"])
    for mid, m in kb.muscles.items():
        tps = m["trigger_points"]
        groups: list[tuple[tuple[str, ...], list[dict], float]] = [
            ((tp["id"],), [tp], P.PRIOR_LOGIT) for tp in tps
        ]
        if len(tps) > 1:
            groups.append((tuple(tp["id"] for tp in tps), tps, P.PRIOR_LOGIT + P.W_ALL_TPS))
        for tp_ids, members, base in groups:
            zones: dict[str, tuple[bool, bool]] = {}
            for tp in members:
                for z in tp["spillover"]:
                    prev = zones.get(z["region"], (False, False))
                    zones[z["region"]] = (prev[0], prev[1] or z["side"] == "both")
                for z in tp["essential"]:
                    prev = zones.get(z["region"], (False, False))
                    zones[z["region"]] = (True, prev[1] or z["side"] == "both")
            ess_mid = sum(1 for r, (e, _) in zones.items() if e and r in midline)
            ess_lat = sum(1 for r, (e, _) in zones.items() if e and r not in midline)
            patterns.append(Pattern(mid, tp_ids, base, zones, ess_lat, ess_mid))
    by_region: dict[str, list[tuple[int, float, bool, bool]]] = {}
    for i, p in enumerate(patterns):
        for region, (ess, both) in p.zones.items():
            w = P.W_ESSENTIAL if ess else P.W_SPILLOVER
            by_region.setdefault(region, []).append((i, w, ess, both))
    support = {
        mid: {
            "aggravating": frozenset(m["aggravating"]),
            "qualities": frozenset(m["qualities"]),
            "findings": frozenset(m["findings"]),
        }
        for mid, m in kb.muscles.items()
    }
    return Index(patterns, by_region, midline, list(kb.muscles), support)


@dataclass(slots=True)
class MuscleScore:
    muscle: str
    score: float
    logit: float
    pattern: Pattern
    side: str | None  # "left" | "right" | "both" | None (only midline regions explained)
    support: dict[str, list[str]]


def _support(index: Index, intake: Intake) -> dict[str, tuple[float, dict[str, list[str]]]]:
    out: dict[str, tuple[float, dict[str, list[str]]]] = {}
    for mid, sup in index.support.items():
        agg = sorted(intake.aggravating & sup["aggravating"])
        qual = sorted(intake.qualities & sup["qualities"])
        fnd = sorted(intake.findings & sup["findings"])
        if not (agg or qual or fnd):
            continue
        weights = sorted(
            [P.W_AGGRAVATING] * len(agg) + [P.W_QUALITY] * len(qual) + [P.W_FINDING] * len(fnd), reverse=True
        )
        out[mid] = (sum(weights[: P.MAX_SUPPORT_MATCHES]), {"aggravating": agg, "qualities": qual, "findings": fnd})
    return out


def rank_muscles(index: Index, intake: Intake) -> list[MuscleScore]:
    """Every muscle that explains at least one painful region, best first."""
    n = len(index.patterns)
    pos = {"left": [0.0] * n, "right": [0.0] * n, "mid": [0.0] * n}
    cnt = {"left": [0] * n, "right": [0] * n, "mid": [0] * n}
    by_region = index.by_region
    for mark in intake.pain:
        if mark.intensity <= 0:
            continue
        entries = by_region.get(mark.region)
        if not entries:
            continue
        f = P.intensity_factor(mark.intensity)
        if mark.side is None:
            pm, cm = pos["mid"], cnt["mid"]
            for i, w, ess, _ in entries:
                pm[i] += w * f
                if ess:
                    cm[i] += 1
            continue
        other = "right" if mark.side == "left" else "left"
        ps, cs, po, co = pos[mark.side], cnt[mark.side], pos[other], cnt[other]
        for i, w, ess, both in entries:
            ps[i] += w * f
            if ess:
                cs[i] += 1
            if both:  # a pattern that crosses the midline also explains the other side's instance
                po[i] += w * f
                if ess:
                    co[i] += 1
    support = _support(index, intake)
    best: dict[str, tuple[float, int, str | None]] = {}
    pl, pr, pmid = pos["left"], pos["right"], pos["mid"]
    cl, cr, cmid = cnt["left"], cnt["right"], cnt["mid"]
    for i, p in enumerate(index.patterns):
        lat_l, lat_r, mid = pl[i], pr[i], pmid[i]
        if lat_l == 0.0 and lat_r == 0.0 and mid == 0.0:
            continue
        absent_mid = (p.essential_midline - cmid[i]) * P.W_ABSENT
        absent_l = max(0, p.essential_lateral - cl[i]) * P.W_ABSENT
        absent_r = max(0, p.essential_lateral - cr[i]) * P.W_ABSENT
        base = p.base + absent_mid + mid
        # side hypotheses: left muscle, right muscle, both (penalised); ties go to "both"
        logit = -1e300
        side: str | None = None
        if lat_l > 0.0 or mid > 0.0:
            logit, side = base + lat_l + absent_l, ("left" if lat_l > 0.0 else None)
        if lat_r > 0.0 or mid > 0.0:
            right = base + lat_r + absent_r
            if right > logit + 1e-9:
                logit, side = right, ("right" if lat_r > 0.0 else None)
            elif lat_l > 0.0 and lat_r > 0.0 and abs(right - logit) <= 1e-9:
                side = "both"  # equal evidence on both sides: say so (keeps left/right mirror-exact)
        if lat_l > 0.0 and lat_r > 0.0:
            bilateral = base + P.W_BILATERAL + lat_l + lat_r + absent_l + absent_r
            if bilateral > logit:
                logit, side = bilateral, "both"
        prev = best.get(p.muscle)
        if prev is None or logit > prev[0]:
            best[p.muscle] = (logit, i, side)
    out = []
    for mid_id, (logit, i, side) in best.items():
        bonus, matched = support.get(mid_id, (0.0, {"aggravating": [], "qualities": [], "findings": []}))
        total = logit + bonus
        out.append(MuscleScore(mid_id, 1.0 / (1.0 + exp(-total)), total, index.patterns[i], side, matched))
    out.sort(key=lambda s: (-round(s.logit, 9), s.muscle))
    return out


def explained(pattern: Pattern, side: str | None, marks: tuple[PainMark, ...]) -> tuple[list[dict], list[dict]]:
    """Split the painful marks into those the pattern (on ``side``) explains and the rest."""
    explains: list[dict] = []
    rest: list[dict] = []
    sides = {"left": ("left",), "right": ("right",), "both": ("left", "right"), None: ()}[side]
    for m in marks:
        if m.intensity <= 0:
            continue
        z = pattern.zones.get(m.region)
        hit = z is not None and (m.side is None or m.side in sides or z[1])
        if hit and z is not None:
            item = {"region": m.region, "zone": "essential" if z[0] else "spillover", "intensity": m.intensity}
            if m.side is not None:
                item["side"] = m.side
            explains.append(item)
        else:
            item = {"region": m.region, "intensity": m.intensity}
            if m.side is not None:
                item["side"] = m.side
            rest.append(item)
    return explains, rest
