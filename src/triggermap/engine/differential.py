"""Differential: non-myofascial conditions that mimic the pain, each with its reasons."""

from __future__ import annotations

from math import exp, log
from typing import TYPE_CHECKING

from .._mypyc import mypyc_attr
from .params import DEFAULT, ModelParams
from .result import Ref

if TYPE_CHECKING:
    from ..knowledge import Knowledge
    from ..knowledge.entities import Condition, Feature
    from .intake import Intake


class Feat:
    __slots__ = ("kind", "keys", "value", "weight", "weight_absent", "why", "ids", "sensitivity", "anchor")

    def __init__(
        self,
        kind: str,
        keys: frozenset[str],
        value: int | None,
        weight: float,
        why: Ref,
        weight_absent: float = 0.0,
        ids: tuple[str, ...] = (),
        sensitivity: float = 0.5,
        anchor: bool = True,
    ):
        self.kind = kind
        self.keys = keys  # "kind:id" so that one set of the intake's answers serves every kind
        self.value = value
        self.weight = weight  # log of the positive likelihood ratio
        self.weight_absent = weight_absent  # log of the negative one (every id answered "no")
        self.why = why  # the feature's sentence in the knowledge base
        self.ids = ids  # the answer ids as written (no nested regions)
        self.sensitivity = sensitivity  # published, or the model's assumption
        self.anchor = anchor  # may bring the condition into the differential on its own


#: Feature kinds that an intake can answer "no" to, and the intake list each comes from.
ANSWERABLE = {
    "quality": "qualities",
    "aggravating": "aggravating",
    "finding": "findings",
    "red-flag": "red_flags",
    "history": "history",
}


def lr_absent(f: Feature, params: ModelParams) -> float:
    """A feature's negative likelihood ratio: as curated, else from its published sensitivity
    and specificity, else the model's assumption (docs/model.md, "Absent answers"). Never above
    1 for evidence that counts for the condition, so a "no" never raises what the test finds."""
    if f.kind not in ANSWERABLE:
        return 1.0
    if f.lr_absent is not None:
        return float(f.lr_absent)
    sens, spec = f.sensitivity, f.specificity
    if sens is not None and spec is not None and spec > 0:
        value = (1.0 - float(sens)) / float(spec)
        return min(value, 1.0) if f.lr >= 1.0 else max(value, 1.0)
    return params.lr_absent_assumed(float(f.lr))


class Cond:
    __slots__ = ("id", "prior_logit", "features", "data", "anchor_kinds", "asks")

    def __init__(self, id: str, prior_logit: float, features: tuple[Feat, ...], data: Condition):
        self.id = id
        self.prior_logit = prior_logit
        self.features = features
        self.data = data
        # a condition with a pain map is reached through it (or a red flag); a finding reaches
        # only a condition that has no pain map of its own
        has_map = any(f.kind == "region" for f in features)
        self.anchor_kinds = frozenset({"region", "red-flag"}) if has_map else _ANCHORS
        #: what could be asked about it, for next questions: (intake list, id, the feature's
        #: keys, its positive likelihood ratio, its "yes" rate without the condition)
        self.asks: tuple[tuple[str, str, frozenset[str], float, float], ...] = tuple(
            (ANSWERABLE[f.kind], i, f.keys, exp(f.weight), min(max(f.sensitivity, 0.001), 0.999) / exp(f.weight))
            for f in features
            if f.kind in ANSWERABLE
            for i in f.ids
        )


def prepare(kb: Knowledge, params: ModelParams = DEFAULT) -> Conditions:
    from .rank import nested_regions

    nested = nested_regions(kb)

    def keys(f: Feature) -> frozenset[str]:
        ids = set(f.ids)
        if f.kind == "region":  # a coarse mark counts for the finer regions inside it, and back
            for i in f.ids:
                ids.update(nested.get(i, ()))
        return frozenset(f"{f.kind}:{i}" for i in ids)

    out = Conditions()
    for cid, c in kb.conditions.items():
        feats = tuple(
            Feat(
                f.kind, keys(f), f.value, log(f.lr), Ref(("conditions", cid, "features", j, "why")),
                log(lr_absent(f, params)), tuple(f.ids),
                f.sensitivity or params.assumed_sensitivity,
                f.anchor,
            )
            for j, f in enumerate(c.features)
        )
        out.append(Cond(cid, log(c.prior / (1 - c.prior)), feats, c))
    for k, cond in enumerate(out):
        for f in cond.features:
            if f.kind in cond.anchor_kinds and f.anchor:
                for key in f.keys:
                    out.anchors.setdefault(key, set()).add(k)
    return out


@mypyc_attr(native_class=False)  # a list subclass: mypyc compiles it as a Python class
class Conditions(list[Cond]):
    """The prepared conditions, with an inverted index of their anchor features (a painful
    region, a finding or a red flag -> the conditions it can anchor), so that an assessment
    looks only at the conditions the intake can reach."""

    def __init__(self) -> None:
        super().__init__()
        self.anchors: dict[str, set[int]] = {}


#: A condition is considered only when the pain is where it hurts (a region feature) or a sign
#: points to it (a clinician finding or a red flag).
_ANCHORS = frozenset({"region", "finding", "red-flag"})


def _present(intake: Intake) -> frozenset[str]:
    keys = {f"region:{m.region}" for m in intake.pain if m.intensity > 0}
    for kind, ids in (
        ("quality", intake.qualities),
        ("aggravating", intake.aggravating),
        ("finding", intake.findings),
        ("red-flag", intake.red_flags),
        ("history", intake.history),
    ):
        keys.update(f"{kind}:{i}" for i in ids)
    return frozenset(keys)


def absent_keys(intake: Intake) -> frozenset[str]:
    """The intake's "no" answers as ``kind:id`` keys (the form of :attr:`Feat.keys`)."""
    out: set[str] = set()
    absent = intake.absent
    for kind, field in ANSWERABLE.items():
        ids = absent[field]
        if ids:
            out.update(f"{kind}:{i}" for i in ids)
    return frozenset(out)


def differential(conds: list[Cond], intake: Intake) -> list[tuple[Cond, float, list[Feat], list[Feat]]]:
    """Every condition anchored by a painful region, a finding or a red flag among its
    features: (condition, probability, fired features, features answered "no").

    A feature counts against a condition when every one of its ids was asked and answered
    "no" (intake ``absent``); a feature that was not asked is neutral.
    """
    present = _present(intake)
    nos = absent_keys(intake)
    age = intake.age
    out = []
    anchors = getattr(conds, "anchors", None)
    candidates: list[Cond] = conds
    if anchors is not None:  # only the conditions one of the intake's anchors can reach
        reach: set[int] = set()
        for key in present:
            hit = anchors.get(key)
            if hit:
                reach.update(hit)
        candidates = [conds[k] for k in sorted(reach)]
    for c in candidates:
        fired: list[Feat] = []
        denied: list[Feat] = []
        anchored = False
        for f in c.features:
            value = f.value
            if value is None:
                if not f.keys.isdisjoint(present):
                    fired.append(f)
                    if not anchored and f.anchor and f.kind in c.anchor_kinds:
                        anchored = True
                elif nos and f.weight_absent and f.keys <= nos:
                    denied.append(f)
            elif age is not None and (age > value if f.kind == "age-over" else age < value):
                fired.append(f)
                if not anchored and f.anchor and f.kind in c.anchor_kinds:
                    anchored = True
        if not anchored:
            # activities, qualities, history or age alone do not point to a condition, nor does
            # an examination finding to a condition whose pain is elsewhere than the drawing
            continue
        # summed in order from 0, as sum() does
        pro = 0.0
        for f in fired:
            pro += f.weight
        con = 0.0
        for f in denied:
            con += f.weight_absent
        logit = c.prior_logit + pro + con
        out.append((c, 1.0 / (1.0 + exp(-logit)), fired, denied))
    out.sort(key=lambda t: (-t[1], t[0].id))
    return out
