"""The contract vocabulary is defined once (triggermap.vocabulary); typed copies agree with it."""

from __future__ import annotations

import typing

from triggermap import schemas, vocabulary
from triggermap.assess import LEVELS
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
