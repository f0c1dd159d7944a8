"""Readability of the results for the person (issue 12): English at or below US grade 8
(Flesch-Kincaid), Spanish at Fernández-Huerta 70 or more, measured over the prose a person reads
on the results page (the clinical detail folded under "For your clinician" left out): the web
app's own words, and everything including the knowledge texts shown to the person. See
triggermap.web.readability for the formulas and what is measured."""

from __future__ import annotations

import pytest

from triggermap.web import readability as rd
from triggermap.web.forms import encode_intake


@pytest.mark.parametrize(("word", "n"), [
    ("muscle", 2), ("table", 2), ("stretches", 2), ("marked", 1), ("buttock", 2), ("referral", 3),
    ("examination", 5), ("gently", 2), ("media", 3), ("social", 2), ("the", 1),
])
def test_english_syllables(word, n):
    assert rd.syllables_en(word) == n


@pytest.mark.parametrize(("word", "n"), [
    ("músculo", 3), ("día", 2), ("que", 1), ("guiso", 2), ("aéreo", 4), ("muy", 1), ("estiramiento", 5),
    ("cigüeña", 3), ("peor", 2), ("ciudad", 2), ("país", 2), ("suavemente", 4),
])
def test_spanish_syllables(word, n):
    assert rd.syllables_es(word) == n


def test_formulas():
    s = rd.Score(words=100, sentences=5, syllables=150)
    assert s.grade == pytest.approx(0.39 * 20 + 11.8 * 1.5 - 15.59)
    assert s.huerta == pytest.approx(206.84 - 60 * 1.5 - 1.02 * 20)
    # each text is at least one sentence; a full stop inside a number does not end one
    assert rd.score(["Pain 6/10", "It hurts. It aches 2.5 days a week!"], "en").sentences == 3


def test_the_measure_tells_plain_from_clinical():
    plain = ["Sit up tall. Bend your knee. Hold it for a slow count of five.",
             "Stop if it hurts more. Rest and try again later."]
    clinical = ["With the patient prone, flat palpation of the posteromedial thigh beside the semitendinosus "
                "tendon elicits a taut band and a local twitch response with referral toward the ischial tuberosity."]
    assert rd.passes(rd.score(plain, "en"), "en")
    assert not rd.passes(rd.score(clinical, "en"), "en")
    assert rd.passes(rd.score(["Siéntese. Doble la rodilla. Cuente hasta cinco y pare si le duele."], "es"), "es")
    assert not rd.passes(rd.score(["La palpación transversal del músculo semitendinoso evidencia una banda "
                                   "tensa con respuesta de espasmo local e irradiación hacia la tuberosidad isquiática."],
                                  "es"), "es")


def test_person_texts_leave_out_the_clinical_detail():
    html = ("<main><p>You may feel it in the buttock and down the leg.</p>"
            "<details data-clinician><summary>For your clinician</summary><p>Flat palpation of the taut band "
            "elicits a twitch.</p></details><p lang='la'>Musculus gluteus minimus et alii</p>"
            "<svg><text>Trigger point legend words here</text></svg>"
            "<section class='references'><p>Travell JG, Simons DG. Myofascial pain, 1983.</p></section></main>"
            "<footer><p>Footer words are not in main at all.</p></footer>")
    assert rd.person_texts(html) == ["You may feel it in the buttock and down the leg."]


def _page(client, case, lang):
    return client.get(f"/results?i={encode_intake(rd.TYPICAL[case])}&lang={lang}").text


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("case", sorted(rd.TYPICAL))
def test_the_apps_own_words_read_plainly(client, case, lang):
    """What the web app writes on the results page (headings, hints, the plain-language layer of
    each muscle, the chart keys, "when to see someone"), without the knowledge-base texts."""
    html = _page(client, case, lang)
    s = rd.score(rd.person_texts(html, app_only=True), lang)
    assert s.words > 250, f"{case}: only {s.words} words measured: the page or the measure changed"
    assert rd.passes(s, lang), f"{case} ({lang}): {rd.describe(s, lang)}"
    assert "data-clinician" in html and "data-kb" in html


@pytest.mark.parametrize("case", sorted(rd.TYPICAL))
def test_the_results_read_plainly_in_english(client, case):
    """Everything the person reads, the knowledge texts shown to them included."""
    s = rd.score(rd.person_texts(_page(client, case, "en")), "en")
    assert s.words > 1000
    assert rd.passes(s, "en"), f"{case}: {rd.describe(s, 'en')}"


@pytest.mark.parametrize("case", sorted(rd.TYPICAL))
def test_the_results_read_plainly_in_spanish(client, case):
    s = rd.score(rd.person_texts(_page(client, case, "es")), "es")
    assert s.words > 1000
    assert rd.passes(s, "es"), f"{case}: {rd.describe(s, 'es')}"
