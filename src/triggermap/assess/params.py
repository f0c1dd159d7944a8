"""Parameters of the ranking model, documented in docs/model.md.

Log-likelihood-ratio weights of a naive-Bayes style, one-muscle-versus-background model:
each muscle is scored on its own (no normalisation across muscles), which is what makes
the score monotone in the evidence for that muscle.
"""

from math import log

#: Prior probability that a given muscle's trigger points contribute to a lower-quarter pain drawing.
PRIOR = 0.05
PRIOR_LOGIT = log(PRIOR / (1 - PRIOR))
#: Painful region inside a trigger point's essential zone (pain nearly always felt there).
LR_ESSENTIAL = 6.0
#: Painful region inside the spillover zone (pain sometimes felt there).
LR_SPILLOVER = 2.5
#: Essential region of the pattern that is not painful (mild: drawings are often partial).
LR_ESSENTIAL_ABSENT = 0.8
#: Several trigger points of one muscle active together, rather than one.
LR_ALL_TRIGGER_POINTS = 0.7
#: The same muscle active on both sides.
LR_BILATERAL = 0.5
#: Each aggravating activity, pain quality or clinician finding the muscle is known for.
LR_AGGRAVATING = 1.5
LR_QUALITY = 1.3
LR_FINDING = 1.6
#: At most this many activity/quality/finding matches count (they are not independent).
MAX_SUPPORT_MATCHES = 3

W_ESSENTIAL = log(LR_ESSENTIAL)
W_SPILLOVER = log(LR_SPILLOVER)
W_ABSENT = log(LR_ESSENTIAL_ABSENT)
W_ALL_TPS = log(LR_ALL_TRIGGER_POINTS)
W_BILATERAL = log(LR_BILATERAL)
W_AGGRAVATING = log(LR_AGGRAVATING)
W_QUALITY = log(LR_QUALITY)
W_FINDING = log(LR_FINDING)


def intensity_factor(intensity: int) -> float:
    """Weight of a painful region's evidence: 0.55 at 1/10 up to 1.0 at 10/10."""
    return 0.5 + 0.05 * intensity


#: Most muscles listed in an assessment (contract: at most 10).
MAX_MUSCLES = 10
#: Muscles whose self-care items go into the plan: at most this many, and only those scoring
#: at least PLAN_RELATIVE_MIN times the best muscle's score (a plan for the likely ones).
PLAN_MUSCLES = 3
PLAN_RELATIVE_MIN = 0.5
#: A condition is listed when its probability reaches this (or a red flag points to it).
CONDITION_LIST_MIN = 0.08
#: A condition this probable raises triage to its ``level_when_likely``.
CONDITION_LIKELY = 0.5
#: Any region at this intensity or more means "see a clinician" (contract).
SEVERE_INTENSITY = 8
#: Pain lasting longer than this many weeks means "see a clinician" (contract).
LONG_DURATION_WEEKS = 6
