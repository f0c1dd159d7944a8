"""The short, adaptive safety step: grouped yes/no screeners, by body area (issue 12).

Every red flag stays reachable for the areas it belongs to; a buttock-only drawing gets no
extra question; emergency advice is immediate with and without the script."""

from __future__ import annotations

import re
from typing import Any

import pytest
from webhelpers import map_area, open_map, shot, sized_page, tap

from triggermap.web import screeners

#: the safety curator's notes (notes/safety-questions-by-region.md), area by area
NOTES = {
    "chest": {"exertional-chest-arm-jaw-pain", "cold-sweat-or-nausea-with-pain", "chest-pain-or-breathlessness",
              "sudden-tearing-chest-or-back-pain", "coughing-blood", "shingles-rash"},
    "arm": {"exertional-chest-arm-jaw-pain", "cold-sweat-or-nausea-with-pain", "arm-weakness-progressive",
            "hand-clumsiness-or-gait-change", "hot-swollen-joint", "coughing-blood", "face-arm-speech-weakness"},
    "neck": {"exertional-chest-arm-jaw-pain", "cold-sweat-or-nausea-with-pain", "jaw-claudication",
             "sudden-unusual-neck-pain", "dizziness-swallowing-speech-trouble", "face-arm-speech-weakness",
             "headache-with-fever-and-stiff-neck", "hand-clumsiness-or-gait-change", "arm-weakness-progressive"},
    "head": {"thunderclap-headache", "headache-with-fever-and-stiff-neck", "sudden-vision-loss-or-double-vision",
             "face-arm-speech-weakness", "dizziness-swallowing-speech-trouble", "new-headache-over-50",
             "jaw-claudication", "scalp-tenderness", "shingles-rash"},
    "joint": {"hot-swollen-joint"},
}
#: a region of each area, to draw
SAMPLE = {"chest": "sternum", "arm": "forearm-radial:left", "neck": "throat", "head": "temple:right",
          "joint": "knee-anterior:left"}
BUTTOCK = {"pain": ["buttock-lower-outer:right", "buttock-upper-outer:right", "gluteal-fold:right"],
           "int:buttock-lower-outer:right": "5", "int:buttock-upper-outer:right": "5", "int:gluteal-fold:right": "3"}


def flags_in(html: str) -> set[str]:
    return set(re.findall(r'name="rf\.[a-z-]+" value="([a-z0-9-]+)"', html))


def test_every_flag_belongs_to_an_area_and_the_notes_are_followed(kb):
    general = {f for ids in screeners.GENERAL.values() for f in ids}
    by_area = {f for ids in screeners.AREA_FLAGS.values() for f in ids}
    assert general | by_area == set(kb.red_flags)
    for area, ids in NOTES.items():
        assert ids <= set(screeners.AREA_FLAGS[area]), area
    # every area can be reached by a drawing
    reached = set().union(*(screeners.region_areas(r, d.group) for r, d in kb.regions.items()))
    assert set(screeners.AREA_FLAGS) <= reached
    for area, key in SAMPLE.items():
        rid = key.partition(":")[0]
        assert area in screeners.region_areas(rid, kb.regions[rid].group), area
    # the buttock and the low back are the general area only
    for rid in ("buttock-lower-outer", "buttock-upper-inner", "sacroiliac", "coccyx", "low-back", "thigh-lateral"):
        assert screeners.region_areas(rid, kb.regions[rid].group) == {"lower"}, rid


def test_general_flags_are_on_step_one_and_area_flags_under_where_mostly(client, kb):
    html = client.get("/").text
    asked = flags_in(html)
    assert {f for ids in screeners.GENERAL.values() for f in ids} <= asked
    assert asked == set(kb.red_flags)  # every flag can be asked on step 1 (by the "mostly" answer)
    assert 'name="mostly" value="lower" id="mostly-lower" checked' in html


@pytest.mark.parametrize("area", sorted(NOTES))
def test_each_area_flag_is_asked_when_the_drawing_reaches_it_without_js(client, kb, area):
    """Posting a drawing that reaches the area (no script to show the screeners on the map page)
    gives a short extra page with that area's flags; answering goes on to the results."""
    key = SAMPLE[area]
    data: dict[str, Any] = {"pain": [key], f"int:{key}": "5"}
    r = client.post("/results", data=data)
    assert r.status_code == 200
    assert 'id="more-form"' in r.text, area
    general = {f for ids in screeners.GENERAL.values() for f in ids}  # asked on step 1 already
    assert set(screeners.AREA_FLAGS[area]) - general <= flags_in(r.text)
    assert f'name="asked" value="{area}"' in r.text
    # answered (nothing ticked): the results
    carried = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', r.text)
    form: dict[str, list[str]] = {}
    for k, v in carried:
        form.setdefault(k, []).append(v)
    r2 = client.post("/results", data=form)
    assert "triage" in r2.text and 'id="more-form"' not in r2.text


def test_an_emergency_answer_on_the_extra_page_gives_emergency_advice(client):
    data = {"pain": ["temple:right"], "int:temple:right": "7", "asked": ["head"],
            "sg.head-emergency": "yes", "rf.head-emergency": ["thunderclap-headache"]}
    r = client.post("/results", data=data)
    assert "triage-emergency" in r.text
    assert r.text.index("triage-emergency") < r.text.index("muscle-result") if "muscle-result" in r.text else True


def test_buttock_only_drawing_gets_no_extra_step(client):
    r = client.post("/results", data=BUTTOCK)
    assert r.status_code == 200
    assert 'id="more-form"' not in r.text and "muscle-result" in r.text


def test_no_drops_the_ticks_under_it(client):
    r = client.post("/check", data={"sg.general-emergency": "no", "rf.general-emergency": ["saddle-anesthesia"]})
    assert 'id="intake-form"' in r.text and "triage-emergency" not in r.text
    r = client.post("/check", data={"sg.general-emergency": "yes", "rf.general-emergency": ["saddle-anesthesia"]})
    assert "triage-emergency" in r.text


def test_area_chosen_on_step_one_is_asked_there_and_opens_its_view(client):
    # a tick counts wherever it is (a browser without :has shows every area's questions)
    r = client.post("/check", data={"mostly": "lower", "rf.head-emergency": ["thunderclap-headache"]})
    assert "triage-emergency" in r.text
    r = client.post("/check", data={"mostly": "head", "rf.head-emergency": ["thunderclap-headache"]})
    assert "triage-emergency" in r.text
    assert '<input type="hidden" name="mostly" value="head">' in r.text
    r = client.post("/check", data={"mostly": "head"})
    html = r.text
    assert '<input type="hidden" name="asked" value="head">' in html
    assert re.search(r'data-view-panel="head-right">', html) and 'data-view-panel="back" hidden' in html
    # a head drawing is not asked again
    r = client.post("/results", data={"mostly": "head", "asked": ["head"], "pain": ["temple:right"],
                                      "int:temple:right": "5"})
    assert 'id="more-form"' not in r.text and "triage" in r.text
    # the default opens on the Back
    html = client.post("/check", data={}).text
    assert re.search(r'data-view-panel="back">', html)


def test_neck_answer_opens_a_view_with_the_areas_it_names(client):
    """ "Neck, jaw or throat" opens on a view where the jaw, the throat and the neck can all be tapped.
    (The neck-and-shoulders close-up has no jaw or teeth, so it is not the opening view for this answer.)"""
    html = client.post("/check", data={"mostly": "neck"}).text
    shown = re.findall(r'<figure [^>]*data-view-panel="([a-z-]+)">(.*?)</figure>', html, re.S)
    assert len(shown) == 1, [v for v, _ in shown]
    regions = set(re.findall(r'data-region="([a-z-]+)"', shown[0][1]))
    assert {"jaw", "throat"} <= regions, sorted(regions)
    assert regions & {"neck-lateral", "neck-front", "neck-posterior", "neck-back", "cervical-spine"}, sorted(regions)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_emergency_page_wording_is_consistent(client, lang):
    r = client.post(f"/check?lang={lang}", data={"sg.general-emergency": "yes",
                                                 "rf.general-emergency": ["bladder-dysfunction"]})
    text = re.sub(r"<[^>]+>", " ", r.text.split("<main", 1)[1].split("</main>", 1)[0])
    if lang == "en":
        assert "emergency department" in text
        assert "today" not in text and "in person" not in text
    else:
        assert "urgencias" in text
        assert "hoy" not in text.split()


# --- in the browser --------------------------------------------------------------------

@pytest.mark.browser
@pytest.mark.parametrize("width", [360, 1280])
@pytest.mark.parametrize("lang", ["en", "es"])
def test_buttock_pain_in_six_taps(live_server, page_factory, width, lang):
    """The common path: no red flag, three buttock areas, on one safety screen and the map."""
    page = sized_page(page_factory, width, lang)
    page.goto(live_server + "/")
    taps = 0
    if width < 600:
        shot(page, f"30-{lang}-360-safety-step", full_page=False)
        height = page.evaluate("document.getElementById('safety-form').getBoundingClientRect().height")
        assert height < 2000, height  # the questions were about six screens (4,400 px) with 37 of them
    # no question is open until a Yes
    assert page.locator("#safety-form input[type=checkbox]:visible").count() == 0
    tap(page, "#safety-form button[type=submit]", width)
    taps += 1
    page.wait_for_selector("[data-bodymap]:not([hidden])")
    # opens on the Back; on a phone on its close-up, where every buttock area is a finger-sized tile
    view = "pelvis" if width < 600 else "back"
    assert page.locator(f"[data-view-panel={view}]").is_visible()
    for rid in ("buttock-lower-outer", "buttock-upper-outer", "gluteal-fold"):
        tap(page, map_area(page, view, rid, "right"), width)
        taps += 1
    # no extra safety question for a buttock drawing, and the list does not grow
    assert page.locator("[data-area-safety]").is_hidden()
    assert page.locator("details.region-group[open]").count() == 0
    tap(page, "#intake-form button[type=submit]", width)
    taps += 1
    page.wait_for_selector(".triage")
    assert page.locator(".triage-self-care").count() == 1
    assert page.locator("article.muscle-result").count() > 0
    assert taps <= 6
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.errors == []


@pytest.mark.browser
@pytest.mark.parametrize("width", [360, 1280])
@pytest.mark.parametrize("lang", ["en", "es"])
def test_head_drawing_brings_the_head_questions_and_emergency_at_once(live_server, page_factory, width, lang):
    page = sized_page(page_factory, width, lang)
    open_map(page, live_server, width)
    section = page.locator("[data-area-safety]")
    assert section.is_hidden()
    tap(page, "button[data-view=head-right]", width)
    tap(page, map_area(page, "head-right", "temple", "right"), width)
    assert section.is_visible()
    assert page.locator("[data-screener='head-emergency']").is_visible()
    assert page.locator("[data-screener='chest-emergency']").is_hidden()
    assert page.locator("#rf-head-thunderclap-headache").is_hidden()
    tap(page, "label[for=sg-head-emergency-yes]", width)
    alert = page.locator("#alert-emergency")
    assert alert.is_hidden()
    page.locator("#rf-head-thunderclap-headache").check()
    assert alert.is_visible()  # at once
    assert ("emergency department" if lang == "en" else "urgencias") in alert.inner_text()
    if width < 600:
        shot(page, f"31-{lang}-360-head-safety-on-map", full_page=False)
    tap(page, "#intake-form button[type=submit]", width)
    page.wait_for_selector(".triage")
    assert page.locator(".triage-emergency").count() == 1
    assert page.errors == []


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["en", "es"])
def test_without_js_the_area_questions_come_before_the_results(live_server, page_factory, lang):
    page = sized_page(page_factory, 360, lang, js=False)
    page.goto(live_server + "/")
    page.locator("#safety-form button[type=submit]").click()
    page.wait_for_selector("#intake-form")
    page.click("details[data-group=head-neck] > summary")
    page.check("#p-temple-right")
    page.locator("#intake-form button[type=submit]").click()
    page.wait_for_selector("#more-form")
    assert page.locator("#rf-head-thunderclap-headache").is_hidden()
    page.click("label[for=sg-head-emergency-yes]")  # opens without the script (CSS)
    page.check("#rf-head-thunderclap-headache")
    shot(page, f"32-{lang}-360-more-safety-no-js", full_page=False)
    page.locator("#more-form button[type=submit]").click()
    page.wait_for_selector(".triage-emergency")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
