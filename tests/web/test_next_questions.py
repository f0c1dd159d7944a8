"""The next questions on the results page (issue 9): asked after the map, one at a time,
skippable, and each answer re-ranks at once (it is a link to the result with that answer)."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest

from triggermap.web.forms import decode_intake, encode_intake


def _doc(kb: Any) -> dict[str, Any]:
    return {
        "version": 1,
        "pain": [{"region": "buttock-upper-outer", "side": "left", "intensity": 6}],
        "red_flags": [],
        "absent": {"red_flags": sorted(kb.red_flags)},
    }


def _card(html: str) -> dict[str, Any] | None:
    m = re.search(r'<section class="card next-question.*?</section>', html, re.S)
    if m is None:
        return None
    card = m.group(0)
    links = [(unescape(label).strip(), unescape(href)) for href, label in
             re.findall(r'<a class="button [a-z]+" href="([^"]+)" rel="nofollow">([^<]+)</a>', card)]
    text = unescape(re.search(r'<p class="ask-text">(.*?)</p>', card, re.S).group(1))
    return {"text": text, "links": links}


def _token(href: str) -> str:
    return re.search(r"i=([^&]+)", href).group(1)


def test_results_ask_one_question_and_each_answer_is_the_result_with_it(client, kb):
    html = client.get(f"/results?i={encode_intake(_doc(kb))}").text
    assert html.count('class="card next-question') == 1  # one at a time
    card = _card(html)
    assert card is not None and card["text"].endswith("?")
    labels = [label for label, _ in card["links"]]
    assert labels[-1] == "Skip this question"
    answers = card["links"][:-1]
    assert len(answers) in (2, 3)
    first = decode_intake(_token(answers[0][1]))
    last = decode_intake(_token(answers[-1][1]))
    # "yes" adds the answer and "no" records it as answered no (or not tender)
    assert first != last
    changed = {k for k in set(first) | set(last) if first.get(k) != last.get(k)}
    assert changed & {"palpation", "absent", "aggravating", "qualities", "findings", "history"}
    # answering gives a new question
    again = _card(client.get(answers[-1][1]).text)
    assert again is None or again["text"] != card["text"]


def test_skipping_asks_the_next_question_and_keeps_the_answers(client, kb):
    token = encode_intake(_doc(kb))
    card = _card(client.get(f"/results?i={token}").text)
    skip = card["links"][-1][1]
    assert _token(skip) == token and "&s=" in skip
    after = _card(client.get(skip).text)
    assert after is None or after["text"] != card["text"]


def test_the_question_is_in_the_readers_language(client, kb):
    html = client.get(f"/results?i={encode_intake(_doc(kb))}&lang=es").text
    card = _card(html)
    assert card is not None and "¿" in card["text"]
    assert card["links"][-1][0] == "Saltar esta pregunta"


def test_denied_safety_answers_are_absent_so_the_map_result_asks_no_warning_sign_again(client, kb):
    data = {"pain": ["buttock-upper-outer:left"], "int:buttock-upper-outer:left": "6", "mostly": "lower"}
    r = client.post("/results", data=data, follow_redirects=False)
    doc = decode_intake(_token(r.headers["location"]))
    assert "saddle-anesthesia" in doc["absent"]["red_flags"]
    card = _card(client.get(r.headers["location"]).text)
    assert card is not None
    from triggermap.web.screeners import GENERAL

    asked = {kb.red_flags[f].question.en for ids in GENERAL.values() for f in ids}
    assert card["text"] not in asked


def test_no_question_after_an_emergency(client, kb):
    doc = {"version": 1, "pain": [{"region": "low-back", "side": "left"}], "red_flags": ["saddle-anesthesia"]}
    assert _card(client.get(f"/results?i={encode_intake(doc)}").text) is None


@pytest.mark.browser
def test_answering_on_a_phone_re_ranks(live_server, page_factory, kb):
    page = page_factory(360, 740, is_mobile=True, has_touch=True)
    page.goto(f"{live_server}/results?i={encode_intake(_doc(kb))}")
    question = page.locator(".next-question .ask-text").inner_text()
    n_answers = page.locator(".next-question .ask-answers a").count() - 1
    button = page.locator(".next-question .ask-answers a").first
    href = button.get_attribute("href")
    box = button.bounding_box()
    assert box["height"] >= 44
    button.tap()
    page.wait_for_load_state()
    assert page.locator(".next-question .ask-text").count() <= 1
    if page.locator(".next-question .ask-text").count():
        assert page.locator(".next-question .ask-text").inner_text() != question
    top = page.locator(".muscle-result").first.inner_text()
    if n_answers == 3:  # pressing the spot brought on the usual pain: that muscle now leads
        pressed = decode_intake(_token(href))["palpation"][-1]["muscle"]
        assert kb.muscles[pressed].names.en in top
