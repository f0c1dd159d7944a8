"""Lower-quarter conditions (issue 9): objective nerve-root signs, the published pain maps, the
accuracy of every 1.1 lower-body finding, and the calibration targets of the issue (a textbook
picture scores above 0.5, the drawing alone below it)."""

from __future__ import annotations

import pytest

from tmhelpers import make_intake
from triggermap.engine import assess
from triggermap.vocabulary import LEVEL_RANK

ROOT_SIGNS = [
    "dermatomal-sensory-loss",
    "reduced-ankle-reflex",
    "reduced-knee-reflex",
    "weakness-ankle-dorsiflexion",
    "weakness-ankle-plantarflexion",
    "weakness-great-toe-extension",
    "weakness-knee-extension",
    "weakness-hip-flexion",
]

#: The 1.1 back, pelvis and leg examination findings (contract 1.1) and the v1 nerve-root signs:
#: each must carry its accuracy on at least one condition it tests.
LOWER_FINDINGS = [
    "faber-positive",
    "fadir-positive",
    "piriformis-provocation-positive",
    "si-provocation-positive",
    "hip-rotation-pain",
    "trendelenburg-positive",
    "single-leg-stance-pain",
    "resisted-hip-abduction-pain",
    "slump-positive",
    "femoral-nerve-stretch-positive",
    "reduced-pedal-pulses",
    "ankle-brachial-index-low",
    "spinal-percussion-tender",
    "straight-leg-raise-positive",
    "crossed-straight-leg-raise-positive",
    *ROOT_SIGNS,
]


def score(a, cid):
    return next((c["score"] for c in a["conditions"] if c["id"] == cid), 0.0)


def at_least(a, level):
    return LEVEL_RANK[a["triage"]["level"]] >= LEVEL_RANK[level]


def test_straight_leg_raise_with_a_dermatomal_deficit_makes_radiculopathy_likely(kb):
    """Issue 9's own example: buttock-to-thigh pain, positive straight-leg raise, dermatomal
    sensory loss (it used to score 0.12 and self-care)."""
    a = assess(
        make_intake(
            ("buttock-lower-outer", "left", 6),
            ("thigh-posterior", "left", 5),
            findings=["straight-leg-raise-positive", "dermatomal-sensory-loss"],
        ),
        kb,
    )
    assert score(a, "lumbar-radiculopathy") >= 0.5
    assert at_least(a, "see-clinician")


@pytest.mark.parametrize("sign", ROOT_SIGNS)
def test_any_objective_root_sign_in_a_leg_reaches_see_clinician(kb, sign):
    a = assess(make_intake(("thigh-lateral", "right", 3), findings=[sign]), kb)
    assert at_least(a, "see-clinician")
    assert "lumbar-nerve-root-deficit" in {r["id"] for r in a["triage"]["reasons"]}
    assert "lumbar-radiculopathy" in {c["id"] for c in a["conditions"]}


def test_the_leg_root_rule_does_not_fire_for_arm_pain(kb):
    a = assess(make_intake(("forearm-radial", "left", 4), findings=["dermatomal-sensory-loss"]), kb)
    assert "lumbar-nerve-root-deficit" not in {r["id"] for r in a["triage"]["reasons"]}


def test_upper_lumbar_thigh_pain_and_numbness_are_considered(kb):
    a = assess(make_intake(("thigh-anterior", "right", 5), qualities=["numbness"]), kb)
    assert "lumbar-radiculopathy" in {c["id"] for c in a["conditions"]}


@pytest.mark.parametrize(
    ("cid", "region"),
    [
        ("peripheral-arterial-disease", "buttock-upper-outer"),
        ("peripheral-arterial-disease", "thigh-posterior"),
        ("peripheral-arterial-disease", "calf"),
        ("lumbar-radiculopathy", "thigh-medial"),
        ("lumbar-radiculopathy", "calf"),
        ("hip-osteoarthritis", "groin"),
        ("hip-osteoarthritis", "thigh-anterior"),
        ("hip-osteoarthritis", "knee-anterior"),
        ("greater-trochanteric-pain-syndrome", "hip-lateral"),
        ("greater-trochanteric-pain-syndrome", "thigh-lateral"),
        ("sacroiliac-joint-pain", "sacroiliac"),
        ("sacroiliac-joint-pain", "buttock-upper-inner"),
        ("sacroiliac-joint-pain", "low-back"),
    ],
)
def test_published_pain_maps_are_keyed(kb, cid, region):
    regions = {i for f in kb.conditions[cid].features if f.kind == "region" for i in f.ids}
    assert region in regions


@pytest.mark.parametrize("finding", LOWER_FINDINGS)
def test_every_lower_finding_carries_its_accuracy_on_a_condition(kb, finding):
    assert finding in kb.vocab["findings"]
    uses = [
        f
        for c in kb.conditions.values()
        for f in c.features
        if f.kind == "finding" and finding in f.ids
    ]
    assert uses, f"{finding} is used by no condition"
    # a published accuracy (sensitivity and specificity) or an explicit negative ratio
    assert any(f.sensitivity is not None or f.lr_absent is not None for f in uses), finding


LOWER_GROUPS = {"pelvis", "hip-thigh", "knee", "leg", "ankle-foot"}


def lower_conditions(kb):
    """Conditions whose map reaches the pelvis or the leg (the lower-quarter curation)."""
    for cid, c in kb.conditions.items():
        regions = {i for f in c.features if f.kind == "region" for i in f.ids}
        if any(kb.regions[r].group in LOWER_GROUPS for r in regions):
            yield cid, c


def test_published_sensitivity_and_specificity_give_the_lr(kb):
    """Where a lower-quarter feature gives both figures its lr is their ratio, unless the curator
    set the test as uninformative (lr 1) or capped it lower; a ratio well above the published
    one is an error."""
    for cid, c in lower_conditions(kb):
        for f in c.features:
            sens, spec = f.sensitivity, f.specificity
            if sens is None or spec is None or spec >= 1 or f.lr == 1:
                continue
            assert f.lr <= sens / (1 - spec) * 1.15 + 1e-9, (cid, f.ids, f.lr, sens, spec)


TEXTBOOK = {
    "peripheral-arterial-disease": dict(
        age=67,
        sex="male",
        pain=[("calf", "left", 6)],
        qualities=["cramping"],
        aggravating=["walking", "walking-uphill"],
        history=["smoking"],
        findings=["reduced-pedal-pulses", "ankle-brachial-index-low"],
    ),
    "lumbar-radiculopathy": dict(
        age=42,
        sex="male",
        pain=[
            ("buttock-lower-outer", "left", 5),
            ("thigh-lateral", "left", 5),
            ("leg-lateral", "left", 6),
            ("foot-dorsum", "left", 6),
        ],
        qualities=["electric", "tingling"],
        aggravating=["coughing-sneezing"],
        findings=["straight-leg-raise-positive", "dermatomal-sensory-loss", "weakness-great-toe-extension"],
    ),
    "hip-osteoarthritis": dict(
        age=66,
        sex="female",
        pain=[("groin", "right", 6), ("thigh-anterior", "right", 4), ("knee-anterior", "right", 3)],
        aggravating=["morning-stiffness", "walking", "climbing-stairs"],
        findings=["hip-internal-rotation-limited", "hip-rotation-pain"],
    ),
    "greater-trochanteric-pain-syndrome": dict(
        age=55,
        sex="female",
        pain=[("hip-lateral", "right", 6), ("thigh-lateral", "right", 4)],
        aggravating=["lying-on-affected-side", "climbing-stairs"],
        findings=["trochanter-tender", "single-leg-stance-pain"],
    ),
    "sacroiliac-joint-pain": dict(
        age=34,
        sex="female",
        pain=[("sacroiliac", "left", 6), ("buttock-upper-inner", "left", 5)],
        history=["pregnancy"],
        findings=["si-provocation-positive"],
    ),
    "lumbar-spinal-stenosis": dict(
        age=72,
        sex="male",
        pain=[("buttock-upper-outer", "both", 5), ("thigh-posterior", "both", 5), ("calf", "both", 4)],
        qualities=["tingling"],
        aggravating=["walking", "prolonged-standing"],
        history=["relief-sitting-or-bending-forward"],
    ),
}


@pytest.mark.parametrize("cid", sorted(TEXTBOOK))
def test_a_textbook_picture_scores_above_half_and_the_drawing_alone_below(kb, cid):
    case = dict(TEXTBOOK[cid])
    pain = case.pop("pain")
    full = assess(make_intake(*pain, **case), kb)
    drawing = assess(make_intake(*pain), kb)
    assert score(full, cid) > 0.5
    assert score(drawing, cid) < 0.5
