"""One intake contract: what the parser rejects, the published JSON Schema rejects too, and the
valid intakes the parser accepts validate; the form and schema limits are the vocabulary's."""

from __future__ import annotations

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from triggermap import vocabulary as V
from triggermap.engine import IntakeError, parse_intake
from triggermap.knowledge import load
from triggermap.schemas import intake_schema

KB = load()
SCHEMA = intake_schema(KB)
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
MIDLINE = next(r for r, d in KB.regions.items() if d.midline)
LATERAL = next(r for r, d in KB.regions.items() if not d.midline)
RED_FLAG = next(iter(KB.red_flags))
QUALITY = next(iter(KB.vocab["qualities"]))

#: values that probe each rule: wrong types, limits and one past them, ids and near misses
ODD = [
    None, True, False, 0, 1, -1, 1.0, 5.5, 10, 11, V.AGE_MAX, V.AGE_MAX + 1, V.DURATION_MAX_WEEKS,
    V.DURATION_MAX_WEEKS + 0.5, "", "x", "left", "both", "female", "standard", "female-pre-2021",
    MIDLINE, LATERAL, RED_FLAG, QUALITY, QUALITY + "s", [], [None], ["x"], [RED_FLAG], [QUALITY],
    [101], [100], [238], [239], {}, {"region": LATERAL},
]
FIELDS = ["version", "age", "sex", "duration_weeks", "pain", "choir", "choir_numbering", "qualities",
          "aggravating", "findings", "red_flags", "history", "unknown-field"]
PAIN_FIELDS = ["region", "side", "intensity", "extra"]
SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def base() -> dict:
    return {"version": 1, "age": 40, "sex": "female", "duration_weeks": 2,
            "pain": [{"region": LATERAL, "side": "left", "intensity": 5}, {"region": MIDLINE, "intensity": 3}],
            "qualities": [QUALITY]}


@st.composite
def mutated(draw):
    doc = base()
    for _ in range(draw(st.integers(1, 3))):
        where = draw(st.sampled_from(["field", "drop", "pain"]))
        if where == "field":
            doc[draw(st.sampled_from(FIELDS))] = draw(st.sampled_from(ODD))
        elif where == "drop":
            doc.pop(draw(st.sampled_from(FIELDS)), None)
        elif isinstance(doc.get("pain"), list) and doc["pain"] and isinstance(doc["pain"][0], dict):
            item = dict(doc["pain"][draw(st.integers(0, len(doc["pain"]) - 1))])
            if draw(st.booleans()):
                item[draw(st.sampled_from(PAIN_FIELDS))] = draw(st.sampled_from(ODD))
            else:
                item.pop(draw(st.sampled_from(PAIN_FIELDS)), None)
            doc["pain"] = [*doc["pain"], item]
    return doc


@SETTINGS
@given(mutated())
def test_what_the_parser_rejects_the_schema_rejects(doc):
    try:
        parse_intake(doc, KB)
    except IntakeError as exc:
        assert not VALIDATOR.is_valid(doc), f"the schema accepts what the parser rejects ({exc})"


@pytest.mark.parametrize("doc", [
    base(),
    {"choir": [101, 238]},
    {"red_flags": [RED_FLAG]},
    {"pain": [{"region": LATERAL, "side": "both"}], "duration_weeks": V.DURATION_MAX_WEEKS, "age": V.AGE_MAX},
])
def test_valid_intakes_validate(doc):
    parse_intake(doc, KB)
    VALIDATOR.validate(doc)


def test_schema_limits_are_the_vocabulary():
    props = SCHEMA["properties"]
    assert sorted(props["choir"]["items"]["enum"]) == sorted(V.CHOIR_CODES)
    age = next(a for a in props["age"]["anyOf"] if a.get("type") == "integer")
    assert (age["minimum"], age["maximum"]) == (V.AGE_MIN, V.AGE_MAX)
    weeks = next(a for a in props["duration_weeks"]["anyOf"] if a.get("type") == "number")
    assert (weeks["minimum"], weeks["maximum"]) == (V.DURATION_MIN_WEEKS, V.DURATION_MAX_WEEKS)
    intensity = SCHEMA["$defs"]["PainIn"]["properties"]["intensity"]
    assert (intensity["minimum"], intensity["maximum"], intensity["default"]) == (
        V.INTENSITY_MIN, V.INTENSITY_MAX, V.DEFAULT_INTENSITY)


def test_web_form_limits_are_the_vocabulary():
    from triggermap.web.app import LIMITS

    assert LIMITS == {"age_min": V.AGE_MIN, "age_max": V.AGE_MAX, "weeks_min": V.DURATION_MIN_WEEKS,
                      "weeks_max": V.DURATION_MAX_WEEKS}
