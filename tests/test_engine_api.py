"""The public Python API (triggermap.Engine, triggermap.engine) and the model parameters."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest

import triggermap
from tmhelpers import ROOT, make_intake
from triggermap.engine.params import DEFAULT, ModelParams

INTAKE = make_intake(("buttock-lower-outer", "left", 6), ("thigh-lateral", "left", 5), aggravating=["sitting"])


def test_engine_and_module_function_agree(kb):
    engine = triggermap.Engine(kb)
    a = engine.assess(INTAKE)
    assert isinstance(a, triggermap.Assessment)
    doc = triggermap.localise(a, "en", kb)
    assert doc == triggermap.assess(INTAKE, kb) == engine.document(INTAKE)
    assert doc["model_version"] == a.model_version == DEFAULT.version == engine.params.version
    assert engine.document(INTAKE, lang="es")["lang"] == "es"
    assert engine.localise(a, "es") == triggermap.assess(INTAKE, kb, "es")
    with pytest.raises(ValueError):
        engine.document(INTAKE, lang="xx")
    with pytest.raises(ValueError):
        triggermap.localise(a, "xx", kb)


def test_assessment_is_language_neutral_and_round_trips(kb):
    """An assessment holds ids, scores and phrases, no words of any language; stored as JSON and read
    back, it reads the same in every language (a saved result shown in the reader's language)."""
    intake = {**INTAKE, "red_flags": ["fever"], "duration_weeks": 10}
    a = triggermap.Engine(kb).assess(intake)
    stored = json.dumps(a.to_json(), ensure_ascii=False)
    for lang in ("en", "es"):
        doc = triggermap.localise(a, lang, kb)
        for text in [doc["muscles"][0]["name"], doc["triage"]["reasons"][0]["text"], doc["disclaimer"],
                     *(c["name"] for c in doc["conditions"]), *(q["text"] for q in doc["next_questions"])]:
            assert text not in stored, text
    back = triggermap.Assessment.from_json(json.loads(stored))
    assert back == a
    for lang in ("en", "es"):
        assert triggermap.localise(back, lang, kb) == triggermap.localise(a, lang, kb)
    with pytest.raises(ValueError):
        triggermap.Assessment.from_json({"format": 999})


def test_a_text_the_knowledge_base_no_longer_has_is_a_clear_error(kb):
    from triggermap.engine.result import Ref, Say
    from triggermap.present import StaleAssessment

    a = triggermap.Engine(kb).assess(INTAKE)
    gone = a._replace(reasons=(a.reasons[0]._replace(text=Say("condition-likely", (
        ("condition", Ref(("conditions", "no-such-condition", "name"))), ("why", "x")))),))
    with pytest.raises(StaleAssessment, match="no-such-condition"):
        triggermap.localise(gone, "en", kb)


def test_localise_caches_phrases_by_value_but_keeps_numbers_apart(kb):
    """Phrases are resolved through a cache by value, but 8, 8.0 and True are equal (and hash
    alike) while they read differently, at the top of a phrase or inside it."""
    from triggermap.engine.result import Reason, Ref, Say

    a = triggermap.Engine(kb).assess(INTAKE)
    name = triggermap.localise(a, "en", kb)["conditions"][0]["name"]
    cid = a.conditions[0].id
    for _ in range(2):
        for weeks in (8, 8.0, True):
            inner = Say("long-duration", (("weeks", weeks),))
            outer = Say("condition-likely", (("condition", Ref(("conditions", cid, "name"))), ("why", inner)))
            for text in (inner, outer):
                doc = triggermap.localise(a._replace(reasons=(Reason("x", "see-clinician", text, ()),)), "en", kb)
                got = doc["triage"]["reasons"][0]["text"]
                assert f"lasted {weeks} weeks" in got
                assert (name in got) == (text is outer)


def test_localise_hands_out_fresh_documents(kb):
    """Mutating one document (its lists, its entries) does not change the next one."""
    a = triggermap.Engine(kb).assess({**INTAKE, "duration_weeks": 10})
    want = json.dumps(triggermap.localise(a, "en", kb))
    doc = triggermap.localise(a, "en", kb)
    for key in ("muscles", "conditions", "next_questions", "plan", "references"):
        assert doc[key], key
        doc[key][0]["id"] = "changed"
        doc[key].append({})
    doc["muscles"][0]["trigger_points"].append("changed")
    doc["conditions"][0]["why"].append("changed")
    doc["triage"]["reasons"][0]["answers"].append("changed")
    doc["triage"]["reasons"].clear()
    assert json.dumps(triggermap.localise(a, "en", kb)) == want


def test_assess_many_streams_and_reports_errors(kb):
    engine = triggermap.Engine(kb)

    def intakes():
        yield INTAKE
        yield {"pain": [{"region": "nowhere"}]}
        yield make_intake(("calf", "right", 4))

    out = engine.assess_many(intakes(), errors="report")
    first = next(out)  # lazy: the first result before the rest is read
    assert isinstance(first, triggermap.Assessment) and first.muscles
    err = next(out)
    assert isinstance(err, dict) and err["index"] == 1 and err["field"] == "pain[0].region"
    last = next(out)
    assert isinstance(last, triggermap.Assessment) and last.muscles[0].side == "right"
    with pytest.raises(triggermap.IntakeError):
        list(engine.assess_many(intakes()))
    docs = list(engine.assess_many([INTAKE], "es"))
    assert docs == [triggermap.assess(INTAKE, kb, "es")]


def test_params_change_the_scores(kb):
    base = triggermap.Engine(kb).document(INTAKE)
    sharper = triggermap.Engine(kb, ModelParams(version="test", lr_essential=9.0)).document(INTAKE)
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


def test_summary_is_the_assessment_without_its_explanations(kb):
    """Engine.summary (the batch's CSV/Parquet rows) ranks, triages and lists conditions exactly as
    assess does, and leaves out only the explanations, plan, references and next questions."""
    import csv
    import itertools

    from tmhelpers import ARTICLE, CHOIR_DIR, ROOT
    from triggermap import Engine
    from triggermap.evaluate import load_cases

    eng = Engine(kb)
    with open(CHOIR_DIR / "choir_validation_7068.csv", newline="") as fh:
        drawings = [{"version": 1, "choir": [int(c) for c in r["bodymap_regions_csv"].split(",")]}
                    for r in itertools.islice(csv.DictReader(fh), 200)]
    intakes = drawings + [ARTICLE] + [c["intake"] for c in load_cases(ROOT / "bench" / "cases")]
    assert any(eng.assess(i).plan for i in intakes)  # the comparison covers plans and references too
    for intake in intakes:
        full, short = eng.assess(intake), eng.summary(intake)
        same = ("contract", "kb_version", "model_version", "level", "reasons", "uncovered", "conditions", "choir")
        assert all(getattr(short, f) == getattr(full, f) for f in same), intake
        assert [(m.id, m.score, m.side, m.trigger_points) for m in short.muscles] == [
            (m.id, m.score, m.side, m.trigger_points) for m in full.muscles]
        assert all(not (m.explains or m.unexplained or m.supporting or m.against) for m in short.muscles)
        assert short.plan == short.plan_withheld == short.references == short.next_questions == ()


def test_wrong_argument_types_are_named(kb):
    """A wrong type or value for an argument is a TypeError or ValueError naming it, never an
    AttributeError or KeyError from deep inside (an adversarial run of the library API)."""
    from triggermap import Engine, localise
    from triggermap.engine import parse_intake
    from triggermap.engine.result import Assessment

    eng = Engine(kb)
    a = eng.assess(INTAKE)
    cases = [
        (lambda: localise(None, "en"), TypeError, "assessment"),
        (lambda: localise(a.to_json(), "en"), TypeError, "assessment"),
        (lambda: localise(a, "en", kb="x"), TypeError, "kb"),
        (lambda: triggermap.assess(INTAKE, kb="x"), TypeError, "kb"),
        (lambda: Engine(kb=5), TypeError, "kb"),
        (lambda: Engine(kb, params={}), TypeError, "params"),
        (lambda: eng.assess(INTAKE, max_questions=-1), ValueError, "max_questions"),
        (lambda: eng.assess(INTAKE, max_questions=2.5), TypeError, "max_questions"),
        (lambda: eng.assess(INTAKE, max_questions=None), TypeError, "max_questions"),
        (lambda: parse_intake(INTAKE, None), TypeError, "kb"),
        (lambda: ModelParams(lr_essential=-1.0), ValueError, "lr_essential"),
        (lambda: ModelParams(lr_essential=float("nan")), ValueError, "lr_essential"),
        (lambda: ModelParams(prior=1.0), ValueError, "prior"),
        (lambda: ModelParams(max_muscles=2.5), TypeError, "max_muscles"),
    ]
    from triggermap.engine import core

    compiled = not core.__file__.endswith(".py")  # mypyc checks argument types itself, in its own words
    for call, kind, named in cases:
        with pytest.raises((TypeError, ValueError)) as err:
            call()
        if compiled and isinstance(err.value, TypeError) and "expected" in str(err.value):
            continue  # e.g. "int object expected; got float": a TypeError, at the call
        assert isinstance(err.value, kind), (named, err.value)
        assert named in str(err.value), (named, err.value)
    saved = a.to_json()
    for damaged in ({k: v for k, v in saved.items() if k != "muscles"}, {**saved, "reasons": [{}]}):
        with pytest.raises(ValueError, match="damaged saved assessment"):
            Assessment.from_json(damaged)
