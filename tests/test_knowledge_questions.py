"""Every vocabulary item can be asked as a next question (contract 1.1 ``next_questions``).

These tests check the curated data: each qualities, aggravating, findings and history id has a
question in English and Spanish and says who answers it; the questions are short, end with a
question mark, speak to the person (``self``) or to the examiner (``clinician``), and a self-test
carries a caution. They check completeness and form, not clinical content.
"""

from __future__ import annotations

import re
import statistics

import pytest

CATEGORIES = ("qualities", "aggravating", "findings", "history")
MAX_QUESTION_WORDS = 25  # the asking sentence, in either language
MAX_SELF_TEST_WORDS = 55  # a self-test's instructions and question together
MAX_SELF_TEST_STEPS = 4  # instruction sentences before the question
# rough Flesch-Kincaid grade of the English self questions: target reading level about grade 6
MAX_MEAN_GRADE = 6.0
MAX_GRADE = 9.0

# Examinations a person must never be asked to do alone: they load a possible fracture (hopping,
# tapping the spine) or move or press the neck (Spurling, distraction, flexion-rotation).
NEVER_SELF = (
    "hop-test-pain",
    "spinal-percussion-tender",
    "spurling-positive",
    "neck-distraction-relief",
    "flexion-rotation-test-positive",
)

_SECOND_PERSON_EN = re.compile(r"\b(you|your|yours|yourself)\b", re.IGNORECASE)
# tú forms and the pronouns that go with them (triggermap speaks "usted")
_TU_ES = re.compile(
    r"\b(tú|tu|tus|te|ti|contigo|tienes|puedes|sientes|estás|eres|haces|has notado|vos|sos)\b",
    re.IGNORECASE,
)
# words that speak to the person in "usted" (a clinician question is about the patient)
_USTED_ES = re.compile(r"\b(usted|su|sus)\b", re.IGNORECASE)
# Spain-only words and forms (the Spanish is neutral Latin-American)
_SPAIN_ES = re.compile(
    r"\b(tumbad[oa]s?|túmbese|tumbarse|ordenador(es)?|vale|coger|coja|cogid[oa]|cogiendo|escayolas?|"
    r"móvil|coche|gafas|zumo|vosotr[oa]s|os|suelos?|deprisa|conducir|ratón)\b|hacia delante",
    re.IGNORECASE,
)


def items(kb):
    for cat in CATEGORIES:
        for iid, item in kb.vocab[cat].items():
            yield cat, iid, item


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.?!])\s+", text.strip()) if s]


def words(text: str) -> list[str]:
    return re.findall(r"[\w'’-]+", text)


def is_self_test(item) -> bool:
    """A question with instructions before it (the person does something, then answers)."""
    return len(sentences(item.question.en)) > 1


def _syllables(word: str) -> int:
    word = word.lower().strip("'’")
    if word.isdigit():
        return len(word)
    n = len(re.findall(r"[aeiouy]+", word))
    if word.endswith("e") and not word.endswith(("le", "ee")) and n > 1:
        n -= 1
    return max(1, n)


def grade(text: str) -> float:
    """Flesch-Kincaid grade level with a vowel-group syllable count (a rough estimate)."""
    ws = words(text)
    return 0.39 * len(ws) / len(sentences(text)) + 11.8 * sum(map(_syllables, ws)) / len(ws) - 15.59


def test_every_vocabulary_item_has_a_question_and_who(kb):
    n = 0
    for cat, iid, item in items(kb):
        q = item.question
        assert q is not None, f"{cat} {iid}: no question"
        assert q.en.strip() and q.es.strip(), f"{cat} {iid}"
        assert q.en != q.es, f"{cat} {iid}: not translated"
        assert item.who in ("self", "clinician"), f"{cat} {iid}: who is {item.who!r}"
        n += 1
    assert n >= 100  # the version-1 and 1.1 vocabularies hold well over a hundred ids


def test_questions_end_with_a_question_mark(kb):
    for cat, iid, item in items(kb):
        en, es = item.question.en, item.question.es
        assert en.endswith("?") and en.count("?") == 1, f"{cat} {iid}: {en!r}"
        assert es.endswith("?") and es.count("?") == 1, f"{cat} {iid}: {es!r}"
        assert es.count("¿") == 1 and es.index("¿") < es.index("?"), f"{cat} {iid}: {es!r}"
        # the asking sentence is the last one: instructions come first
        for text in (en, es):
            assert all(not s.endswith("?") for s in sentences(text)[:-1]), f"{cat} {iid}: {text!r}"


def test_questions_are_short(kb):
    for cat, iid, item in items(kb):
        for lang in ("en", "es"):
            text = item.question.of(lang)
            ask = sentences(text)[-1]
            assert len(words(ask)) <= MAX_QUESTION_WORDS, f"{cat} {iid} {lang}: {len(words(ask))} words"
            if is_self_test(item):
                assert len(words(text)) <= MAX_SELF_TEST_WORDS, f"{cat} {iid} {lang}"
                assert len(sentences(text)) - 1 <= MAX_SELF_TEST_STEPS, f"{cat} {iid} {lang}"
            else:
                assert len(sentences(text)) == 1, f"{cat} {iid} {lang}: one question, no preamble"


def test_self_questions_speak_to_the_person(kb):
    for cat, iid, item in items(kb):
        if item.who != "self":
            continue
        en, es = item.question.en, item.question.es
        assert _SECOND_PERSON_EN.search(en), f"{cat} {iid}: not in the second person: {en!r}"
        assert not _TU_ES.search(es), f"{cat} {iid}: use usted, not tú: {es!r}"


def test_clinician_questions_are_phrased_for_the_clinician(kb):
    clinician = [(cat, iid, item) for cat, iid, item in items(kb) if item.who == "clinician"]
    assert clinician
    for cat, iid, item in clinician:
        en, es = item.question.en, item.question.es
        assert not _SECOND_PERSON_EN.search(en), f"{cat} {iid}: speaks to the person: {en!r}"
        assert not _USTED_ES.search(es), f"{cat} {iid}: speaks to the person: {es!r}"
        assert not is_self_test(item), f"{cat} {iid}: a clinician question needs no instructions"


def test_self_tests_are_findings_and_carry_a_caution(kb):
    tests = [(cat, iid, item) for cat, iid, item in items(kb) if is_self_test(item)]
    assert len(tests) >= 5
    for cat, iid, item in tests:
        assert cat == "findings" and item.who == "self", f"{cat} {iid}"
        en, es = item.question.en, item.question.es
        assert "Stop if it hurts sharply." in en, f"{iid}: no caution: {en!r}"
        assert "Deténgase si siente un dolor agudo." in es, f"{iid}: no caution: {es!r}"


@pytest.mark.parametrize("fid", NEVER_SELF)
def test_risky_examinations_are_left_to_the_clinician(kb, fid):
    assert kb.vocab["findings"][fid].who == "clinician"


def test_self_questions_are_plain_english(kb):
    grades = {iid: grade(item.question.en) for _c, iid, item in items(kb) if item.who == "self"}
    hard = {iid: round(g, 1) for iid, g in grades.items() if g > MAX_GRADE}
    assert not hard, f"reading grade above {MAX_GRADE}: {hard}"
    assert statistics.mean(grades.values()) <= MAX_MEAN_GRADE


def test_no_two_items_ask_the_same_question(kb):
    seen: dict[str, str] = {}
    for cat, iid, item in items(kb):
        for lang in ("en", "es"):
            key = f"{lang}:{item.question.of(lang).casefold()}"
            assert key not in seen, f"{cat} {iid} asks what {seen.get(key)} asks"
            seen[key] = f"{cat} {iid}"


def test_vocabulary_spanish_is_neutral_latin_american(kb):
    for cat, iid, item in items(kb):
        for field in ("label", "definition", "question"):
            es = getattr(item, field).es
            m = _SPAIN_ES.search(es)
            assert m is None, f"{cat} {iid} {field}: {m.group(0)!r} in {es!r}"
