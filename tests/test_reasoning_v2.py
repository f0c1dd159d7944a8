"""Contract 1.1 reasoning: "no" answers, palpation and next questions (issue 9)."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from test_properties import intakes
from triggermap.engine import assess, parse_intake, prepared
from triggermap.engine.differential import ANSWERABLE, differential
from triggermap.engine.intake import IntakeError
from triggermap.engine.rank import rank_muscles
from triggermap.knowledge import load
from triggermap.schemas import assessment_schema, intake_schema

KB = load()
PREP = prepared(KB)
SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PAIRED = sorted(m for m, d in KB.muscles.items() if not d.midline)


def muscle_scores(doc):
    intake = parse_intake(doc, KB)
    return {s.muscle: s.logit for s in rank_muscles(PREP.index, intake)}


def condition_logits(doc):
    intake = parse_intake(doc, KB)
    out = {}
    for c, p, _fired, _denied in differential(PREP.conditions, intake):
        out[c.id] = p
    return out


def answer_ids(field):
    return sorted(KB.red_flags) if field == "red_flags" else sorted(KB.vocab[field])


@SETTINGS
@given(intakes(), st.sampled_from(list(ANSWERABLE.values())), st.data())
def test_a_no_answer_never_raises_what_the_test_finds(doc, field, data):
    given_ids = set(doc.get(field, []))
    qid = data.draw(st.sampled_from([i for i in answer_ids(field) if i not in given_ids]))
    before_m, before_c = muscle_scores(doc), condition_logits(doc)
    doc2 = json.loads(json.dumps(doc))
    doc2["absent"] = {field: [qid]}
    after_m, after_c = muscle_scores(doc2), condition_logits(doc2)
    key = {"qualities": "qualities", "aggravating": "aggravating", "findings": "findings"}.get(field)
    for m, logit in after_m.items():
        if key and qid in getattr(KB.muscles[m], key):
            assert logit <= before_m[m] + 1e-9, (m, qid)
        else:  # a "no" to something the muscle is not known for leaves it alone
            assert logit == pytest.approx(before_m[m]), (m, qid)
    kind = next(k for k, f in ANSWERABLE.items() if f == field)
    for c, p in after_c.items():
        finds = any(f.kind == kind and qid in f.ids and f.lr > 1 for f in KB.conditions[c].features)
        if finds:
            assert p <= before_c[c] + 1e-12, (c, qid)
    assert set(after_c) == set(before_c)  # a "no" never makes a condition appear or vanish


@SETTINGS
@given(
    intakes(),
    st.sampled_from(PAIRED),
    st.sampled_from(["left", "right", "both"]),
    st.booleans(),
    st.sampled_from([None, True, False]),
)
def test_a_positive_palpation_never_lowers_its_muscle(doc, muscle, side, reproduces, taut):
    before = muscle_scores(doc)
    entry = {"muscle": muscle, "side": side, "tender": True, "reproduces": reproduces}
    if taut is not None:
        entry["taut_band"] = taut
    after = muscle_scores({**doc, "palpation": [entry]})
    if muscle in before:
        assert after[muscle] >= before[muscle] - 1e-9
    for m, logit in after.items():  # and it touches no other muscle
        if m != muscle:
            assert logit == pytest.approx(before[m])


def test_palpation_lifts_a_muscle_whose_spillover_zone_alone_is_painful():
    # gluteus-minimus refers down the side and back of the leg; its spillover includes the calf
    doc = {"pain": [{"region": "thigh-lateral", "side": "left", "intensity": 6}]}
    base = assess(doc, KB)
    ids = [m["id"] for m in base["muscles"]]
    last = ids[-1]
    palp = {**doc, "palpation": [{"muscle": last, "side": "left", "tender": True, "reproduces": True,
                                  "taut_band": True}]}
    top = assess(palp, KB)["muscles"][0]
    assert top["id"] == last
    assert top["supporting"]["palpation"] == ["left:tender", "left:reproduces", "left:taut-band"]


def test_a_non_tender_muscle_drops():
    doc = {"pain": [{"region": "buttock-upper-outer", "side": "right", "intensity": 6}]}
    first = assess(doc, KB)["muscles"][0]
    after = assess({**doc, "palpation": [{"muscle": first["id"], "side": "right", "tender": False}]}, KB)
    scores = {m["id"]: m["score"] for m in after["muscles"]}
    assert scores.get(first["id"], 0.0) < first["score"]
    assert after["muscles"][0]["id"] != first["id"]


def test_palpation_is_side_specific():
    doc = {"pain": [{"region": "buttock-upper-outer", "side": "both", "intensity": 6}]}
    m = assess(doc, KB)["muscles"][0]["id"]
    palp = [{"muscle": m, "side": "left", "tender": True, "reproduces": True},
            {"muscle": m, "side": "right", "tender": False}]
    left = assess({**doc, "palpation": palp}, KB)
    assert next(x for x in left["muscles"] if x["id"] == m)["side"] == "left"
    right = assess({**doc, "palpation": [{**p, "side": "right" if p["side"] == "left" else "left"} for p in palp]}, KB)
    assert next(x for x in right["muscles"] if x["id"] == m)["side"] == "right"


@pytest.mark.parametrize("field", list(ANSWERABLE.values()))
def test_an_id_both_given_and_absent_is_an_error_naming_both(field):
    qid = answer_ids(field)[0]
    doc = {"pain": [{"region": "low-back", "side": "left"}], field: [qid], "absent": {field: [qid]}}
    with pytest.raises(IntakeError) as exc:
        parse_intake(doc, KB)
    assert exc.value.field == f"absent.{field}[0]"
    assert qid in exc.value.message and field in exc.value.message


@pytest.mark.parametrize(
    ("entry", "field", "words"),
    [
        ({"muscle": "glutes", "side": "left", "tender": True}, "palpation[0].muscle", "unknown muscle"),
        ({"muscle": "sphincter-ani", "side": "left", "tender": True}, "palpation[0].side", "midline"),
        ({"muscle": "piriformis", "side": "left"}, "palpation[0].tender", "required"),
        ({"muscle": "piriformis", "tender": True}, "palpation[0].side", "side is required"),
        ({"muscle": "piriformis", "side": "up", "tender": True}, "palpation[0].side", "Allowed"),
        ({"muscle": "piriformis", "side": "left", "tender": "yes"}, "palpation[0].tender", "true or false"),
        ({"muscle": "piriformis", "side": "left", "tender": True, "depth": 3}, "palpation[0].depth", "unknown field"),
    ],
)
def test_bad_palpation_entries_are_refused_naming_the_field(entry, field, words):
    with pytest.raises(IntakeError) as exc:
        parse_intake({"pain": [{"region": "low-back", "side": "left"}], "palpation": [entry]}, KB)
    assert exc.value.field == field
    assert words in exc.value.message


def test_bad_absent_documents_are_refused():
    pain = {"pain": [{"region": "low-back", "side": "left"}]}
    for absent, field in (
        (["fever"], "absent"),
        ({"regions": ["calf"]}, "absent.regions"),
        ({"red_flags": ["fevr"]}, "absent.red_flags[0]"),
        ({"findings": "faber-positive"}, "absent.findings"),
    ):
        with pytest.raises(IntakeError) as exc:
            parse_intake({**pain, "absent": absent}, KB)
        assert exc.value.field == field


def _answer(doc, q):
    """``doc`` with next question ``q`` answered (yes for even calls is not needed: "no")."""
    doc = json.loads(json.dumps(doc))
    if q["field"] == "palpation":
        doc.setdefault("palpation", []).append(
            {"muscle": q["value"], "side": q.get("side", "both"), "tender": False}
            if not KB.muscles[q["value"]].midline else {"muscle": q["value"], "tender": False}
        )
    else:
        doc.setdefault("absent", {}).setdefault(q["field"], []).append(q["value"])
    return doc


@SETTINGS
@given(intakes())
def test_answering_a_question_removes_it_and_asks_new_ones(doc):
    a = assess(doc, KB)
    qs = a["next_questions"]
    assert len(qs) <= 3
    if a["triage"]["level"] == "emergency":
        assert qs == []
        return
    for q in qs:  # never asks what is already answered
        if q["field"] != "palpation":
            assert q["value"] not in doc.get(q["field"], [])
    if not qs:
        return
    again = assess(_answer(doc, qs[0]), KB)["next_questions"]
    assert (qs[0]["field"], qs[0]["value"]) not in {(q["field"], q["value"]) for q in again}


def test_a_relevant_red_flag_is_asked_first():
    doc = {"pain": [{"region": "chest", "side": "left", "intensity": 5}]}
    qs = assess(doc, KB)["next_questions"]
    assert qs[0]["field"] == "red_flags"
    assert KB.red_flags[qs[0]["value"]].level == "emergency"


def test_questions_for_the_person_only():
    doc = {"pain": [{"region": "buttock-upper-outer", "side": "left", "intensity": 5}],
           "red_flags": [], "absent": {"red_flags": sorted(KB.red_flags)}}
    from triggermap import Engine

    qs = Engine(KB).document(doc, who="self")["next_questions"]
    assert qs and all(q["who"] == "self" for q in qs)
    assert all(q["field"] != "palpation" or q["who"] == "self" for q in qs)
    qs_es = Engine(KB).document(doc, "es", who="self")["next_questions"]
    assert [q["value"] for q in qs_es] == [q["value"] for q in qs]
    assert all(q["text"].startswith("¿") or "¿" in q["text"] for q in qs_es)


def test_gain_is_the_model_2_1_value():
    from triggermap.engine.params import DEFAULT

    doc = {"pain": [{"region": "buttock-upper-outer", "side": "left", "intensity": 5}],
           "absent": {"red_flags": sorted(KB.red_flags)}}
    qs = assess(doc, KB)["next_questions"]
    gains = [q["gain"] for q in qs]
    assert gains == sorted(gains, reverse=True)
    # a gain in a probability (at most 1) plus the weighted information, at most 1 bit about
    # each of the 6 muscles and 8 conditions weighed
    bound = 1 + DEFAULT.question_information * (DEFAULT.question_muscles + DEFAULT.question_conditions)
    assert all(0 < g <= bound for g in gains)


def test_a_question_that_can_change_the_top_muscle_is_worth_more_than_its_information():
    """Model 2.1: palpating the best muscle can confirm or dethrone it, so its value is more
    than its weighted information alone (the accuracy term is positive)."""
    from triggermap.engine.questions import _value

    q, r = [0.6, 0.5, 0.2], [0.3]
    hyp = {0: 8.0}
    accuracy = _value(q, r, hyp, {}, 0.85 / 8, 0.0)
    assert accuracy > 0
    assert _value(q, r, hyp, {}, 0.85 / 8, 0.1) > accuracy
    # a question about a hypothesis that cannot reach the top and cannot matter adds only information
    low = _value([0.9, 0.01], [1.0], {1: 1.2}, {}, 0.3, 0.0)
    assert low == pytest.approx(0.0, abs=1e-12)


def test_a_version_1_intake_gets_a_1_1_answer_that_validates():
    jsonschema = pytest.importorskip("jsonschema")
    doc = {"version": 1, "pain": [{"region": "calf", "side": "right", "intensity": 4}]}
    a = assess(doc, KB)
    assert a["contract"] == "1.1"
    assert "next_questions" in a
    jsonschema.validate(a, assessment_schema(KB))


def test_the_published_schemas_cover_the_new_fields():
    jsonschema = pytest.importorskip("jsonschema")
    s = intake_schema(KB)
    doc = {
        "pain": [{"region": "buttock-upper-outer", "side": "left", "intensity": 6}],
        "absent": {"aggravating": ["sitting"], "red_flags": ["fever"]},
        "palpation": [{"muscle": "gluteus-medius", "side": "left", "tender": True, "reproduces": True},
                      {"muscle": "sphincter-ani", "tender": False}],
    }
    jsonschema.validate(doc, s)
    for bad in (
        {**doc, "palpation": [{"muscle": "gluteus-medius", "side": "left"}]},  # no tender
        {**doc, "palpation": [{"muscle": "sphincter-ani", "side": "left", "tender": True}]},
        {**doc, "palpation": [{"muscle": "gluteus-medius", "tender": True}]},
        {**doc, "absent": {"aggravating": ["sittin"]}},
    ):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, s)
    a = assess(doc, KB)
    jsonschema.validate(a, assessment_schema(KB))


def test_absent_lowers_a_condition_by_its_published_negative_ratio():
    # pick a condition finding with published sensitivity and specificity
    for cid, c in KB.conditions.items():
        for f in c.features:
            if f.kind == "finding" and f.sensitivity and f.specificity and f.lr > 1 and len(f.ids) == 1:
                regions = [x for x in c.features if x.kind == "region"]
                if not regions:
                    continue
                region = regions[0].ids[0]
                mark = {"region": region, "intensity": 5}
                if not KB.regions[region].midline:
                    mark["side"] = "left"
                doc = {"pain": [mark], "absent": {"red_flags": sorted(KB.red_flags)}}
                p0 = condition_logits(doc).get(cid)
                p1 = condition_logits({**doc, "absent": {**doc["absent"], "findings": list(f.ids)}}).get(cid)
                if p0 is None:
                    continue
                lr_minus = f.lr_absent or (1 - f.sensitivity) / f.specificity
                odds0, odds1 = p0 / (1 - p0), p1 / (1 - p1)
                assert odds1 / odds0 == pytest.approx(min(lr_minus, 1.0), rel=1e-6)
                return
    pytest.fail("no condition finding with published accuracy")


def test_no_answers_are_explained():
    doc = {"pain": [{"region": "buttock-upper-outer", "side": "left", "intensity": 6}],
           "absent": {"aggravating": ["sitting"]}}
    a = assess(doc, KB)
    for m in a["muscles"]:
        if "sitting" in KB.muscles[m["id"]].aggravating:
            assert m["against"]["aggravating"] == ["sitting"]


def test_parser_and_schema_agree_on_a_null_absent():
    """The schema and the parser agree: ``absent`` is an object (omit it rather than send null)."""
    jsonschema = pytest.importorskip("jsonschema")
    doc = {"pain": [{"region": "calf", "side": "left"}], "absent": None}
    with pytest.raises(IntakeError) as exc:
        parse_intake(doc, KB)
    assert exc.value.field == "absent"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, intake_schema(KB))
