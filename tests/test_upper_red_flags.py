"""Upper-quarter red flags: every emergency or urgent flag and rule, read from the knowledge
base, keeps its level whatever else is answered or drawn (hypothesis), plus golden cases."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tmstrategies import pain_marks
from triggermap.engine import LEVELS, assess
from triggermap.knowledge import load
from triggermap.vocabulary import LEVEL_RANK

KB = load()
SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])

FLAGS_AT = {lvl: sorted(f for f, d in KB.red_flags.items() if d.level == lvl) for lvl in LEVELS}
RULES_AT = {lvl: [r for r in KB.rules if r.level == lvl] for lvl in LEVELS}
UPPER_FLAGS = [
    "exertional-chest-arm-jaw-pain", "cold-sweat-or-nausea-with-pain", "thunderclap-headache",
    "headache-with-fever-and-stiff-neck", "new-headache-over-50", "jaw-claudication", "scalp-tenderness",
    "sudden-vision-loss-or-double-vision", "face-arm-speech-weakness", "dizziness-swallowing-speech-trouble",
    "hand-clumsiness-or-gait-change", "arm-weakness-progressive", "coughing-blood", "shingles-rash",
    "hot-swollen-joint",
]


def _ids(category: str) -> list[str]:
    return sorted(KB.vocab[category])


def sub(ids, n=4):
    return st.lists(st.sampled_from(sorted(ids)), max_size=n, unique=True)


@st.composite
def intakes(draw):
    """Any other answers and any drawing (possibly empty), any age and duration."""
    doc = {
        "version": 1,
        "pain": draw(st.lists(pain_marks(KB), max_size=8)),
        "qualities": draw(sub(_ids("qualities"))),
        "aggravating": draw(sub(_ids("aggravating"))),
        "findings": draw(sub(_ids("findings"))),
        "history": draw(sub(_ids("history"))),
        "red_flags": draw(sub(KB.red_flags, 3)),
    }
    if draw(st.booleans()):
        doc["age"] = draw(st.integers(0, 120))
    if draw(st.booleans()):
        doc["duration_weeks"] = draw(st.integers(0, 520))
    return doc


def _add(doc: dict, ids: list[str]) -> None:
    """Put each id into the intake list it belongs to (red flag, history or finding)."""
    for i in ids:
        key = "red_flags" if i in KB.red_flags else "history" if i in KB.vocab["history"] else "findings"
        assert i in KB.red_flags or i in KB.vocab["history"] or i in KB.vocab["findings"], i
        doc[key] = sorted(set(doc.get(key, [])) | {i})


def _rule_answers(rule: dict, pick: int) -> list[str]:
    ids = list(rule.all_of)
    if rule.any_of:
        ids.append(rule.any_of[pick % len(rule.any_of)])
    return ids


def _with_rule(doc: dict, rule: dict, pick: int) -> dict:
    _add(doc, _rule_answers(rule, pick))
    if rule.min_age is not None and (doc.get("age") is None or doc["age"] < rule.min_age):
        doc["age"] = rule.min_age
    if rule.regions:  # a rule keyed to where it hurts: draw one of its regions
        region = rule.regions[pick % len(rule.regions)]
        mark = {"region": region, "intensity": 3}
        if not KB.regions[region].midline:
            mark["side"] = "left"
        doc["pain"] = [*(doc.get("pain") or []), mark]
    if not doc.get("pain") and not doc.get("red_flags"):  # a rule of history/finding ids only
        doc["pain"] = [{"region": "neck-posterior", "side": "left", "intensity": 3}]
    return doc


def level(doc) -> str:
    return assess(doc, KB)["triage"]["level"]


def test_every_contract_upper_flag_exists_with_a_level():
    for fid in UPPER_FLAGS:
        assert fid in KB.red_flags, fid
        assert KB.red_flags[fid].level in LEVELS
    assert FLAGS_AT["emergency"] and RULES_AT["emergency"] and RULES_AT["urgent"]


@pytest.mark.parametrize("flag", FLAGS_AT["emergency"] + FLAGS_AT["urgent"])
def test_flag_alone_reaches_its_level_and_says_so(flag):
    a = assess({"red_flags": [flag]}, KB)
    want = KB.red_flags[flag].level
    assert a["triage"]["level"] == want
    top = a["triage"]["reasons"][0]
    assert top["level"] == want and flag in top["answers"]
    assert a["plan"] == []  # no self-care plan at emergency or urgent


@pytest.mark.parametrize("rule", RULES_AT["emergency"] + RULES_AT["urgent"], ids=lambda r: r.id)
def test_rule_alone_fires_at_its_level_and_names_its_answers(rule):
    for pick in range(max(1, len(rule.any_of))):
        doc = _with_rule({"version": 1}, rule, pick)
        a = assess(doc, KB)
        assert LEVEL_RANK[a["triage"]["level"]] >= LEVEL_RANK[rule.level]
        reason = next(r for r in a["triage"]["reasons"] if r["id"] == rule.id)
        assert reason["level"] == rule.level
        assert set(_rule_answers(rule, pick)) <= set(reason["answers"])


@SETTINGS
@given(intakes(), st.sampled_from(FLAGS_AT["emergency"]))
def test_emergency_flag_is_emergency_whatever_else(doc, flag):
    _add(doc, [flag])
    assert level(doc) == "emergency"


@SETTINGS
@given(intakes(), st.sampled_from(FLAGS_AT["urgent"]))
def test_urgent_flag_is_never_below_urgent(doc, flag):
    _add(doc, [flag])
    assert LEVEL_RANK[level(doc)] >= LEVEL_RANK["urgent"]


@SETTINGS
@given(intakes(), st.sampled_from(RULES_AT["emergency"]), st.integers(0, 20))
def test_emergency_rule_is_emergency_whatever_else(doc, rule, pick):
    assert level(_with_rule(doc, rule, pick)) == "emergency"


@SETTINGS
@given(intakes(), st.sampled_from(RULES_AT["urgent"]), st.integers(0, 20))
def test_urgent_rule_is_never_below_urgent(doc, rule, pick):
    assert LEVEL_RANK[level(_with_rule(doc, rule, pick))] >= LEVEL_RANK["urgent"]


# --- golden combinations ------------------------------------------------------------------


def _reason_ids(a):
    return [r["id"] for r in a["triage"]["reasons"]]


def test_exertional_arm_jaw_pain_with_sweating_is_emergency_even_when_a_muscle_is_tender():
    a = assess(
        {
            "age": 58,
            "sex": "male",
            "pain": [
                {"region": "upper-arm-medial", "side": "left", "intensity": 5},
                {"region": "jaw", "side": "left", "intensity": 4},
            ],
            "findings": ["referred-pain-reproduced", "taut-band-palpable"],
            "red_flags": ["exertional-chest-arm-jaw-pain", "cold-sweat-or-nausea-with-pain"],
        },
        KB,
    )
    assert a["triage"]["level"] == "emergency"
    assert "acs-exertional-pain-with-sweating-or-nausea" in _reason_ids(a)
    assert a["conditions"][0]["id"] == "acute-coronary-syndrome"
    assert a["plan"] == []


def test_exertional_pain_alone_is_urgent_and_with_diabetes_is_emergency():
    base = {"age": 62, "pain": [{"region": "chest-upper", "side": "left", "intensity": 4}],
            "red_flags": ["exertional-chest-arm-jaw-pain"]}
    assert level(base) == "urgent"
    a = assess({**base, "history": ["diabetes"]}, KB)
    assert a["triage"]["level"] == "emergency"
    assert "acs-exertional-pain-heart-disease-or-diabetes" in _reason_ids(a)


def test_new_headache_over_50_with_jaw_claudication_is_urgent_and_with_vision_loss_emergency():
    base = {"age": 72, "sex": "female", "pain": [{"region": "temple", "side": "right", "intensity": 6}],
            "red_flags": ["new-headache-over-50", "jaw-claudication"]}
    a = assess(base, KB)
    assert a["triage"]["level"] == "urgent"
    assert "gca-new-headache-with-jaw-or-scalp" in _reason_ids(a)
    assert "giant-cell-arteritis" in [c["id"] for c in a["conditions"]]
    b = assess({**base, "red_flags": [*base["red_flags"], "sudden-vision-loss-or-double-vision"]}, KB)
    assert b["triage"]["level"] == "emergency"
    assert "gca-vision-loss" in _reason_ids(b)


def test_jaw_claudication_is_urgent_from_50_and_see_clinician_when_young():
    young = {"age": 30, "pain": [{"region": "jaw", "side": "left", "intensity": 4}], "red_flags": ["jaw-claudication"]}
    assert level(young) == "see-clinician"
    assert level({**young, "age": 67}) == "urgent"


def test_neck_manipulation_then_dizziness_is_emergency_dissection():
    a = assess(
        {
            "age": 38,
            "pain": [{"region": "suboccipital", "side": "right", "intensity": 7}],
            "history": ["recent-neck-manipulation"],
            "red_flags": ["dizziness-swallowing-speech-trouble"],
        },
        KB,
    )
    assert a["triage"]["level"] == "emergency"
    assert "cervical-artery-manipulation-neuro" in _reason_ids(a)
    assert a["conditions"][0]["id"] == "cervical-artery-dissection"


def test_sudden_unusual_neck_pain_after_manipulation_is_emergency_without_neuro_signs():
    doc = {"age": 41, "pain": [{"region": "neck-posterior", "side": "left", "intensity": 6}],
           "red_flags": ["sudden-unusual-neck-pain"]}
    assert level(doc) == "urgent"
    assert level({**doc, "history": ["recent-neck-manipulation"]}) == "emergency"


def test_clumsy_hands_with_cancer_history_is_emergency_cord_compression():
    doc = {"age": 66, "pain": [{"region": "neck-posterior", "side": "both", "intensity": 4}],
           "red_flags": ["hand-clumsiness-or-gait-change"]}
    assert level(doc) == "urgent"
    doc["red_flags"] = [*doc["red_flags"], "cancer-history"]
    a = assess(doc, KB)
    assert a["triage"]["level"] == "emergency"
    assert "cervical-cord-cancer" in _reason_ids(a)


def test_smoker_with_shoulder_arm_pain_and_coughing_blood_is_urgent_pancoast():
    a = assess(
        {
            "age": 59,
            "pain": [
                {"region": "shoulder-top", "side": "right", "intensity": 6},
                {"region": "forearm-ulnar", "side": "right", "intensity": 5},
                {"region": "fingers-ulnar", "side": "right", "intensity": 4},
            ],
            "history": ["smoking"],
            "red_flags": ["coughing-blood"],
        },
        KB,
    )
    assert a["triage"]["level"] == "urgent"
    assert "lung-apex-smoker-over-40" in _reason_ids(a)
    assert "pancoast-tumor" in [c["id"] for c in a["conditions"][:3]]


def test_hot_swollen_joint_with_fever_is_emergency():
    doc = {"pain": [{"region": "elbow-lateral", "side": "left", "intensity": 7}], "red_flags": ["hot-swollen-joint"]}
    assert level(doc) == "urgent"
    assert level({**doc, "red_flags": ["hot-swollen-joint", "fever"]}) == "emergency"


def test_a_tender_trigger_point_never_lowers_a_red_flag():
    doc = {"pain": [{"region": "chest-upper", "side": "left", "intensity": 5}],
           "red_flags": ["cold-sweat-or-nausea-with-pain"]}
    before = level(doc)
    doc["findings"] = ["referred-pain-reproduced", "taut-band-palpable"]
    assert level(doc) == before == "emergency"
