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

from math import exp
from typing import TYPE_CHECKING, Any, NamedTuple

from . import params as P

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ..knowledge import Knowledge
    from ..knowledge.entities import TriggerPoint
    from .intake import Intake, PainMark


# Plain slotted classes rather than dataclasses: importing dataclasses (and with it
# inspect) costs more start-up time than the whole `triggermap assess` run.
class Pattern:
    """One trigger point of a muscle, or all of them together, with its referral zones."""

    __slots__ = ("muscle", "trigger_points", "base", "zones", "essential_lateral", "essential_midline")

    def __init__(
        self,
        muscle: str,
        trigger_points: tuple[str, ...],
        base: float,  # prior logit plus the pattern penalty
        zones: dict[str, tuple[bool, bool]],  # region -> (essential, crosses midline)
        essential_lateral: int,
        essential_midline: int,
    ):
        self.muscle = muscle
        self.trigger_points = trigger_points
        self.base = base
        self.zones = zones
        self.essential_lateral = essential_lateral
        self.essential_midline = essential_midline


class Index:
    """Inverted index (region -> patterns reaching it) and each muscle's supporting answer ids."""

    __slots__ = ("patterns", "by_region", "muscle_support", "meta", "weighted", "params", "by_weight",
                 "by_weight_absent")

    def __init__(
        self,
        patterns: list[Pattern],
        by_region: dict[str, list[tuple[int, float, bool, bool]]],  # (pattern, weight, essential, crosses)
        muscle_support: dict[str, dict[str, frozenset[str]]],  # muscle -> list -> answer ids
        params: P.ModelParams = P.DEFAULT,
    ):
        self.params = params
        #: answer lists in order of evidence weight (findings > aggravating > qualities) with their weights
        self.by_weight = (
            ("findings", params.w_finding), ("aggravating", params.w_aggravating), ("qualities", params.w_quality)
        )
        #: the same lists answered "no", weakest penalty last (docs/model.md, "Absent answers")
        self.by_weight_absent = (
            ("findings", params.w_finding_absent),
            ("aggravating", params.w_aggravating_absent),
            ("qualities", params.w_quality_absent),
        )
        self.patterns = patterns
        self.by_region = by_region
        self.muscle_support = muscle_support
        # hot-loop forms: per pattern (muscle, base, essential lateral, essential midline), and per
        # region and intensity the entries with their weight already scaled by the intensity
        self.meta = [(p.muscle, p.base, p.essential_lateral, p.essential_midline) for p in patterns]
        self.weighted = {
            region: [
                [(i, w * params.intensity_factor(intensity), ess, both) for i, w, ess, both in entries]
                for intensity in range(11)
            ]
            for region, entries in by_region.items()
        }


def _zones(members: Sequence[TriggerPoint]) -> dict[str, tuple[bool, bool]]:
    """Referral zones of trigger points together: region -> (essential, crosses midline)."""
    zones: dict[str, tuple[bool, bool]] = {}
    for tp in members:
        for z in tp.spillover:
            prev = zones.get(z.region, (False, False))
            zones[z.region] = (prev[0], prev[1] or z.side == "both")
        for z in tp.essential:
            prev = zones.get(z.region, (False, False))
            zones[z.region] = (True, prev[1] or z.side == "both")
    return zones


def _zone_key(members: Sequence[TriggerPoint]) -> tuple[Any, ...]:
    return tuple(sorted(_zones(members).items()))


def nested_regions(kb: Knowledge) -> dict[str, tuple[str, ...]]:
    """Region -> the regions nested with it: the coarse regions it lies within and the finer
    regions inside it (contract 1.1: a coarse region stands for the finer ones inside it)."""
    out: dict[str, tuple[str, ...]] = {}
    for coarse, finer in kb.finer.items():
        out[coarse] = (*out.get(coarse, ()), *finer)
        for f in finer:
            out[f] = (*out.get(f, ()), coarse)
    return out


def _with_nested(
    zones: dict[str, tuple[bool, bool]], nested: dict[str, tuple[str, ...]]
) -> dict[str, tuple[bool, bool]]:
    """The zones plus every region nested with one of them. A mark on ``shoulder-back`` is
    then explained by a zone on ``scapula`` and a mark on ``breast`` by a zone on ``chest``.
    Such a match is imprecise (one of the two regions is the coarse one), so it counts as a
    spillover zone whatever the zone's own kind: a muscle whose zone is drawn on the finer
    region the person marked keeps the lead over one whose zone is a whole coarse area. A
    zone named in the data keeps its own flags, and the count of essential regions (for the
    left-blank penalty) stays that of the zones as written."""
    if not nested:
        return zones
    out = dict(zones)
    for region, (_ess, both) in zones.items():
        for other in nested.get(region, ()):
            if other in zones:
                continue
            prev = out.get(other)
            out[other] = (False, both) if prev is None else (False, prev[1] or both)
    return out


def build_index(kb: Knowledge, params: P.ModelParams = P.DEFAULT) -> Index:
    patterns: list[Pattern] = []
    nested = nested_regions(kb)
    midline = frozenset(r for r, d in kb.regions.items() if d.midline)
    for mid, m in kb.muscles.items():
        tps = m.trigger_points
        # trigger points with the same referral zones are one pattern (indistinguishable from a drawing)
        by_zones: dict[tuple[Any, ...], list[TriggerPoint]] = {}
        for tp in tps:
            by_zones.setdefault(_zone_key([tp]), []).append(tp)
        groups: list[tuple[tuple[str, ...], Sequence[TriggerPoint], float]] = [
            (tuple(tp.id for tp in same), same, params.prior_logit) for same in by_zones.values()
        ]
        if len(by_zones) > 1:  # all of them together, penalised
            groups.append((tuple(tp.id for tp in tps), tps, params.prior_logit + params.w_all_tps))
        for tp_ids, members, base in groups:
            zones = _zones(members)
            ess_mid = sum(1 for r, (e, _) in zones.items() if e and r in midline)
            ess_lat = sum(1 for r, (e, _) in zones.items() if e and r not in midline)
            patterns.append(Pattern(mid, tp_ids, base, _with_nested(zones, nested), ess_lat, ess_mid))
    by_region: dict[str, list[tuple[int, float, bool, bool]]] = {}
    for i, p in enumerate(patterns):
        for region, (ess, both) in p.zones.items():
            w = params.w_essential if ess else params.w_spillover
            by_region.setdefault(region, []).append((i, w, ess, both))
    muscle_support = {
        mid: {"aggravating": frozenset(m.aggravating), "qualities": frozenset(m.qualities), "findings": frozenset(m.findings)}
        for mid, m in kb.muscles.items()
    }
    return Index(patterns, by_region, muscle_support, params)


class MuscleScore:
    __slots__ = ("muscle", "score", "logit", "pattern", "side")

    def __init__(self, muscle: str, score: float, logit: float, pattern: Pattern, side: str | None):
        self.muscle = muscle
        self.score = score
        self.logit = logit
        self.pattern = pattern
        self.side = side  # "left" | "right" | "both" | None (only midline regions explained)


def _bonus(own: dict[str, frozenset[str]], lists: tuple[tuple[frozenset[str], str, float], ...], room: int) -> float:
    """Evidence weight of the answers that support a muscle (the strongest few count).

    ``lists`` holds the intake's non-empty answer sets with their kind and weight, strongest first;
    at most ``room`` matches count.
    """
    bonus = 0.0
    for answers, key, weight in lists:
        n = len(answers & own[key])
        if n:
            take = n if n < room else room
            bonus += take * weight
            room -= take
            if not room:
                break
    return bonus


def palpation_weights(intake: Intake, params: P.ModelParams) -> dict[str, tuple[float, float, float]]:
    """Muscle -> log likelihood ratio of its palpation (left, right, midline)."""
    out: dict[str, list[float]] = {}
    for p in intake.palpation:
        w = params.palpation_weight(p.tender, p.reproduces, p.taut_band)
        acc = out.setdefault(p.muscle, [0.0, 0.0, 0.0])
        acc[0 if p.side == "left" else 1 if p.side == "right" else 2] += w
    return {m: (a[0], a[1], a[2]) for m, a in out.items()}


def palpation_words(intake: Intake, muscle: str, side: str | None) -> tuple[list[str], list[str]]:
    """The palpation findings of ``muscle`` on the sides of ``side``, for and against it, as
    ids (``tender``, ``reproduces``, ``taut-band``; ``not-tender``, ``not-reproduces``,
    ``no-taut-band``), each prefixed with the side palpated (``left:tender``)."""
    sides = _HYPOTHESIS_SIDES.get(side, ())
    pro: list[str] = []
    con: list[str] = []
    for p in intake.palpation:
        if p.muscle != muscle or (p.side is not None and p.side not in sides and side is not None):
            continue
        where = f"{p.side}:" if p.side else ""
        if p.tender:
            pro.append(f"{where}tender")
            if p.reproduces is not None:
                (pro if p.reproduces else con).append(f"{where}{'reproduces' if p.reproduces else 'not-reproduces'}")
        else:
            con.append(f"{where}not-tender")
        if p.taut_band is not None:
            (pro if p.taut_band else con).append(f"{where}{'taut-band' if p.taut_band else 'no-taut-band'}")
    return pro, con


def supporting(index: Index, muscle: str, intake: Intake) -> dict[str, list[str]]:
    """The answers that support ``muscle``, by list (for the explanation)."""
    own = index.muscle_support[muscle]
    agg = intake.aggravating & own["aggravating"]
    qual = intake.qualities & own["qualities"]
    fnd = intake.findings & own["findings"]
    return {
        "aggravating": sorted(agg) if agg else [],
        "qualities": sorted(qual) if qual else [],
        "findings": sorted(fnd) if fnd else [],
    }


def against(index: Index, muscle: str, intake: Intake) -> dict[str, list[str]]:
    """The "no" answers that count against ``muscle``, by list (contract 1.1 ``absent``)."""
    own = index.muscle_support[muscle]
    absent = intake.absent
    return {key: sorted(absent[key] & own[key]) for key in ("aggravating", "qualities", "findings")}


class SideEvidence(NamedTuple):
    """What a drawing says for one pattern of a muscle on one side of the body."""

    pain: float  # summed log likelihood ratios of the painful marks in the pattern's zones
    essential_marked: int  # how many of its essential zones are marked there
    palpation: float  # log likelihood ratio of palpating the muscle there (contract 1.1)


class PatternFit(NamedTuple):
    """One pattern's best hypothesis about sides: the log-odds and the side it names."""

    logit: float
    side: str | None  # "left", "right", "both", or None when only midline marks are explained


def fit_pattern(pattern: Pattern, intake: Intake, params: P.ModelParams) -> PatternFit | None:
    """The log-odds that ``pattern`` explains the drawing, under its best side hypothesis, or None
    when it explains no painful mark (the readable model; :func:`rank_muscles` computes the same).

    * Each painful mark inside a zone adds the zone's log likelihood ratio (essential or
      spillover), scaled by the mark's intensity; a zone that crosses the midline also explains
      the mark for the muscle of the other side.
    * Each essential zone left blank on the hypothesised side subtracts ``w_absent``.
    * Palpation of the muscle adds its log likelihood ratio on the side palpated.
    * Hypotheses: the left muscle, the right one, or both (penalised by ``w_bilateral``), each
      supported by pain or a positive palpation on its side; equal evidence on both sides names both.
    """
    pain = {"left": 0.0, "right": 0.0, None: 0.0}
    crossed = {"left": 0.0, "right": 0.0}  # explained through a zone that crosses the midline
    marked = {"left": 0, "right": 0, None: 0}
    explains = False
    for region, side, intensity in intake.pain:
        zone = pattern.zones.get(region) if intensity > 0 else None
        if zone is None:
            continue
        explains = True
        essential, crosses = zone
        weight = (params.w_essential if essential else params.w_spillover) * params.intensity_factor(intensity)
        pain[side] += weight
        marked[side] += essential
        if crosses and side is not None:
            other = "right" if side == "left" else "left"
            crossed[other] += weight
            marked[other] += essential
    if not explains:
        return None
    palp = palpation_weights(intake, params).get(pattern.muscle, (0.0, 0.0, 0.0))
    left = SideEvidence(pain["left"] + crossed["left"], marked["left"], palp[0])
    right = SideEvidence(pain["right"] + crossed["right"], marked["right"], palp[1])
    midline = SideEvidence(pain[None], marked[None], palp[2])
    w_absent = params.w_absent
    shared = pattern.base + (midline.pain + (pattern.essential_midline - midline.essential_marked) * w_absent
                             + midline.palpation)

    def blank(ev: SideEvidence) -> float:  # essential zones left blank on that side
        return max(pattern.essential_lateral - ev.essential_marked, 0) * w_absent

    on_left = left.pain > 0.0 or left.palpation > 0.0
    on_right = right.pain > 0.0 or right.palpation > 0.0
    fit: PatternFit | None = None
    if on_left or midline.pain > 0.0:
        fit = PatternFit(shared + left.pain + blank(left) + left.palpation, "left" if on_left else None)
    if on_right or midline.pain > 0.0:
        logit = shared + right.pain + blank(right) + right.palpation
        if fit is None or logit > fit.logit + 1e-9:
            fit = PatternFit(logit, "right" if on_right else None)
        elif on_left and on_right and abs(logit - fit.logit) <= 1e-9:
            fit = PatternFit(fit.logit, "both")
    if on_left and on_right:
        both = shared + params.w_bilateral + (left.pain + right.pain) + (blank(left) + blank(right)) + (
            left.palpation + right.palpation)
        if fit is None or both > fit.logit:
            fit = PatternFit(both, "both")
    return fit


def rank_muscles_model(index: Index, intake: Intake, limit: int | None = None) -> list[MuscleScore]:
    """The muscles that explain at least one painful mark, best first: each muscle's best pattern
    (:func:`fit_pattern`) plus the answers it is known for (the strongest ``max_support_matches``
    count) and the "no" answers against it, as a probability. This is the model as written;
    :func:`rank_muscles` is its fast form (an inverted index from regions to patterns), and a test
    checks that both give the same ranking and scores."""
    params = index.params
    best: dict[str, tuple[PatternFit, Pattern]] = {}
    for pattern in index.patterns:
        fit = fit_pattern(pattern, intake, params)
        if fit is not None and (pattern.muscle not in best or fit.logit > best[pattern.muscle][0].logit):
            best[pattern.muscle] = (fit, pattern)
    yes = tuple((getattr(intake, key), key, w) for key, w in index.by_weight if getattr(intake, key))
    no = tuple((intake.absent[key], key, w) for key, w in index.by_weight_absent if intake.absent[key])
    room = params.max_support_matches
    scored = []
    for muscle, (fit, pattern) in best.items():
        own = index.muscle_support[muscle]
        total = fit.logit + _bonus(own, yes, room) + _bonus(own, no, room)
        scored.append(MuscleScore(muscle, 1.0 / (1.0 + exp(-total)), total, pattern, fit.side))
    scored.sort(key=lambda s: (-s.logit, s.muscle))
    return scored[:limit] if limit else scored


def rank_muscles(index: Index, intake: Intake, limit: int | None = None) -> list[MuscleScore]:
    """The muscles that explain at least one painful region, best first (the first ``limit``):
    :func:`rank_muscles_model` computed fast. Only the patterns reaching a painful region are
    visited (the inverted index), each with one flat accumulator per pattern (slots: pain on the
    left, right and midline; essential zones marked on each; pain crossing over to the left and
    right), instead of the model's per-pattern dictionaries; the evidence is summed in the same
    order, so the scores are the same to the last bit."""
    # per touched pattern: [left, right, midline] evidence, their essential counts, and the
    # evidence crossing over from the other side (patterns that cross the midline)
    # (floats throughout, the counts too: they stay small integers, exact, and every use of
    # them converts to float first, so the arithmetic is the same; a list[float] compiles to
    # unboxed float arithmetic)
    acc: dict[int, list[float]] = {}
    weighted = index.weighted
    for region, mark_side, intensity in intake.pain:
        if intensity <= 0:
            continue
        by_intensity = weighted.get(region)
        if by_intensity is None:
            continue
        if mark_side is None:
            own, other = 2, -1
        elif mark_side == "left":
            own, other = 0, 1
        else:
            own, other = 1, 0
        for i, wf, ess, both in by_intensity[intensity]:
            a = acc.get(i)
            if a is None:
                a = acc[i] = [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
            a[own] += wf
            if ess:
                a[own + 3] += 1.0
            if both and other >= 0:  # a pattern that crosses the midline also explains the other side
                # kept apart from the side's own evidence and added last, so that mirrored
                # drawings sum in the same order and give bit-identical scores
                a[other + 6] += wf
                if ess:
                    a[other + 3] += 1.0
    best: dict[str, tuple[float, int, str | None]] = {}
    meta = index.meta
    params = index.params
    wa = params.w_absent
    wb = params.w_bilateral
    palp = palpation_weights(intake, params) if intake.palpation else None
    pl = pr = pm = 0.0
    for i in sorted(acc):
        lat_l, lat_r, mid, cl, cr, cm, cross_l, cross_r = acc[i]
        if cross_l:
            lat_l += cross_l
        if cross_r:
            lat_r += cross_r
        muscle, base, el, em = meta[i]
        if palp is not None:  # palpation of this muscle, per side (contract 1.1)
            pl, pr, pm = palp.get(muscle, (0.0, 0.0, 0.0))
        base += mid + (em - cm) * wa + pm
        absent_l = (el - cl if cl < el else 0.0) * wa
        absent_r = (el - cr if cr < el else 0.0) * wa
        # a side is supported by pain on it or by a positive palpation there
        on_l = lat_l > 0.0 or pl > 0.0
        on_r = lat_r > 0.0 or pr > 0.0
        # side hypotheses: left muscle, right muscle, both (penalised); ties go to "both"
        logit = -1e300
        side: str | None = None
        if on_l or mid > 0.0:
            logit, side = base + lat_l + absent_l + pl, ("left" if on_l else None)
        if on_r or mid > 0.0:
            right = base + lat_r + absent_r + pr
            if right > logit + 1e-9:
                logit, side = right, ("right" if on_r else None)
            elif on_l and on_r and abs(right - logit) <= 1e-9:
                side = "both"  # equal evidence on both sides: say so (keeps left/right mirror-exact)
        if on_l and on_r:
            # each pair summed first (a + b == b + a exactly), so mirrored drawings tie exactly
            bilateral = base + wb + (lat_l + lat_r) + (absent_l + absent_r) + (pl + pr)
            if bilateral > logit:
                logit, side = bilateral, "both"
        if logit == -1e300:
            continue
        prev = best.get(muscle)
        if prev is None or logit > prev[0]:
            best[muscle] = (logit, i, side)
    patterns = index.patterns
    lists = tuple((getattr(intake, key), key, w) for key, w in index.by_weight if getattr(intake, key))
    absent = intake.absent
    nos = tuple((absent[key], key, w) for key, w in index.by_weight_absent if absent[key])
    room = params.max_support_matches
    support = index.muscle_support
    totals: list[tuple[float, str, int, str | None]] = []
    for m, (logit, i, side) in best.items():
        total = logit + (_bonus(support[m], lists, room) if lists else 0.0) + (
            _bonus(support[m], nos, room) if nos else 0.0)
        totals.append((-total, m, i, side))
    totals.sort()
    out = []
    for neg, m, i, side in totals[:limit] if limit else totals:
        total = -neg
        out.append(MuscleScore(m, 1.0 / (1.0 + exp(-total)), total, patterns[i], side))
    return out


_HYPOTHESIS_SIDES: dict[str | None, tuple[str, ...]] = {
    "left": ("left",),
    "right": ("right",),
    "both": ("left", "right"),
    None: (),
}


def mark_items(marks: tuple[PainMark, ...]) -> list[tuple[str, str | None, dict[str, Any], dict[str, Any], dict[str, Any]]]:
    """Per painful mark, its output items built once and shared by every muscle's explanation:
    (region, side, as essential, as spillover, as unexplained)."""
    out = []
    for region, side, intensity in marks:
        base = {"region": region, "intensity": intensity} if side is None else {
            "region": region, "intensity": intensity, "side": side
        }
        out.append((region, side, {**base, "zone": "essential"}, {**base, "zone": "spillover"}, base))
    return out


def explained(
    pattern: Pattern, side: str | None, items: list[tuple[str, str | None, dict[str, Any], dict[str, Any], dict[str, Any]]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Split the painful marks (see :func:`mark_items`) into those the pattern (on ``side``)
    explains and the rest."""
    explains: list[dict[str, Any]] = []
    rest: list[dict[str, Any]] = []
    sides = _HYPOTHESIS_SIDES[side]
    zones = pattern.zones
    for region, mark_side, as_essential, as_spillover, as_rest in items:
        z = zones.get(region)
        if z is not None and (mark_side is None or mark_side in sides or z[1]):
            explains.append(as_essential if z[0] else as_spillover)
        else:
            rest.append(as_rest)
    return explains, rest
