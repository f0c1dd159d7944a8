"""Parameters of the ranking model, documented in docs/model.md.

Log-likelihood-ratio weights of a naive-Bayes style, one-muscle-versus-background model:
each muscle is scored on its own (no normalisation across muscles), which is what makes
the score monotone in the evidence for that muscle.

:class:`ModelParams` holds them; :data:`DEFAULT` is the published model. The module-level
names below are :data:`DEFAULT`'s values, kept for code that reads them directly. A test
checks docs/model.md's parameter table against :data:`DEFAULT`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from math import log


def _check(p: ModelParams) -> None:
    """Refuse a parameter set the model cannot use, naming the parameter: every value is a finite
    number (a whole one where the field is an int), likelihood ratios are above 0 (the model takes
    their logarithms), the prior and the sensitivities lie strictly between 0 and 1 (it divides by
    them and by their complements), and counts are 0 or more."""
    import math
    from dataclasses import fields

    for f in fields(p):
        if not f.init or f.name == "version":
            continue
        value = getattr(p, f.name)
        kind = int if f.type in ("int", int) else float
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (kind is int and not isinstance(value, int)):
            raise TypeError(f"ModelParams.{f.name} must be {'a whole number' if kind is int else 'a number'}, "
                            f"got {value!r}")
        if not math.isfinite(value):
            raise ValueError(f"ModelParams.{f.name} must be finite, got {value!r}")
        if f.name.startswith("lr_") and not value > 0:
            raise ValueError(f"ModelParams.{f.name} is a likelihood ratio: it must be above 0, got {value!r}")
        if f.name in ("prior", "assumed_sensitivity", "palpation_sensitivity") and not 0 < value < 1:
            raise ValueError(f"ModelParams.{f.name} is a probability: it must be between 0 and 1, got {value!r}")
        if kind is int and value < 0:
            raise ValueError(f"ModelParams.{f.name} must be 0 or more, got {value!r}")


@dataclass(frozen=True, slots=True)
class ModelParams:
    """The model's parameters. Change ``version`` whenever any other value changes."""

    #: Version of this parameter set (appears with every assessment the engine writes).
    version: str = "2.1"
    #: Prior probability that a given muscle's trigger points contribute to a pain drawing.
    prior: float = 0.05
    #: Painful region inside a trigger point's essential zone (pain nearly always felt there).
    lr_essential: float = 6.0
    #: Painful region inside the spillover zone (pain sometimes felt there).
    lr_spillover: float = 2.5
    #: Essential region of the pattern that is not painful (mild: drawings are often partial).
    lr_essential_absent: float = 0.8
    #: Several trigger points of one muscle active together, rather than one.
    lr_all_trigger_points: float = 0.7
    #: The same muscle active on both sides.
    lr_bilateral: float = 0.5
    #: Each aggravating activity, pain quality or clinician finding the muscle is known for.
    lr_aggravating: float = 1.5
    lr_quality: float = 1.3
    lr_finding: float = 1.6
    #: At most this many activity/quality/finding matches count (they are not independent); the
    #: same cap applies separately to the ones answered "no".
    max_support_matches: int = 3
    #: Evidence without a published sensitivity: a "no" answer's likelihood ratio is derived from
    #: its positive one assuming this sensitivity, (1 - s) / (1 - s / lr) (docs/model.md).
    assumed_sensitivity: float = 0.5
    #: Palpation of a muscle on the side in question (documented estimates, docs/model.md):
    #: tender / not tender, pressure reproduces the familiar pain / does not, taut band felt / not.
    #: Any tender finding counts for the muscle (2.0 x 0.7 x 0.75 > 1).
    lr_palpation_tender: float = 2.0
    lr_palpation_not_tender: float = 0.2
    lr_palpation_reproduces: float = 4.0
    lr_palpation_not_reproduces: float = 0.7
    lr_taut_band: float = 2.0
    lr_no_taut_band: float = 0.75
    #: Next questions: hypotheses weighed (the best muscles and the listed conditions), and the
    #: chance that palpating the right muscle finds it tender and familiar.
    question_muscles: int = 6
    question_conditions: int = 8
    palpation_sensitivity: float = 0.85
    #: Next questions (model 2.1): weight of the expected information gain (bits) beside the
    #: expected gain in the probability that the top muscle and the top condition are right.
    question_information: float = 0.1
    #: Weight of a painful region's evidence is ``intensity_base + intensity_step * intensity``
    #: (0.55 at 1/10 up to 1.0 at 10/10).
    intensity_base: float = 0.5
    intensity_step: float = 0.05
    #: Most muscles listed in an assessment (contract: at most 10).
    max_muscles: int = 10
    #: Muscles whose self-care items go into the plan: at most this many, and only those scoring
    #: at least ``plan_relative_min`` times the best muscle's score (a plan for the likely ones).
    plan_muscles: int = 3
    plan_relative_min: float = 0.5
    #: A condition is listed when its probability reaches this (or a red flag points to it).
    condition_list_min: float = 0.08
    #: A condition this probable raises triage to its ``level_when_likely``.
    condition_likely: float = 0.5
    #: Any region at this intensity or more means "see a clinician" (contract).
    severe_intensity: int = 8
    #: Pain lasting longer than this many weeks means "see a clinician" (contract).
    long_duration_weeks: int = 6
    # derived log weights (not arguments)
    prior_logit: float = field(init=False, repr=False, compare=False)
    w_essential: float = field(init=False, repr=False, compare=False)
    w_spillover: float = field(init=False, repr=False, compare=False)
    w_absent: float = field(init=False, repr=False, compare=False)
    w_all_tps: float = field(init=False, repr=False, compare=False)
    w_bilateral: float = field(init=False, repr=False, compare=False)
    w_aggravating: float = field(init=False, repr=False, compare=False)
    w_quality: float = field(init=False, repr=False, compare=False)
    w_finding: float = field(init=False, repr=False, compare=False)
    w_aggravating_absent: float = field(init=False, repr=False, compare=False)
    w_quality_absent: float = field(init=False, repr=False, compare=False)
    w_finding_absent: float = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _check(self)
        put = object.__setattr__
        put(self, "prior_logit", log(self.prior / (1 - self.prior)))
        put(self, "w_essential", log(self.lr_essential))
        put(self, "w_spillover", log(self.lr_spillover))
        put(self, "w_absent", log(self.lr_essential_absent))
        put(self, "w_all_tps", log(self.lr_all_trigger_points))
        put(self, "w_bilateral", log(self.lr_bilateral))
        put(self, "w_aggravating", log(self.lr_aggravating))
        put(self, "w_quality", log(self.lr_quality))
        put(self, "w_finding", log(self.lr_finding))
        put(self, "w_aggravating_absent", log(self.lr_absent_assumed(self.lr_aggravating)))
        put(self, "w_quality_absent", log(self.lr_absent_assumed(self.lr_quality)))
        put(self, "w_finding_absent", log(self.lr_absent_assumed(self.lr_finding)))

    def lr_absent_assumed(self, lr: float) -> float:
        """The likelihood ratio of a "no" answer to evidence of positive ratio ``lr`` whose
        sensitivity is not published: sensitivity ``assumed_sensitivity`` and the specificity
        that gives ``lr``; neutral (1) for evidence that does not count for (``lr <= 1``)."""
        s = self.assumed_sensitivity
        if lr <= 1.0:
            return 1.0
        return (1.0 - s) / (1.0 - s / lr)

    def palpation_weight(self, tender: bool, reproduces: bool | None, taut_band: bool | None) -> float:
        """Log likelihood ratio of one palpation finding for its muscle on its side."""
        if not tender:  # a trigger point is tender by definition; not tender speaks against it
            w = log(self.lr_palpation_not_tender)
        else:
            w = log(self.lr_palpation_tender)
            if reproduces is not None:
                w += log(self.lr_palpation_reproduces if reproduces else self.lr_palpation_not_reproduces)
        if taut_band is not None:
            w += log(self.lr_taut_band if taut_band else self.lr_no_taut_band)
        return w

    def intensity_factor(self, intensity: int) -> float:
        """Weight of a painful region's evidence: 0.55 at 1/10 up to 1.0 at 10/10."""
        return self.intensity_base + self.intensity_step * intensity


#: The published model.
DEFAULT = ModelParams()

PRIOR = DEFAULT.prior
PRIOR_LOGIT = DEFAULT.prior_logit
LR_ESSENTIAL = DEFAULT.lr_essential
LR_SPILLOVER = DEFAULT.lr_spillover
LR_ESSENTIAL_ABSENT = DEFAULT.lr_essential_absent
LR_ALL_TRIGGER_POINTS = DEFAULT.lr_all_trigger_points
LR_BILATERAL = DEFAULT.lr_bilateral
LR_AGGRAVATING = DEFAULT.lr_aggravating
LR_QUALITY = DEFAULT.lr_quality
LR_FINDING = DEFAULT.lr_finding
MAX_SUPPORT_MATCHES = DEFAULT.max_support_matches

W_ESSENTIAL = DEFAULT.w_essential
W_SPILLOVER = DEFAULT.w_spillover
W_ABSENT = DEFAULT.w_absent
W_ALL_TPS = DEFAULT.w_all_tps
W_BILATERAL = DEFAULT.w_bilateral
W_AGGRAVATING = DEFAULT.w_aggravating
W_QUALITY = DEFAULT.w_quality
W_FINDING = DEFAULT.w_finding

intensity_factor = DEFAULT.intensity_factor

MAX_MUSCLES = DEFAULT.max_muscles
PLAN_MUSCLES = DEFAULT.plan_muscles
PLAN_RELATIVE_MIN = DEFAULT.plan_relative_min
CONDITION_LIST_MIN = DEFAULT.condition_list_min
CONDITION_LIKELY = DEFAULT.condition_likely
SEVERE_INTENSITY = DEFAULT.severe_intensity
LONG_DURATION_WEEKS = DEFAULT.long_duration_weeks

