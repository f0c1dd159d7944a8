"""The public Python API (triggermap.Engine, triggermap.engine) and the model parameters."""

from __future__ import annotations

import dataclasses
import re

import pytest

import triggermap
from tmhelpers import ROOT, make_intake
from triggermap.engine.params import DEFAULT, ModelParams

INTAKE = make_intake(("buttock-lower-outer", "left", 6), ("thigh-lateral", "left", 5), aggravating=["sitting"])


def test_engine_and_module_function_agree(kb):
    engine = triggermap.Engine(kb)
    a = engine.assess(INTAKE)
    assert a == triggermap.assess(INTAKE, kb)
    assert a["model_version"] == DEFAULT.version == engine.params.version
    assert engine.assess(INTAKE, lang="es")["lang"] == "es"
    with pytest.raises(ValueError):
        engine.assess(INTAKE, lang="xx")


def test_assess_many_streams_and_reports_errors(kb):
    engine = triggermap.Engine(kb)

    def intakes():
        yield INTAKE
        yield {"pain": [{"region": "nowhere"}]}
        yield make_intake(("calf", "right", 4))

    out = engine.assess_many(intakes(), errors="report")
    assert next(out)["muscles"]  # lazy: the first result before the rest is read
    err = next(out)
    assert err["index"] == 1 and err["field"] == "pain[0].region"
    assert next(out)["muscles"][0]["side"] == "right"
    with pytest.raises(triggermap.IntakeError):
        list(engine.assess_many(intakes()))


def test_params_change_the_scores(kb):
    base = triggermap.Engine(kb).assess(INTAKE)
    sharper = triggermap.Engine(kb, ModelParams(version="test", lr_essential=9.0)).assess(INTAKE)
    assert sharper["model_version"] == "test"
    assert sharper["muscles"][0]["score"] > base["muscles"][0]["score"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        DEFAULT.prior = 0.5  # type: ignore[misc]


def test_model_md_parameter_table_matches_model_params():
    """docs/model.md's parameter table and inline values are ModelParams' defaults."""
    text = (ROOT / "docs" / "model.md").read_text(encoding="utf-8")
    seen = set()
    for names, values in re.findall(r"^\| ((?:`[A-Z_]+`(?:, )?)+) \| ([0-9., ]+) \|", text, re.M):
        keys = re.findall(r"`([A-Z_]+)`", names)
        nums = [float(v) for v in values.split(",")]
        assert len(keys) == len(nums), names
        for key, num in zip(keys, nums, strict=True):
            assert getattr(DEFAULT, key.lower()) == num, key
            seen.add(key.lower())
    for key, num in re.findall(r"`([A-Z_]+)` = ([0-9.]+)", text):
        assert getattr(DEFAULT, key.lower()) == float(num), key
        seen.add(key.lower())
    base, step = re.search(r"\| `w\(r\)` \| ([0-9.]+) \+ ([0-9.]+) × intensity \|", text).groups()
    assert (DEFAULT.intensity_base, DEFAULT.intensity_step) == (float(base), float(step))
    assert f"at most {DEFAULT.max_support_matches} count" in text
    assert f"any region at {DEFAULT.severe_intensity}/10 or more" in text
    assert f"pain lasting more than {DEFAULT.long_duration_weeks} weeks" in text
    assert f"`ModelParams.version` = \"{DEFAULT.version}\"" in text
    documented = {f.name for f in dataclasses.fields(ModelParams) if f.init} - {
        "version", "intensity_base", "intensity_step", "max_support_matches", "severe_intensity",
        "long_duration_weeks",
    }
    assert documented <= seen, documented - seen
