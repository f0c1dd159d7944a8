"""The contract vocabulary is defined once (triggermap.vocabulary); typed copies agree with it."""

from __future__ import annotations

import typing

from triggermap import schemas, vocabulary
from triggermap.engine import LEVELS
from triggermap.vocabulary import closest, did_you_mean


def test_typed_literals_agree_with_the_vocabulary() -> None:
    from triggermap.web.api import Lang

    assert typing.get_args(Lang) == vocabulary.LANGS
    assert set(typing.get_args(schemas.Level)) == set(vocabulary.LEVELS)
    assert typing.get_args(schemas.Level) == vocabulary.LEVELS_SEVERE_FIRST
    assert typing.get_args(schemas.AssessmentDoc.model_fields["lang"].annotation) == vocabulary.LANGS
    assert typing.get_args(schemas.AssessmentDoc.model_fields["contract"].annotation) == (vocabulary.CONTRACT_VERSION,)
    side = schemas.PainIn.model_fields["side"].annotation
    assert set(typing.get_args(typing.get_args(side)[0])) == set(vocabulary.SIDES)
    sex = schemas.IntakeDoc.model_fields["sex"].annotation
    assert typing.get_args(typing.get_args(sex)[0]) == vocabulary.SEXES
    numbering = schemas.IntakeDoc.model_fields["choir_numbering"].annotation
    assert typing.get_args(numbering) == vocabulary.CHOIR_NUMBERINGS
    result_side = schemas.Explained.model_fields["side"].annotation
    assert typing.get_args(typing.get_args(result_side)[0]) == vocabulary.BODY_SIDES
    question = schemas.NextQuestion.model_fields
    assert typing.get_args(question["field"].annotation) == vocabulary.QUESTION_FIELDS
    assert typing.get_args(question["who"].annotation) == vocabulary.ASKERS
    assert typing.get_args(schemas.PlanItem.model_fields["kind"].annotation) == vocabulary.EXERCISE_KINDS
    assert typing.get_args(schemas.Explained.model_fields["zone"].annotation) == vocabulary.ZONES


def test_knowledge_schema_and_open_data_use_the_vocabulary() -> None:
    from triggermap.charts import geometry
    from triggermap.knowledge import schema as ks
    from triggermap.opendata.export import SCHEMAS

    assert typing.get_args(ks.RedFlag.model_fields["level"].annotation) == vocabulary.LEVELS_SEVERE_FIRST
    assert typing.get_args(ks.Exercise.model_fields["kind"].annotation) == vocabulary.EXERCISE_KINDS
    who = ks.VocabItem.model_fields["who"].annotation  # optional
    assert typing.get_args(typing.get_args(who)[0]) == vocabulary.ASKERS
    lang = next(f for f in SCHEMAS["texts"]["fields"] if f[0] == "lang")
    assert lang[3]["constraints"]["enum"] == list(vocabulary.LANGS)
    assert set(geometry.SIDES) == set(vocabulary.BODY_SIDES)  # a chart's sides, right first


def test_schema_limits_follow_the_vocabulary(kb) -> None:
    a = schemas.assessment_schema(kb)
    assert a["properties"]["next_questions"]["maxItems"] == vocabulary.MAX_NEXT_QUESTIONS
    for name in ("Explained", "Unexplained"):
        intensity = a["$defs"][name]["properties"]["intensity"]
        assert (intensity["minimum"], intensity["maximum"]) == (vocabulary.INTENSITY_MIN, vocabulary.INTENSITY_MAX)


def test_levels_order() -> None:
    assert LEVELS == vocabulary.LEVELS
    assert [vocabulary.LEVEL_RANK[lv] for lv in LEVELS] == list(range(len(LEVELS)))
    assert vocabulary.LEVELS_SEVERE_FIRST[0] == "emergency"


def test_choir_codes() -> None:
    assert len(vocabulary.CHOIR_CODES) == 74
    assert min(vocabulary.CHOIR_CODES) == 101 and max(vocabulary.CHOIR_CODES) == 238


def test_did_you_mean() -> None:
    assert closest("gluteus-minimu", ["gluteus-minimus", "piriformis"]) == "gluteus-minimus"
    assert closest("zzz", ["gluteus-minimus"]) is None
    assert closest(3, ["a"]) is None
    assert did_you_mean("piriformi", ["piriformis"]) == "; did you mean 'piriformis'?"
    assert did_you_mean("x", ["piriformis"]) == ""
    assert did_you_mean("piriformi", ["piriformis"], fmt=" ({!r}?)") == " ('piriformis'?)"
