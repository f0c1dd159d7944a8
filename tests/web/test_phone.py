"""Phone-first intake (issue 12): the body map opens on the view that fits "where does it hurt
most?", the list does not grow as you tap, the questions follow the map, and a result has its own
URL (post/redirect/get) that survives Back, reload and the language switch."""

from __future__ import annotations

import pytest
from webhelpers import PHONE_WIDTH, map_area, open_map, shot, sized_page, tap

from triggermap.web.forms import decode_intake, encode_intake


def test_intake_token_round_trip_and_refuses_junk():
    doc = {"version": 1, "pain": [{"region": "coccyx", "intensity": 6}], "red_flags": [], "qualities": ["aching"]}
    token = encode_intake(doc)
    assert decode_intake(token) == doc
    for junk in ("", "!!!", "a" * 20_000, "eJzLSM3JyQcABiwCFQ"):  # the last one is zlib of "hello"
        assert decode_intake(junk) is None


def test_results_redirect_to_their_own_url(client):
    data = {"pain": ["buttock-lower-outer:right"], "int:buttock-lower-outer:right": "6"}
    r = client.post("/results", data=data, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/results?i=")
    page = client.get(r.headers["location"])
    assert page.status_code == 200 and "muscle-result" in page.text
    # the language toggle is a link to the same result
    assert 'class="lang-toggle" href="/results?i=' in page.text
    es = client.get(r.headers["location"] + "&lang=es")
    assert '<html lang="es">' in es.text and "muscle-result" in es.text
    assert client.get("/results?i=garbage", follow_redirects=False).status_code == 303


def test_safety_step_redirects_to_the_map(client):
    r = client.post("/check", data={"mostly": "arm"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/where?")
    html = client.get(r.headers["location"]).text
    assert 'data-view-panel="arms-front">' in html


@pytest.mark.browser
@pytest.mark.parametrize("width", [360, 1280])
@pytest.mark.parametrize("lang", ["en", "es"])
def test_map_opens_on_the_right_view_and_the_page_stays_short(live_server, page_factory, width, lang):
    page = sized_page(page_factory, width, lang)
    page.goto(live_server + "/")
    tap(page, "label[for=mostly-arm]", width)
    tap(page, "#safety-form button[type=submit]", width)
    page.wait_for_selector("[data-bodymap]:not([hidden])")
    assert page.locator("[data-view-panel=arms-front]").is_visible()
    assert page.locator("button[data-view=arms-front]").get_attribute("aria-pressed") == "true"
    open_map(page, live_server, width)
    # low back and buttock: the Back view, and on a phone its close-up, where every area is finger-sized
    view = "pelvis" if width < PHONE_WIDTH else "back"
    assert page.locator(f"[data-view-panel={view}]").is_visible()
    assert page.locator(f"button[data-view={view}]").get_attribute("aria-pressed") == "true"
    before = page.evaluate("document.documentElement.scrollHeight")
    for rid in ("buttock-lower-outer", "buttock-upper-outer", "buttock-lower-inner"):
        tap(page, map_area(page, view, rid, "left"), width)
    after = page.evaluate("document.documentElement.scrollHeight")
    assert after - before < 200, (before, after)  # the list of areas does not open as you tap
    assert page.locator("[data-marked-list] li").count() == 3
    # the pain questions come right after the map
    map_bottom = page.evaluate("document.querySelector('[data-bodymap]').getBoundingClientRect().bottom")
    q_top = page.evaluate("document.getElementById('q-title').getBoundingClientRect().top")
    assert q_top - map_bottom < 250, (map_bottom, q_top)
    # "tick all that fit" boxes are square, like checkboxes
    radius = page.evaluate("getComputedStyle(document.querySelector('.chip label'), '::before').borderRadius")
    assert radius.endswith("px") and float(radius[:-2]) <= 4, radius
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    if width < 600:
        page.locator("[data-bodymap]").scroll_into_view_if_needed()
        shot(page, f"33-{lang}-360-body-map-marked", full_page=False)
    assert page.errors == []


@pytest.mark.browser
@pytest.mark.parametrize("width", [360, 1280])
@pytest.mark.parametrize("lang", ["en", "es"])
def test_result_url_survives_back_reload_and_language(live_server, page_factory, width, lang):
    page = sized_page(page_factory, width, lang)
    open_map(page, live_server, width)
    view = "pelvis" if width < PHONE_WIDTH else "back"
    for rid in ("buttock-lower-outer", "buttock-upper-outer", "gluteal-fold"):
        tap(page, map_area(page, view, rid, "right"), width)
    tap(page, "#intake-form button[type=submit]", width)
    page.wait_for_selector(".triage")
    assert "/results?i=" in page.url
    first = page.locator("article.muscle-result").first.get_attribute("id")
    page.reload()
    page.wait_for_selector(".triage")
    assert page.locator("article.muscle-result").first.get_attribute("id") == first
    page.go_back()
    page.wait_for_selector("#intake-form")  # the map page again, not a resubmission error
    page.go_forward()
    page.wait_for_selector(".triage")
    assert page.locator("article.muscle-result").first.get_attribute("id") == first
    tap(page, "header .lang-toggle", width)
    page.wait_for_selector(".triage")
    assert page.get_attribute("html", "lang") == ("en" if lang == "es" else "es")
    assert page.locator("article.muscle-result").first.get_attribute("id") == first
    assert "/results?i=" in page.url
    assert page.errors == []
