"""Intake validation: every error names the field, the bad value and what is allowed."""

from __future__ import annotations

import pytest

from tmhelpers import make_intake
from triggermap.engine import IntakeError, parse_intake


def err(kb, data) -> IntakeError:
    with pytest.raises(IntakeError) as info:
        parse_intake(data, kb)
    return info.value


def test_minimal_intake(kb):
    it = parse_intake(make_intake(("buttock-lower-inner", "left", 6), ("coccyx", 3)), kb)
    assert [tuple(m) for m in it.pain] == [("buttock-lower-inner", "left", 6), ("coccyx", None, 3)]


def test_typo_suggests_closest_id(kb):
    e = err(kb, make_intake(("buttock-lowr-inner", "left", 6)))
    assert e.field == "pain[0].region"
    assert "buttock-lowr-inner" in e.message and "did you mean 'buttock-lower-inner'" in e.message


def test_side_on_midline_region(kb):
    e = err(kb, make_intake(("coccyx", "left", 3)))
    assert e.field == "pain[0].side" and "midline" in e.message


def test_missing_side_on_lateral_region(kb):
    e = err(kb, {"pain": [{"region": "calf", "intensity": 3}]})
    assert e.field == "pain[0].side" and "left, right, both" in e.message


@pytest.mark.parametrize("value", [11, -1, 5.5, "7", True])
def test_intensity_out_of_range(kb, value):
    e = err(kb, make_intake(("calf", "left", value)))
    assert e.field == "pain[0].intensity" and "0 to 10" in e.message


def test_empty_pain_without_red_flags(kb):
    e = err(kb, {"version": 1, "pain": []})
    assert e.field == "pain" and "red_flags" in e.message


def test_red_flags_alone_are_enough(kb):
    it = parse_intake({"red_flags": ["saddle-anesthesia"]}, kb)
    assert it.red_flags == {"saddle-anesthesia"} and it.pain == ()


@pytest.mark.parametrize(
    ("field", "value"),
    [("qualities", "achy"), ("aggravating", "sittin"), ("findings", "slr"), ("red_flags", "saddle"), ("history", "x")],
)
def test_unknown_list_ids_are_errors(kb, field, value):
    e = err(kb, make_intake(("calf", "left", 3), **{field: [value]}))
    assert e.field == f"{field}[0]" and repr(value) in e.message and "Allowed:" in e.message


def test_unknown_field_is_an_error_not_ignored(kb):
    e = err(kb, {"pain": [{"region": "calf", "side": "left"}], "redflags": ["fever"]})
    assert e.field == "redflags" and "red_flags" in e.message


@pytest.mark.parametrize(
    ("field", "value", "msg"),
    [("age", 121, "0 to 120"), ("age", "40", "whole number"), ("sex", "f", "female"), ("duration_weeks", 600, "520"),
     ("version", 2, "must be 1")],
)
def test_scalar_fields(kb, field, value, msg):
    e = err(kb, make_intake(("calf", "left", 3), **{field: value}))
    assert e.field == field and msg in e.message


def test_not_an_object(kb):
    assert err(kb, [1, 2]).field == "(document)"


def test_choir_codes_expand_to_regions(kb):
    it = parse_intake({"choir": [223]}, kb)
    regions = {(m.region, m.side) for m in it.pain}
    assert ("buttock-lower-inner", "left") in regions and ("sacrum", None) in regions
    assert all(side in ("left", None) for _, side in regions)
    assert it.choir == (223,)


def test_bad_choir_code(kb):
    e = err(kb, {"choir": [223, 999]})
    assert e.field == "choir[1]" and "101-136" in e.message


def test_female_pre_2021_numbering(kb):
    # the old female map numbered the right abdomen 112; the standard code is 116
    it = parse_intake({"choir": [112], "choir_numbering": "female-pre-2021"}, kb)
    assert it.choir == (116,)
    assert {m.region for m in it.pain} >= {"lower-abdomen"}


def test_explicit_pain_wins_over_choir_default(kb):
    it = parse_intake({"choir": [223], "pain": [{"region": "sacrum", "intensity": 9}]}, kb)
    assert ("sacrum", None, 9) in [tuple(m) for m in it.pain]


def test_both_sides_expand(kb):
    it = parse_intake(make_intake(("calf", "both", 4)), kb)
    assert [tuple(m) for m in it.pain] == [("calf", "left", 4), ("calf", "right", 4)]
