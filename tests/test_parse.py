"""Free-text intake (contract "Free-text intake (1.1)"): lexicons, parser rules, CLI and API."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from triggermap.engine import assess, parse_intake
from triggermap.text import ParseError, load_lexicon, parse_text
from triggermap.text.lexicon import damerau, tokenize
from triggermap.text.parser import absent_supported


def parse(text: str, lang: str = "en", kb: Any = None) -> dict[str, Any]:
    return parse_text(text, lang, kb)


def pain(doc: dict[str, Any]) -> set[tuple[str, str | None]]:
    """The painful marks (an intensity-0 mark says the part does not hurt)."""
    return {(p["region"], p.get("side")) for p in doc["intake"].get("pain", []) if p.get("intensity") != 0}


def pain_free(doc: dict[str, Any]) -> set[tuple[str, str | None]]:
    return {(p["region"], p.get("side")) for p in doc["intake"].get("pain", []) if p.get("intensity") == 0}


def flags(doc: dict[str, Any]) -> set[str]:
    return set(doc["intake"].get("red_flags", []))


def reasons(doc: dict[str, Any]) -> set[tuple[str, str]]:
    return {(u["reason"], u["text"]) for u in doc["unsure"]}


def denied(doc: dict[str, Any], field: str = "red_flags") -> set[str]:
    return {e["value"] for e in doc["evidence"] if e["field"] == f"absent.{field}"}


# -- lexicons -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", ["en", "es"])
def test_lexicon_ids_exist(kb, lang):
    ids = load_lexicon(lang).ids()
    assert ids["pain"] <= set(kb.regions), ids["pain"] - set(kb.regions)
    assert ids["red_flags"] <= set(kb.red_flags), ids["red_flags"] - set(kb.red_flags)
    for field in ("qualities", "aggravating", "findings", "history"):
        assert ids[field] <= set(kb.vocab[field]), ids[field] - set(kb.vocab[field])


@pytest.mark.parametrize("lang", ["en", "es"])
def test_lexicon_covers_every_region_and_red_flag(kb, lang):
    ids = load_lexicon(lang).ids()
    # every region of the vocabulary is reachable from words (coarse ones through their finer regions)
    uncovered = {r for r in kb.regions if r not in ids["pain"] and not set(kb.finer.get(r, ())) & ids["pain"]}
    assert not uncovered, uncovered
    # a red flag without words could never be set from a text: every one has words
    assert set(kb.red_flags) - ids["red_flags"] == set()
    # answers the knowledge curators add in parallel may lack words for a while: most have them
    for field in ("qualities", "aggravating", "history"):
        missing = set(kb.vocab[field]) - ids[field]
        assert len(missing) <= 0.15 * len(kb.vocab[field]), (field, missing)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_lexicon_cites_sources(lang):
    assert any("McGill" in s for s in load_lexicon(lang).sources)
    assert any("ConText" in s for s in load_lexicon(lang).sources)
    if lang == "es":
        assert any("Lázaro" in s for s in load_lexicon(lang).sources)


# -- normalisation ------------------------------------------------------------------------------------
def test_tokens_keep_offsets_and_normalise():
    text = "Me DUELE la Muñeca, ¡mucho! can't"
    toks = tokenize(text)
    words = [t.text for t in toks]
    assert words[:4] == ["me", "duele", "la", "muñeca"]
    assert "cant" in words
    for t in toks:
        assert t.end <= len(text) and t.start < t.end
    muneca = next(t for t in toks if t.text == "muñeca")
    assert text[muneca.start : muneca.end] == "Muñeca"


def test_accents_and_case_do_not_matter(kb):
    a = parse("Me duele la RODILLA izquierda", "es", kb)
    b = parse("me duele la rodílla izquíerda", "es", kb)
    assert pain(a) == pain(b) == {("knee-anterior", "left")}


def test_spelling_mistakes_are_corrected(kb):
    assert ("shoulder-lateral", "left") in pain(parse("my lft shouldr hurts", "en", kb))
    assert ("calf", "left") in pain(parse("me duele la pantorila isquierda", "es", kb))


def test_damerau():
    assert damerau("shouldr", "shoulder", 1) == 1
    assert damerau("rodlila", "rodilla", 1) == 1  # transposition
    assert damerau("hombre", "nalgas", 1) == 2


# -- multi-word expressions and regional words ----------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "region"),
    [
        ("me duele la nalga derecha", "buttock-lower-inner"),
        ("me duele la pompi derecha", "buttock-upper-outer"),
        ("me duele el chamorro derecho", "calf"),
        ("dolor en la pantorrilla derecha", "calf"),
        ("dolor en la corva derecha", "knee-posterior"),
        ("dolor en la ingle derecha", "groin"),
        ("me duele la cadera derecha", "hip-lateral"),
        ("me duele la baja espalda del lado derecho", "low-back"),
        ("me duele la cintura del lado derecho", "low-back"),
        ("me duele el hombro derecho", "shoulder-lateral"),
        ("me duele la quijada derecha", "jaw"),
        ("me duele la muñeca derecha", "wrist-front"),
        ("me duele el sobaco derecho", "axilla"),
        ("dolor entre los omoplatos del lado derecho", "interscapular"),
    ],
)
def test_spanish_regional_words(kb, text, region):
    assert (region, "right") in pain(parse(text, "es", kb))


def test_longest_match_first(kb):
    # "back of my knee" is one place, not "back" + "knee"
    assert pain(parse("pain in the back of my right knee", "en", kb)) == {("knee-posterior", "right")}
    assert pain(parse("me duele el dedo gordo del pie derecho", "es", kb)) == {("big-toe", "right")}


def test_la_nuca_is_the_nape(kb):
    assert ("cervical-spine", None) in pain(parse("me duele la nuca", "es", kb))


# -- laterality --------------------------------------------------------------------------------------------
def test_side_is_scoped_to_its_body_part(kb):
    doc = parse("pain in my left buttock and right calf", "en", kb)
    assert ("calf", "right") in pain(doc) and ("buttock-lower-inner", "left") in pain(doc)
    assert ("calf", "left") not in pain(doc)
    doc = parse("me duele la nalga izquierda y la rodilla derecha", "es", kb)
    assert ("knee-anterior", "right") in pain(doc) and ("buttock-lower-inner", "left") in pain(doc)


def test_both_sides(kb):
    assert pain(parse("both knees hurt", "en", kb)) == {("knee-anterior", "both")}
    assert pain(parse("me duele la espalda baja de ambos lados", "es", kb)) == {("low-back", "both")}
    assert pain(parse("me duelen las rodillas", "es", kb)) == {("knee-anterior", "both")}


def test_a_lateral_region_without_a_side_is_asked_not_guessed(kb):
    with pytest.raises(ParseError) as exc:
        parse("my buttock hurts when I sit", "en", kb)
    doc = exc.value.document
    assert doc is not None
    assert any(u["reason"] == "needs-side" and u["text"] == "buttock" for u in doc["unsure"])
    doc = parse("my buttock hurts, and no fever. Pain in my left calf.", "en", kb)
    assert ("calf", "left") in pain(doc)
    assert not any(r.startswith("buttock") for r, _ in pain(doc))
    assert ("needs-side", "buttock") in reasons(doc)


def test_coordinated_parts_share_one_side(kb):
    assert pain(parse("my left buttock and calf hurt", "en", kb)) >= {("calf", "left"), ("buttock-lower-inner", "left")}


def test_midline_region_takes_no_side(kb):
    doc = parse("my tailbone hurts on the left", "en", kb)
    assert ("coccyx", None) in pain(doc)


# -- scopes: negation, hypothetical, other person -----------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "lang", "flag"),
    [
        ("left knee pain, no fever", "en", "fever"),
        ("left knee pain. Fever: no", "en", "fever"),
        ("left knee pain, denies weight loss", "en", "unexplained-weight-loss"),
        ("dolor en la rodilla izquierda, sin fiebre", "es", "fever"),
        ("me duele la rodilla izquierda y no me orino encima", "es", "bladder-dysfunction"),
        ("me duele la rodilla izquierda, no tengo fiebre ni escalofrios", "es", "fever"),
        ("me duele la rodilla izquierda, niega anestesia en silla de montar", "es", "saddle-anesthesia"),
    ],
)
def test_denied_red_flag_is_not_set(kb, text, lang, flag):
    doc = parse(text, lang, kb)
    assert flag not in flags(doc)
    assert flag in denied(doc)
    if absent_supported():
        assert flag in doc["intake"]["absent"]["red_flags"]
    else:
        assert "absent" not in doc["intake"]
        assert any(u["reason"] == "denied" for u in doc["unsure"])


def test_negation_scope_ends_at_a_new_clause(kb):
    doc = parse("No fever, my left buttock hurts", "en", kb)
    assert ("buttock-lower-inner", "left") in pain(doc)
    doc = parse("no numbness, but my left calf hurts", "en", kb)
    assert ("calf", "left") in pain(doc)


def test_negated_region_and_the_other_side(kb):
    doc = parse("no me duele la rodilla derecha pero la izquierda si", "es", kb)
    assert pain(doc) == {("knee-anterior", "left")}
    assert pain_free(doc) == {("knee-anterior", "right")}
    doc = parse("la rodilla derecha no me duele, la izquierda sí", "es", kb)
    assert pain(doc) == {("knee-anterior", "left")}
    assert pain_free(doc) == {("knee-anterior", "right")}


def test_pseudo_negation_is_not_a_denial(kb):
    doc = parse("I can't pee and my left buttock hurts", "en", kb)
    assert "bladder-dysfunction" in flags(doc)
    doc = parse("me duele la rodilla izquierda, no puedo dormir", "es", kb)
    assert "night" in doc["intake"]["aggravating"]
    doc = parse("perdí peso sin querer y me duele la cadera derecha", "es", kb)
    assert "unexplained-weight-loss" in flags(doc)


def test_other_person_is_not_the_patient(kb):
    doc = parse("My mother had cancer. My left hip hurts.", "en", kb)
    assert "cancer-history" not in flags(doc)
    assert ("other-person", "cancer") in reasons(doc)
    doc = parse("mi mamá tuvo cáncer y a mí me duele la cadera derecha", "es", kb)
    assert "cancer-history" not in flags(doc)


def test_hypothetical_red_flag_is_set_and_flagged(kb):
    doc = parse("my left hip hurts, could it be cancer?", "en", kb)
    assert "cancer-history" in flags(doc)
    assert any(u["reason"] == "hypothetical" for u in doc["unsure"])


def test_conditional_activity_is_an_aggravating_factor(kb):
    # "if I sit long" / "cuando me siento": how people say what makes it worse
    assert "sitting" in parse("my left buttock hurts if I sit long", "en", kb)["intake"]["aggravating"]
    assert "sitting" in parse("me duele la nalga izquierda cuando me siento", "es", kb)["intake"]["aggravating"]


# -- the nerve-root, elbow and claudication answers of vocab/v2-lower.yaml and v2-upper.yaml --------------
@pytest.mark.parametrize(
    ("text", "lang", "field", "iid"),
    [
        ("right buttock pain, crossed straight leg raise positive", "en", "findings", "crossed-straight-leg-raise-positive"),
        ("right calf pain, positive well leg raise", "en", "findings", "crossed-straight-leg-raise-positive"),
        ("me duele la nalga derecha, lasegue cruzado positivo", "es", "findings", "crossed-straight-leg-raise-positive"),
        ("right thigh pain, weak quadriceps", "en", "findings", "weakness-knee-extension"),
        ("dolor en el muslo izquierdo, debilidad de la extensión de la rodilla", "es", "findings", "weakness-knee-extension"),
        ("left groin pain, weak hip flexors", "en", "findings", "weakness-hip-flexion"),
        ("me duele la ingle izquierda, debilidad de los flexores de la cadera", "es", "findings", "weakness-hip-flexion"),
        ("my right calf hurts when I walk but it goes away when I stand still", "en", "history", "relief-standing-still"),
        ("me duele la pantorrilla derecha al caminar y se me quita al quedarme quieto", "es", "history", "relief-standing-still"),
        ("right inner elbow pain, pain on resisted wrist flexion", "en", "findings", "resisted-wrist-flexion-pain"),
        ("me duele la parte interna del codo derecho, flexión resistida de la muñeca positiva", "es", "findings",
         "resisted-wrist-flexion-pain"),
        ("tingling in my left little finger, elbow flexion test positive", "en", "findings",
         "elbow-flexion-compression-positive"),
        ("hormigueo en el meñique izquierdo, prueba de flexión del codo positiva", "es", "findings",
         "elbow-flexion-compression-positive"),
    ],
)
def test_v2_answers_are_read_from_words(kb, text, lang, field, iid):
    doc = parse(text, lang, kb)
    intake = doc["intake"]
    assert iid in intake.get(field, []), (text, intake)
    spans = [(e["start"], e["end"]) for e in doc["evidence"] if e["field"] == field and e["value"] == iid]
    assert spans
    # a body part named inside the test is not drawn, and an activity inside a relief is not an
    # aggravating one: nothing else is read from the words of the answer
    inside = [e for e in doc["evidence"] if (e["field"], e["value"]) != (field, iid) and e["field"] in (
        "pain", "aggravating") and any(a < e["end"] and e["start"] < b for a, b in spans)]
    assert not inside, inside
    assess(parse_intake(intake, kb), kb, lang)  # the intake parser accepts it


@pytest.mark.parametrize(
    ("text", "lang", "iid"),
    [
        ("left calf pain, crossed SLR negative", "en", "crossed-straight-leg-raise-positive"),
        ("me duele la pantorrilla izquierda, elevación cruzada de la pierna recta negativa", "es",
         "crossed-straight-leg-raise-positive"),
        ("left inner elbow pain, elbow flexion compression test negative", "en", "elbow-flexion-compression-positive"),
        ("me duele la parte interna del codo izquierdo, prueba de flexión del codo negativa", "es",
         "elbow-flexion-compression-positive"),
    ],
)
def test_v2_negative_tests_go_to_absent(kb, text, lang, iid):
    intake = parse(text, lang, kb)["intake"]
    assert iid in intake["absent"]["findings"] and iid not in intake.get("findings", [])
    # the crossed test is its own finding, never the straight-leg raise of the painful leg
    assert "straight-leg-raise-positive" not in intake.get("findings", []) + intake["absent"]["findings"]


def test_a_relief_on_standing_still_keeps_chest_pain_a_warning_sign(kb):
    # the relief words still count as rest relief for exertional chest pain
    for text, lang in (("chest pain when I walk that eases when I stand still", "en"),
                       ("me duele el pecho al caminar y se me pasa al quedarme quieto", "es")):
        assert "exertional-chest-arm-jaw-pain" in flags(parse(text, lang, kb))


# -- red flags: always set when mentioned, weak matches flagged ---------------------------------------------
@pytest.mark.parametrize(
    ("text", "lang", "flag"),
    [
        ("numbness between my legs and low back pain", "en", "saddle-anesthesia"),
        ("se me duerme la entrepierna", "es", "saddle-anesthesia"),
        ("I wet myself and my back hurts", "en", "bladder-dysfunction"),
        ("chest pain when I climb stairs", "en", "exertional-chest-arm-jaw-pain"),
        ("me duele el pecho", "es", "chest-pain-or-breathlessness"),
        ("tengo calentura y me duele la espalda", "es", "fever"),
        ("my right calf is swollen and hot", "en", "calf-swelling-redness"),
        ("worst headache of my life", "en", "thunderclap-headache"),
        ("se me duermen las dos piernas", "es", "bilateral-leg-symptoms"),
    ],
)
def test_red_flag_mentioned_is_set(kb, text, lang, flag):
    assert flag in flags(parse(text, lang, kb))


def test_weak_red_flag_is_set_and_listed_in_unsure(kb):
    doc = parse("my left knee hurts and I have chills", "en", kb)
    assert "fever" in flags(doc)
    assert any(u["reason"] == "weak-match" and u["closest"] == [{"field": "red_flags", "value": "fever"}] for u in doc["unsure"])
    doc = parse("my left knee hurts and I have a feaver", "en", kb)  # spelling
    assert "fever" in flags(doc)


def test_mentioned_and_denied_red_flag_is_set(kb):
    doc = parse("no fever yesterday but today I have a fever, left hip pain", "en", kb)
    assert "fever" in flags(doc)
    assert any(u["reason"] == "conflict" for u in doc["unsure"])


def test_nothing_symptom_like_is_dropped(kb):
    doc = parse("my left knee hurts. I also have pain.", "en", kb)
    assert any(u["reason"] == "no-region" for u in doc["unsure"])
    doc = parse("me duele la pierna derecha y la rodilla derecha", "es", kb)
    assert any(u["reason"] == "vague" and u["text"] == "pierna" for u in doc["unsure"])


# -- intensity and duration ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "lang", "value"),
    [
        ("left knee pain 7/10", "en", 7),
        ("left knee pain, 7 out of 10", "en", 7),
        ("left knee pain, about a 6", "en", 6),
        ("my left knee pain is very bad", "en", 7),
        ("my left knee pain is mild", "en", 3),
        ("me duele la rodilla izquierda, un 8", "es", 8),
        ("me duele la rodilla izquierda, siete de diez", "es", 7),
        ("me duele la rodilla izquierda, es insoportable", "es", 9),
    ],
)
def test_intensity(kb, text, lang, value):
    doc = parse(text, lang, kb)
    assert [p.get("intensity") for p in doc["intake"]["pain"]] == [value]


def test_intensity_goes_to_the_regions_it_refers_to(kb):
    doc = parse("left knee 8/10. Right shoulder is mild.", "en", kb)
    by = {p["region"]: p.get("intensity") for p in doc["intake"]["pain"]}
    assert by == {"knee-anterior": 8, "shoulder-lateral": 3}


@pytest.mark.parametrize(
    ("text", "lang", "weeks"),
    [
        ("left knee pain for 3 weeks", "en", 3),
        ("left knee pain since yesterday", "en", 0.14),
        ("left knee pain, started 2 months ago", "en", 8.69),
        ("left knee pain for a year and a half", "en", 78),
        ("me duele la rodilla izquierda desde hace dos meses", "es", 8.69),
        ("me duele la rodilla izquierda desde hace 3 días", "es", 0.43),
        ("me duele la rodilla izquierda desde ayer", "es", 0.14),
    ],
)
def test_duration(kb, text, lang, weeks):
    assert parse(text, lang, kb)["intake"]["duration_weeks"] == pytest.approx(weeks, abs=0.02)


def test_frequency_and_age_are_not_durations(kb):
    doc = parse("I'm 45, I run 3 days a week and my left knee hurts", "en", kb)
    assert "duration_weeks" not in doc["intake"]
    assert doc["intake"]["age"] == 45
    doc = parse("tengo 62 años y me duele la rodilla izquierda", "es", kb)
    assert doc["intake"]["age"] == 62 and "duration_weeks" not in doc["intake"]


# -- the document ------------------------------------------------------------------------------------------
def test_document_shape_and_offsets(kb):
    text = "Me duele la nalga izquierda cuando me siento, desde hace dos meses. No tengo fiebre."
    doc = parse(text, "es", kb)
    assert set(doc) == {"intake", "evidence", "unsure"}
    for e in doc["evidence"]:
        assert set(e) <= {"field", "value", "side", "start", "end", "text"}
        assert text[e["start"] : e["end"]] == e["text"]
    for u in doc["unsure"]:
        assert set(u) == {"text", "start", "end", "reason", "closest"}
        assert text[u["start"] : u["end"]] == u["text"]
    fields = {e["field"] for e in doc["evidence"]}
    assert {"pain", "aggravating", "duration_weeks", "absent.red_flags"} <= fields
    assess(parse_intake(doc["intake"], kb), kb, "es")


@pytest.mark.parametrize(
    ("text", "lang", "field"),
    [("", "en", "text"), ("   \n", "es", "text"), ("x" * 20_001, "en", "text"), ("a\x00b\x01c", "en", "text"),
     ("left knee pain", "fr", "lang"), (b"\xff\xfe\x00", "en", "text")],
)
def test_bad_input(kb, text, lang, field):
    with pytest.raises(ParseError) as exc:
        parse_text(text, lang, kb)
    assert exc.value.field == field


# -- properties ---------------------------------------------------------------------------------------------
WORDS = ["no", "sin", "fever", "fiebre", "left", "izquierda", "right", "derecha", "both", "knee", "rodilla",
         "buttock", "nalga", "chest", "pecho", "pain", "dolor", "me", "duele", "numb", "between", "legs", "cancer",
         "mother", "mamá", "7/10", "for", "3", "weeks", "desde", "hace", "meses", ",", ".", "and", "y", "but", "pero",
         "if", "si", "can't", "pee", "orinar", "weight", "loss", "ni", "escalofríos", "chills"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(WORDS), min_size=0, max_size=25) | st.text(max_size=200), st.sampled_from(["en", "es"]))
def test_any_text_gives_a_valid_intake_or_a_clear_error(kb, words, lang):
    text = words if isinstance(words, str) else " ".join(words)
    try:
        doc = parse_text(text, lang, kb)
    except ParseError as exc:
        assert exc.field in ("text", "lang") and exc.message
        return
    assess(parse_intake(doc["intake"], kb), kb, lang)
    for e in doc["evidence"]:
        assert text[e["start"] : e["end"]] == e["text"]


DENIALS = [("en", "no {}"), ("en", "denies {}"), ("en", "{}: no"), ("es", "sin {}"), ("es", "no tengo {}"), ("es", "niega {}")]
FLAG_WORDS = {"en": ["fever", "weight loss", "saddle numbness", "bowel incontinence", "double vision", "chest pain"],
              "es": ["fiebre", "pérdida de peso", "incontinencia fecal", "visión doble", "dolor de pecho", "calentura"]}


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_a_denied_red_flag_is_never_set(kb, data):
    lang, pattern = data.draw(st.sampled_from(DENIALS))
    word = data.draw(st.sampled_from(FLAG_WORDS[lang]))
    before = data.draw(st.sampled_from(["", "my left knee hurts. ", "me duele la rodilla izquierda. "]))
    after = data.draw(st.sampled_from(["", ". left hip pain", ". me duele la cadera derecha"]))
    text = before + pattern.format(word) + after
    try:
        doc = parse_text(text, lang, kb)
    except ParseError:
        return
    denied_ids = denied(doc)
    assert denied_ids, text
    assert not denied_ids & flags(doc), text


# -- denials go to `absent` (contract 1.1), by category; body parts said not to hurt are pain-free marks ----
ABSENT_FIELDS = ("qualities", "aggravating", "findings", "red_flags", "history")


@pytest.mark.parametrize(
    ("text", "lang", "field", "iid"),
    [
        ("left buttock pain, no numbness", "en", "qualities", "numbness"),
        ("the pain in my left buttock isn't burning", "en", "qualities", "burning"),
        ("pain in the right knee, walking doesn't make it worse", "en", "aggravating", "walking"),
        ("pain in the right knee, not worse at night", "en", "aggravating", "night"),
        ("right buttock pain, straight leg raise negative", "en", "findings", "straight-leg-raise-positive"),
        ("right buttock pain, no taut band", "en", "findings", "taut-band-palpable"),
        ("left calf pain, no fever", "en", "red_flags", "fever"),
        ("left calf pain, denies weight loss", "en", "red_flags", "unexplained-weight-loss"),
        ("left breast pain, not pregnant", "en", "history", "pregnancy"),
        ("right hip pain, I don't smoke", "en", "history", "smoking"),
        ("dolor en la nalga izquierda, sin adormecimiento", "es", "qualities", "numbness"),
        ("me duele la nalga izquierda, no es ardor", "es", "qualities", "burning"),
        ("me duele la rodilla derecha, caminar no me empeora", "es", "aggravating", "walking"),
        ("me duele la rodilla derecha pero no me duele al caminar", "es", "aggravating", "walking"),
        ("dolor en la nalga derecha, lasegue negativo", "es", "findings", "straight-leg-raise-positive"),
        ("me duele la pantorrilla izquierda, no tengo fiebre", "es", "red_flags", "fever"),
        ("me duele la pantorrilla izquierda, no he bajado de peso", "es", "red_flags", "unexplained-weight-loss"),
        ("dolor en el seno izquierdo, no estoy embarazada", "es", "history", "pregnancy"),
        ("me duele la cadera derecha, no fumo", "es", "history", "smoking"),
    ],
)
def test_a_denial_goes_to_absent_in_its_category(kb, text, lang, field, iid):
    doc = parse(text, lang, kb)
    intake = doc["intake"]
    assert iid in intake.get("absent", {}).get(field, []), (text, intake)
    assert iid not in intake.get(field, [])
    assert iid in denied(doc, field)  # the words are shown, highlighted, as "you said no"
    assert set(intake["absent"]) <= set(ABSENT_FIELDS)
    assess(parse_intake(intake, kb), kb, lang)  # the intake parser accepts it


@pytest.mark.parametrize(
    ("text", "lang", "painful", "free"),
    [
        ("no pain in the right knee but the left knee hurts", "en", {("knee-anterior", "left")}, {("knee-anterior", "right")}),
        ("left hip pain, my neck doesn't hurt", "en", {("hip-lateral", "left")}, {("cervical-spine", None)}),
        ("lower back pain, no pain in my knees", "en", {("lumbar-spine", None)}, {("knee-anterior", "both")}),
        ("me duele la cadera izquierda, no me duele el cuello", "es", {("hip-lateral", "left")}, {("cervical-spine", None)}),
        ("no tengo dolor en las rodillas, solo en la espalda baja", "es", {("lumbar-spine", None)}, {("knee-anterior", "both")}),
    ],
)
def test_a_body_part_said_not_to_hurt_is_a_pain_free_mark(kb, text, lang, painful, free):
    doc = parse(text, lang, kb)
    assert pain(doc) == painful
    assert pain_free(doc) == free
    assert "pain" not in doc["intake"].get("absent", {})  # regions are not an `absent` category
    assert {(e["value"], e.get("side")) for e in doc["evidence"] if e["field"] == "absent.pain"} >= free
    assessment = assess(parse_intake(doc["intake"], kb), kb, lang)
    explained = {(x["region"], x.get("side")) for m in assessment["muscles"] for x in m["explains"]}
    assert not {r for r, _ in explained} & {r for r, _ in free} - {r for r, _ in painful}  # pain-free is not evidence


def test_only_a_pain_denial_makes_a_part_pain_free(kb):
    # "no swelling in my ankle" says nothing about pain there; "no leg pain" names no part to mark
    doc = parse("left hip pain, no swelling in my ankle, no leg pain", "en", kb)
    assert pain(doc) == {("hip-lateral", "left")}
    assert pain_free(doc) == set()
    doc = parse("me duele la cadera izquierda, no tengo el tobillo hinchado", "es", kb)
    assert pain_free(doc) == set()


def test_nothing_but_denials_is_refused(kb):
    with pytest.raises(ParseError) as exc:
        parse("no back pain, no fever", "en", kb)
    assert {"fever"} <= {e["value"] for e in exc.value.document["evidence"] if e["field"] == "absent.red_flags"}
    with pytest.raises(ParseError):
        parse("no tengo dolor en la espalda ni fiebre", "es", kb)


@pytest.mark.parametrize(
    ("text", "lang", "field", "iid"),
    [
        ("My mother never had cancer. My left hip hurts.", "en", "red_flags", "cancer-history"),
        ("mi papá no fuma y me duele la cadera derecha", "es", "history", "smoking"),
    ],
)
def test_someone_elses_no_is_not_the_persons(kb, text, lang, field, iid):
    doc = parse(text, lang, kb)
    assert iid not in doc["intake"].get("absent", {}).get(field, [])
    assert iid not in doc["intake"].get(field, [])
    assert any(u["reason"] == "other-person" for u in doc["unsure"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_absent_and_given_never_overlap(kb, data):
    # mentioned and denied in one text ("no fever yesterday but a fever today"): set, never absent too
    lang = data.draw(st.sampled_from(["en", "es"]))
    parts = {
        "en": ["no fever", "I have a fever", "no numbness", "my foot is numb", "sitting doesn't bother me",
               "worse sitting", "left knee pain", "no pain in my right knee", "not pregnant", "I'm pregnant"],
        "es": ["sin fiebre", "tengo fiebre", "no siento adormecimiento", "se me duerme el pie", "sentarme no me molesta",
               "peor al sentarme", "me duele la rodilla izquierda", "no me duele la rodilla derecha", "no estoy embarazada",
               "estoy embarazada"],
    }[lang]
    text = ". ".join(data.draw(st.lists(st.sampled_from(parts), min_size=1, max_size=5)))
    try:
        doc = parse_text(text, lang, kb)
    except ParseError:
        return
    intake = doc["intake"]
    for field, ids in intake.get("absent", {}).items():
        assert field in ABSENT_FIELDS
        assert not set(ids) & set(intake.get(field, [])), text
    parse_intake(intake, kb)


# -- rules the development texts showed (session 3) ------------------------------------------------------
def test_a_denial_does_not_run_past_a_comma_into_a_new_clause(kb):
    # "no la puedo doblar, tengo calentura": the fever is said, not denied (a missed red flag otherwise)
    doc = parse("la rodilla izquierda hinchada, no la puedo doblar, tengo calentura", "es", kb)
    assert "fever" in flags(doc)
    doc = parse("my left knee is swollen, I can't bend it, I have a fever", "en", kb)
    assert "fever" in flags(doc)
    # ... but it does run through a list
    doc = parse("left knee pain, no fever, chills or night sweats", "en", kb)
    assert "fever" in denied(doc) and "fever" not in flags(doc)


@pytest.mark.parametrize(
    ("text", "lang", "weeks", "age"),
    [
        ("me duele la espalda baja desde hace 10 años", "es", 520, None),
        ("tengo 45 años y me duele la rodilla izquierda", "es", None, 45),
        ("crushing pain in the centre of my chest for 30 minutes", "en", 0, None),
        ("my left calf hurts when I walk for 10 minutes", "en", None, None),
        ("me duele el pecho desde hace 20 minutos", "es", 0, None),
        ("34 yo M with R lateral elbow pain x 2 months", "en", 8.69, 34),
    ],
)
def test_duration_and_age(kb, text, lang, weeks, age):
    intake = parse(text, lang, kb)["intake"]
    assert intake.get("duration_weeks") == (pytest.approx(weeks, abs=0.05) if weeks is not None else None)
    assert intake.get("age") == age


@pytest.mark.parametrize(
    ("text", "lang", "want"),
    [
        ("my right shoulder clicks and hurts at the front when I throw", "en", {("shoulder-front", "right")}),
        ("el hombro derecho me duele adelante cuando lanzo", "es", {("shoulder-front", "right")}),
        ("the outer part of my right ankle aches", "en", {("ankle-lateral", "right")}),
        ("pain in my right wrist on the palm side", "en", {("wrist-front", "right")}),
        ("dolor en la muñeca derecha del lado de la palma", "es", {("wrist-front", "right")}),
        ("my left knee hurts at the back when I squat", "en", {("knee-posterior", "left")}),
        ("me duele la rodilla izquierda por dentro", "es", {("knee-medial", "left")}),
        ("pain in the right side of my sacrum", "en", {("sacroiliac", "right")}),
        ("both buttocks and the backs of both thighs hurt", "en",
         {(r, "both") for r in ("buttock-upper-inner", "buttock-upper-outer", "buttock-lower-inner",
                                "buttock-lower-outer", "thigh-posterior")}),
        ("me duelen las dos nalgas y la parte de atrás de los dos muslos", "es",
         {(r, "both") for r in ("buttock-upper-inner", "buttock-upper-outer", "buttock-lower-inner",
                                "buttock-lower-outer", "thigh-posterior")}),
        ("cervicalgia izquierda irradiada al hombro izquierdo", "es", {("neck-posterior", "left"), ("shoulder-lateral", "left")}),
        ("me duele la rótula derecha al ponerme de rodillas", "es", {("knee-anterior", "right")}),
    ],
)
def test_where_on_the_part(kb, text, lang, want):
    assert pain(parse(text, lang, kb)) == want


def test_neck_pain_in_the_middle_stays_in_the_midline(kb):
    doc = parse("Neck pain in the middle, and my right shoulder blade", "en", kb)
    assert pain(doc) == {("cervical-spine", None), ("scapula", "right")}
    doc = parse("dolor en el medio del cuello que se va al omóplato derecho", "es", kb)
    assert pain(doc) == {("cervical-spine", None), ("scapula", "right")}


def test_a_landmark_or_the_object_of_a_movement_is_not_drawn(kb):
    assert pain(parse("burning between my shoulder blades, left of the spine", "en", kb)) == {("interscapular", "left")}
    assert pain(parse("tingling in my left little finger when I bend my elbow", "en", kb)) == {("fingers-ulnar", "left")}
    assert pain(parse("me duele el dorso de la muñeca derecha, me caí sobre la mano", "es", kb)) == {("wrist-back", "right")}
    # alone, the part is the painful one
    assert pain(parse("my left elbow hurts when I bend my elbow", "en", kb)) == {("elbow-lateral", "left")}


def test_pressure_in_the_chest_is_chest_pain(kb):
    assert "chest-pain-or-breathlessness" in flags(parse("pressure in the middle of my chest when I climb stairs", "en", kb))
    assert "chest-pain-or-breathlessness" in flags(parse("siento presión en el centro del pecho al subir escaleras", "es", kb))


# -- the text is never logged ------------------------------------------------------------------------------
def test_text_is_not_logged(kb, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    parse("my secret left knee pain 7/10", "en", kb)
    assert "secret" not in caplog.text


# -- CLI ---------------------------------------------------------------------------------------------------
def run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "triggermap", *args], input=stdin, capture_output=True, timeout=120)


def test_cli_parse_json():
    out = run("parse", "me duele la nalga izquierda cuando me siento", "--lang", "es", "--format", "json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert set(doc) == {"intake", "evidence", "unsure"}
    assert {"region": "buttock-lower-inner", "side": "left"} in doc["intake"]["pain"]


def test_cli_parse_stdin_and_text_format():
    out = run("parse", "-", "--lang", "en", stdin=b"left knee pain, no fever")
    assert out.returncode == 0, out.stderr
    assert b"knee-anterior" in out.stdout and b"fever" in out.stdout


@pytest.mark.parametrize(
    ("args", "stdin", "field"),
    [
        (("parse", ""), None, b"text"),
        (("parse", "-"), b"x" * 90_000, b"text"),
        (("parse", "-"), b"\xff\xfe\xfa binary", b"text"),
        (("parse", "left knee", "--lang", "fr"), None, b"--lang"),
        (("parse", "left knee", "--format", "xml"), None, b"--format"),
        (("parse", "my knee hurts"), None, b"text"),
    ],
)
def test_cli_parse_bad_input(args, stdin, field):
    out = run(*args, stdin=stdin)
    assert out.returncode == 2
    assert out.stdout == b""
    assert b"error: " + field in out.stderr
    assert b"Traceback" not in out.stderr


# -- API ---------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def client(kb):
    import warnings

    from triggermap.web.app import create_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from fastapi.testclient import TestClient

    with TestClient(create_app(kb=kb), raise_server_exceptions=False) as c:
        yield c


def test_api_parse_matches_cli(client, kb):
    text = "me duele la nalga izquierda cuando me siento, un 7 de 10"
    r = client.post("/api/v1/parse", json={"text": text, "lang": "es"})
    assert r.status_code == 200, r.text
    assert r.json() == parse_text(text, "es", kb)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": ""}, "text"),
        ({"text": "x" * 20_001}, "text"),
        ({"text": "left knee", "lang": "fr"}, "lang"),
        ({"lang": "en"}, "text"),
        ({"text": 5}, "text"),
        ({"text": "left knee", "extra": 1}, "extra"),
        ([1, 2], "(document)"),
        ({"text": "my knee hurts"}, "text"),
    ],
)
def test_api_parse_422(client, body, field):
    r = client.post("/api/v1/parse", json=body)
    assert r.status_code == 422
    assert r.json()["field"] == field and r.json()["message"]


def test_api_parse_415_and_bad_json(client):
    r = client.post("/api/v1/parse", content=b"text=left knee", headers={"content-type": "text/plain"})
    assert r.status_code == 415
    r = client.post("/api/v1/parse", content=b"{nope", headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["field"] == "(document)"
    r = client.post("/api/v1/parse", content=b"\xff\xfe", headers={"content-type": "application/json"})
    assert r.status_code == 422


def test_api_parse_nothing_to_draw_returns_the_unsure_list(client):
    r = client.post("/api/v1/parse", json={"text": "my knee hurts", "lang": "en"})
    assert r.status_code == 422
    assert any(u["reason"] == "needs-side" for u in r.json()["unsure"])


# -- web: the text box on the start page -------------------------------------------------------------------
@pytest.mark.parametrize(("lang", "title"), [("en", "Describe your pain in your own words"),
                                             ("es", "Describa su dolor con sus propias palabras")])
def test_start_page_has_the_text_box(client, lang, title):
    r = client.get("/", params={"lang": lang}, headers={"accept-language": lang})
    assert r.status_code == 200
    assert "data-describe" in r.text and "/static/describe.js" in r.text
    if title not in r.text:  # the page language may come from a cookie or header only
        r = client.get("/", headers={"accept-language": lang, "cookie": f"lang={lang}"})
    assert title in r.text
    js = client.get("/static/describe.js")
    assert js.status_code == 200 and "/api/v1/parse" in js.text


# -- session 4: a denial against an inferred flag, gym jargon, bouts, test names, weak muscles -----------
def unsure_ids(doc: dict[str, Any], reason: str) -> set[str]:
    return {c["value"] for u in doc["unsure"] if u["reason"] == reason for c in u["closest"]}


@pytest.mark.parametrize(
    ("text", "lang", "side"),
    [
        ("no chest pain, my left pec is sore after chest day at the gym", "en", "left"),
        ("no chest pain or shortness of breath, just a sore right pec since bench press yesterday", "en", "right"),
        ("sin dolor de pecho, me duele el pectoral derecho desde el día de pecho en el gimnasio", "es", "right"),
        ("no tengo dolor de pecho, solo el pectoral izquierdo adolorido por el press de banca", "es", "left"),
        ("sin dolor de pecho, me duele el pectoral izquierdo después de hacer pecho y tríceps", "es", "left"),
    ],
)
def test_a_denied_chest_pain_wins_over_gym_jargon(kb, text, lang, side):
    doc = parse(text, lang, kb)
    # the denied flag is absent, never set; the exertional pain only the words' combination suggests is
    # not set either, but listed for the person to confirm on the safety screen
    assert "chest-pain-or-breathlessness" not in flags(doc)
    assert "chest-pain-or-breathlessness" in denied(doc)
    if absent_supported():
        assert "chest-pain-or-breathlessness" in doc["intake"]["absent"]["red_flags"]
    assert "exertional-chest-arm-jaw-pain" not in flags(doc)
    assert "exertional-chest-arm-jaw-pain" in unsure_ids(doc, "denied-implied")
    # the workout is an activity, not a painful chest
    assert "exertion" in doc["intake"].get("aggravating", [])
    assert pain(doc) == {("chest-upper", side)}


@pytest.mark.parametrize(
    ("text", "lang"),
    [("my right pec hurts after bench press", "en"), ("me duele el pectoral derecho después de hacer pecho", "es")],
)
def test_gym_jargon_is_not_the_chest_and_without_a_denial_the_inferred_flag_stays(kb, text, lang):
    doc = parse(text, lang, kb)
    assert pain(doc) == {("chest-upper", "right")}
    assert "exertion" in doc["intake"]["aggravating"]
    # a red flag mentioned without denial is set when unsure, and said so
    assert "exertional-chest-arm-jaw-pain" in flags(doc)
    assert "exertional-chest-arm-jaw-pain" in unsure_ids(doc, "weak-match")


@pytest.mark.parametrize(
    ("text", "lang", "want", "no"),
    [
        # another flag denied: the chest pain on effort is still set
        ("no tengo fiebre pero me duele el pecho al subir escaleras", "es",
         {"chest-pain-or-breathlessness", "exertional-chest-arm-jaw-pain"}, "fever"),
        ("no fever but my chest hurts when I climb stairs", "en",
         {"chest-pain-or-breathlessness", "exertional-chest-arm-jaw-pain"}, "fever"),
        # the same flag denied in one situation and said in another, in words bound in one clause
        ("no chest pain at rest, but my chest really aches when I climb stairs", "en",
         {"chest-pain-or-breathlessness", "exertional-chest-arm-jaw-pain"}, None),
        ("sin dolor de pecho en reposo, pero al subir escaleras el pecho me duele mucho", "es",
         {"chest-pain-or-breathlessness", "exertional-chest-arm-jaw-pain"}, None),
        # a denied chest pain does not deny the jaw
        ("no chest pain, but my jaw aches when I walk uphill", "en", {"exertional-chest-arm-jaw-pain"},
         "chest-pain-or-breathlessness"),
        ("no tengo dolor de pecho, pero me duele la quijada cuando camino de subida", "es",
         {"exertional-chest-arm-jaw-pain"}, "chest-pain-or-breathlessness"),
        # a saddle numbness denied in words and said in words: set (a conflict, listed)
        ("no saddle numbness, but my groin is numb", "en", {"saddle-anesthesia"}, None),
    ],
)
def test_a_denial_does_not_hide_a_red_flag_said_without_denial(kb, text, lang, want, no):
    doc = parse(text, lang, kb)
    assert want <= flags(doc), (text, flags(doc))
    if no is not None:
        assert no not in flags(doc) and no in denied(doc)


@pytest.mark.parametrize(
    ("text", "lang", "weeks"),
    [
        ("my right shoulder hurts for a few minutes at a time", "en", None),
        ("my right shoulder hurts for a few minutes", "en", None),
        ("stiff for an hour every morning and my left knee hurts", "en", None),
        ("me duele el hombro izquierdo por unos minutos y se me pasa", "es", None),
        ("me duele el hombro izquierdo por unos minutos", "es", None),
        ("me duele el hombro derecho de vez en cuando por unas horas", "es", None),
        # how long the problem has lasted: "a few" / "unos" = 3 (lexicon convention)
        ("my right knee has hurt for a few weeks", "en", 3),
        ("left knee pain for a few months", "en", 13.04),
        ("me duele la rodilla derecha desde hace unas semanas", "es", 3),
        ("left knee aches for a few minutes after I get up, then it goes away. Been like this for a few weeks", "en", 3),
        # minutes that say when it started are still the onset
        ("I've had chest pain for a few minutes", "en", 0),
        ("chest pain started 20 minutes ago", "en", 0),
    ],
)
def test_the_length_of_one_bout_is_not_a_duration(kb, text, lang, weeks):
    got = parse(text, lang, kb)["intake"].get("duration_weeks")
    assert got == (pytest.approx(weeks, abs=0.05) if weeks is not None else None), text


@pytest.mark.parametrize(
    ("text", "lang", "want", "finding"),
    [
        ("pain at the right elbow on resisted wrist extension", "en", {("elbow-lateral", "right")}, "resisted-wrist-extension-pain"),
        ("dolor en el codo derecho con la extensión de muñeca contra resistencia", "es", {("elbow-lateral", "right")},
         "resisted-wrist-extension-pain"),
        ("resisted wrist extension painful at the right elbow", "en", {("elbow-lateral", "right")}, "resisted-wrist-extension-pain"),
        ("straight leg raise positive on the left, low back pain", "en", {("lumbar-spine", None)}, "straight-leg-raise-positive"),
        ("elevación de la pierna recta positiva a la izquierda, dolor lumbar", "es", {("lumbar-spine", None)},
         "straight-leg-raise-positive"),
        ("positive Spurling test on the left with neck pain", "en", {("cervical-spine", None)}, "spurling-positive"),
        ("Spurling positivo a la derecha, dolor de cuello", "es", {("cervical-spine", None)}, "spurling-positive"),
        ("Phalen positive on the right wrist, numb right fingers", "en",
         {("fingers-radial", "right"), ("fingers-ulnar", "right")}, "phalen-positive"),
        ("prueba de Phalen positiva en la muñeca derecha, hormigueo en los dedos de la mano derecha", "es",
         {("fingers-radial", "right"), ("fingers-ulnar", "right")}, "phalen-positive"),
        ("reduced knee reflex on the left, low back pain", "en", {("lumbar-spine", None)}, "reduced-knee-reflex"),
        # a side next to a body part is still that part's
        ("my right knee hurts, left SLR positive", "en", {("knee-anterior", "right")}, "straight-leg-raise-positive"),
    ],
)
def test_a_test_name_is_a_finding_never_a_painful_part(kb, text, lang, want, finding):
    doc = parse(text, lang, kb)
    assert pain(doc) == want, text
    assert finding in doc["intake"].get("findings", [])
    assert not any(u["reason"] == "vague" for u in doc["unsure"])  # "leg" of "straight leg raise" is not asked


@pytest.mark.parametrize(
    ("text", "lang"),
    [("weak quadriceps on the left, left knee pain", "en"),
     ("cuádriceps débil en la pierna izquierda, dolor de rodilla izquierda", "es")],
)
def test_a_weak_muscle_on_examination_is_asked_not_set(kb, text, lang):
    doc = parse(text, lang, kb)
    assert "weakness-knee-extension" in doc["intake"]["findings"]
    assert "progressive-weakness" not in flags(doc)
    assert "progressive-weakness" in unsure_ids(doc, "check")


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("weak quadriceps on the left getting worse, left knee pain", "en"),
        ("debilidad del cuádriceps izquierdo que empeora, dolor en la rodilla izquierda", "es"),
        ("my left leg is weak and my left knee hurts", "en"),
        ("tengo la pierna izquierda débil y me duele la rodilla izquierda", "es"),
    ],
)
def test_weakness_that_worsens_or_a_weak_leg_is_still_set(kb, text, lang):
    assert "progressive-weakness" in flags(parse(text, lang, kb))


def test_every_unsure_reason_has_words_in_the_describe_box():
    import re
    from pathlib import Path

    import triggermap.text.parser as parser_mod

    src = Path(parser_mod.__file__).read_text(encoding="utf-8")
    found = set()
    for call in re.findall(r"unsure_add\(([^\n]*)", src):
        found.update(re.findall(r'"([a-z][a-z-]+)"', call.split(",")[0]))
    assert {"denied-implied", "check", "weak-match", "conflict"} <= found
    js = (Path(parser_mod.__file__).parents[1] / "web" / "static" / "describe.js").read_text(encoding="utf-8")
    blocks = re.findall(r"reasons: \{(.*?)\}", js, flags=re.S)
    assert len(blocks) == 2  # en, es
    for block in blocks:
        keys = set(re.findall(r'"?([a-z][a-z-]+)"?\s*:', block))
        assert found <= keys, found - keys


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("no chest pain, my chest hurts when I breathe deeply", "en"),
        ("sin dolor de pecho, me duele el pecho al respirar hondo", "es"),
        ("no fever and my chest hurts", "en"),
        ("sin fiebre y me duele el pecho", "es"),
    ],
)
def test_a_denial_stops_where_a_new_clause_with_a_verb_starts(kb, text, lang):
    # the chest pain is said after the denied part, in a clause of its own: set (a conflict when it was denied)
    assert "chest-pain-or-breathlessness" in flags(parse(text, lang, kb)), text


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("no fever or chest pain, right hip hurts", "en"),
        ("no fever, chills or chest pain and my right hip hurts", "en"),
        ("sin fiebre o dolor de pecho, me duele la cadera derecha", "es"),
        ("no tengo fiebre ni dolor de pecho, me duele la cadera derecha", "es"),
    ],
)
def test_a_warning_sign_listed_after_or_is_denied(kb, text, lang):
    doc = parse(text, lang, kb)
    assert "chest-pain-or-breathlessness" not in flags(doc), text
    assert {"fever", "chest-pain-or-breathlessness"} <= denied(doc)
    assert ("hip-lateral", "right") in pain(doc)


@pytest.mark.parametrize(
    ("text", "lang", "want"),
    [
        ("my lower back hurts after back day", "en", {("lumbar-spine", None)}),
        ("my left quads are sore after leg day", "en", {("thigh-anterior", "left")}),
        ("me duele el muslo derecho después del día de pierna", "es", {("thigh-anterior", "right")}),
        ("me duele la espalda baja desde que hice espalda en el gym", "es", {("lumbar-spine", None)}),
    ],
)
def test_a_workout_named_by_its_muscle_group_is_an_activity(kb, text, lang, want):
    doc = parse(text, lang, kb)
    assert pain(doc) == want  # ("leg day" is not a vague leg to ask about)
    assert not any(u["reason"] == "vague" for u in doc["unsure"])
    assert "exertion" in doc["intake"]["aggravating"]


def test_evaluate_parse_reads_a_null_duration_as_none_expected(kb, tmp_path):
    from triggermap.text.evaluate import evaluate_parse

    (tmp_path / "en.yaml").write_text(
        "lang: en\ncases:\n"
        '- {text: "my left knee hurts for a few minutes at a time", pain: ["knee-anterior:L"], duration_weeks: null}\n'
        '- {text: "my left knee has hurt for 3 weeks", pain: ["knee-anterior:L"], duration_weeks: null}\n',
        encoding="utf-8",
    )
    r = evaluate_parse(tmp_path, kb)["en"]
    assert r["durations"] == 2 and r["duration_accuracy"] == 0.5


# -- issue 14 leftovers: a test named where it is not done, a side's scope, minutes of one episode ---------
@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Tinel positive at the left elbow, tingling in the little finger", "en"),
        ("positive Tinel over the cubital tunnel on the right, numb little finger", "en"),
        ("Tinel negative at the elbow, left wrist pain", "en"),
        ("Tinel positivo en el codo izquierdo, hormigueo en el meñique", "es"),
        ("signo de Tinel positivo en el túnel cubital derecho, se me duerme el meñique", "es"),
        ("Tinel negativo en el codo, dolor en la muñeca izquierda", "es"),
    ],
)
def test_a_test_named_where_it_is_not_done_is_asked_not_set(kb, text, lang):
    # the Tinel sign of the vocabulary is the one at the wrist; at the elbow it is another finding that has no
    # id: neither set nor denied, but listed for a check with the closest ids (nothing silently dropped)
    doc = parse(text, lang, kb)
    assert "tinel-carpal-positive" not in doc["intake"].get("findings", []), text
    assert "tinel-carpal-positive" not in denied(doc, "findings"), text
    assert "tinel-carpal-positive" in unsure_ids(doc, "check"), doc["unsure"]
    assert any(u["reason"] == "check" and u["text"].lower().startswith(("tinel", "positive tinel", "signo de tinel"))
               for u in doc["unsure"]), doc["unsure"]


@pytest.mark.parametrize(
    ("text", "lang"),
    [("Tinel positive at the left wrist, tingling in my left fingers", "en"),
     ("Tinel positivo en la muñeca izquierda, hormigueo en los dedos de la mano izquierda", "es"),
     ("Phalen positive on the right wrist, numb right fingers", "en")],
)
def test_a_test_named_where_it_is_done_is_still_set(kb, text, lang):
    doc = parse(text, lang, kb)
    assert set(doc["intake"].get("findings", [])) & {"tinel-carpal-positive", "phalen-positive"}, text
    assert not any(u["reason"] == "check" for u in doc["unsure"]), doc["unsure"]


@pytest.mark.parametrize(
    ("text", "lang", "want"),
    [
        # a side word after a part is that part's in Spanish: the chest named without a side is the midline
        ("me duele el pecho y el tríceps derecho", "es", {("sternum", None), ("upper-arm-lateral", "right")}),
        ("my chest and my right triceps hurt", "en", {("sternum", None), ("upper-arm-lateral", "right")}),
        # a side said next to the chest is still the chest's
        ("me duele el pecho izquierdo y el brazo", "es", {("chest", "left")}),
        ("my left chest and upper arm hurt", "en", {("chest", "left"), ("upper-arm-lateral", "left")}),
    ],
)
def test_a_side_is_not_lent_to_a_part_that_means_the_midline_without_one(kb, text, lang, want):
    doc = parse(text, lang, kb)
    assert pain(doc) == want, text
    assert "chest-pain-or-breathlessness" in flags(doc)


@pytest.mark.parametrize(
    ("text", "lang", "weeks"),
    [
        # one ongoing episode of minutes: the problem started today (duration_weeks 0), the same in both languages
        ("chest pain for 20 minutes", "en", 0),
        ("dolor de pecho por 20 minutos", "es", 0),
        ("dolor de pecho durante 20 minutos", "es", 0),
        # "por" + a length is how long in Spanish ("for"), not a frequency ("3 veces por semana")
        ("me duele la rodilla derecha por 3 semanas", "es", 3),
        ("my right knee has hurt for 3 weeks", "en", 3),
        # still the length of one bout after a pain verb
        ("me duele el hombro izquierdo por 20 minutos", "es", None),
        ("my left shoulder hurts for 20 minutes", "en", None),
        ("me duele la rodilla derecha 3 veces por semana", "es", None),
        # the length of an activity, in minutes or hours, is not how long the problem has lasted
        ("after sitting for 2 hours my right knee hurts", "en", None),
        ("después de estar sentado por 2 horas me duele la rodilla derecha", "es", None),
        ("trabajo sentado durante 8 horas y me duele la rodilla derecha", "es", None),
        ("cuando camino por 10 minutos me duele la rodilla derecha", "es", None),
    ],
)
def test_minutes_of_one_ongoing_episode_are_consistent_across_languages(kb, text, lang, weeks):
    got = parse(text, lang, kb)["intake"].get("duration_weeks")
    assert got == (pytest.approx(weeks, abs=0.05) if weeks is not None else None), text
