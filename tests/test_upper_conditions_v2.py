"""Upper-body conditions, clinical reasoning v2 (issue 9): objective nerve-root and spinal-cord
signs reach the conditions and the triage they imply, and a textbook picture makes its condition
likely while the drawing alone does not (the calibration target of the issue)."""

from __future__ import annotations

import pytest

from tmhelpers import make_intake
from triggermap.engine import LEVELS, assess

RANK = {lvl: i for i, lvl in enumerate(LEVELS)}
NECK_ARM = (
    ("neck-posterior", "right", 4),
    ("shoulder-top", "right", 3),
    ("forearm-radial", "right", 6),
    ("thumb", "right", 5),
)


def score(a: dict, cid: str) -> float:
    return next((c["score"] for c in a["conditions"] if c["id"] == cid), 0.0)


def at_least(a: dict, level: str) -> bool:
    return RANK[a["triage"]["level"]] >= RANK[level]  # LEVELS runs from self-care up


@pytest.mark.parametrize("deficit", ["reduced-biceps-reflex", "reduced-triceps-reflex", "dermatomal-sensory-loss",
                                     "weakness-grip", "weakness-shoulder-abduction"])
def test_spurling_with_a_root_deficit_makes_cervical_radiculopathy_likely_and_needs_a_clinician(kb, deficit):
    a = assess(make_intake(*NECK_ARM, age=45, qualities=["tingling"], findings=["spurling-positive", deficit]), kb)
    assert at_least(a, "see-clinician")
    assert score(a, "cervical-radiculopathy") >= 0.5
    assert any(r["id"] == "cervical-root-signs-with-spurling" for r in a["triage"]["reasons"])


@pytest.mark.parametrize("reflex", ["reduced-biceps-reflex", "reduced-triceps-reflex"])
def test_a_reduced_arm_reflex_is_never_left_to_self_care(kb, reflex):
    a = assess(make_intake(("shoulder-lateral", "left", 3), findings=[reflex]), kb)
    assert at_least(a, "see-clinician")
    assert "cervical-radiculopathy" in {c["id"] for c in a["conditions"]}


def test_the_neck_and_arm_drawing_alone_does_not_make_radiculopathy_likely(kb):
    a = assess(make_intake(*NECK_ARM, age=45), kb)
    assert score(a, "cervical-radiculopathy") < 0.5


def test_a_positive_hoffmann_sign_points_to_myelopathy_and_needs_a_clinician(kb):
    a = assess(make_intake(("neck-posterior", "left", 3), age=58, findings=["hoffmann-positive"]), kb)
    assert at_least(a, "see-clinician")
    myelopathy = next(c for c in a["conditions"] if c["id"] == "cervical-myelopathy")
    assert "hoffmann-sign" in myelopathy["flagged_by"]


def test_clumsy_hands_with_hoffmann_after_45_is_urgent_and_myelopathy_likely(kb):
    a = assess(
        make_intake(
            ("cervical-spine", 3), ("fingers-radial", "both", 4), ("fingers-ulnar", "both", 4), ("palm", "both", 3),
            age=62, qualities=["numbness", "tingling"], red_flags=["hand-clumsiness-or-gait-change"],
            findings=["hoffmann-positive"],
        ),
        kb,
    )
    assert at_least(a, "urgent")
    assert score(a, "cervical-myelopathy") >= 0.5
    assert a["conditions"][0]["id"] == "cervical-myelopathy"  # an urgent condition comes first


# A textbook picture per condition (the literature's description, not the engine's features) and
# the drawing alone: the picture should make the condition likely, the drawing alone should not.
TEXTBOOK = {
    "carpal-tunnel-syndrome": dict(
        age=50, sex="female", pain=[("fingers-radial", "right", 6), ("thumb", "right", 5), ("palm", "right", 4)],
        qualities=["tingling", "numbness"], aggravating=["night", "gripping"],
        findings=["phalen-positive", "tinel-carpal-positive"]),
    "cubital-tunnel-syndrome": dict(
        age=50, pain=[("fingers-ulnar", "right", 6), ("elbow-medial", "right", 4), ("forearm-ulnar", "right", 4)],
        qualities=["tingling", "numbness"], findings=["weakness-grip", "elbow-flexion-compression-positive"]),
    "adhesive-capsulitis": dict(
        age=55, sex="female", pain=[("shoulder-lateral", "right", 6), ("shoulder-front", "right", 5),
                                    ("upper-arm-lateral", "right", 4)],
        qualities=["stiffness", "aching"], aggravating=["night"], history=["diabetes"],
        findings=["passive-external-rotation-limited"]),
    "temporomandibular-disorder": dict(
        age=30, sex="female", pain=[("jaw", "right", 6), ("ear", "right", 5), ("cheek", "right", 4), ("temple", "right", 3)],
        qualities=["aching"], aggravating=["chewing"], findings=["jaw-opening-limited"]),
    "cervicogenic-headache": dict(
        age=40, pain=[("suboccipital", "right", 6), ("occiput", "right", 5), ("neck-posterior", "right", 5),
                      ("temple", "right", 4), ("forehead", "right", 4), ("eye", "right", 3)],
        qualities=["aching"], aggravating=["turning-head"], findings=["flexion-rotation-test-positive"],
        history=["whiplash"]),
    "costochondritis": dict(
        age=30, sex="female", pain=[("sternum", 5), ("chest-upper", "left", 5)], qualities=["stabbing"],
        aggravating=["deep-breath"], findings=["chest-wall-palpation-reproduces-pain"]),
    "giant-cell-arteritis": dict(
        age=74, sex="female", pain=[("temple", "both", 6), ("jaw", "right", 4)],
        red_flags=["new-headache-over-50", "jaw-claudication", "scalp-tenderness"]),
    "herpes-zoster": dict(
        age=68, pain=[("chest-lateral", "right", 6), ("mid-back", "right", 5)], qualities=["burning"],
        red_flags=["shingles-rash"]),
}


def _doc(pic: dict, drawing_only: bool) -> dict:
    pain = pic["pain"]
    rest = {k: v for k, v in pic.items() if k != "pain"}
    if drawing_only:
        rest = {k: v for k, v in rest.items() if k in ("age", "sex")}
    return make_intake(*pain, **rest)


@pytest.mark.parametrize("cid", sorted(TEXTBOOK))
def test_a_textbook_picture_makes_the_condition_likely_and_the_drawing_alone_does_not(kb, cid):
    full = assess(_doc(TEXTBOOK[cid], drawing_only=False), kb)
    drawing = assess(_doc(TEXTBOOK[cid], drawing_only=True), kb)
    assert score(full, cid) > 0.5
    assert score(drawing, cid) < 0.5
