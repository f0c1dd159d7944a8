"""Browser tests: Playwright driving Debian's chromium against the real app under uvicorn.

Screenshots go to docs/screenshots/ with TRIGGERMAP_SAVE_SCREENSHOTS=1 (committed, so the README can show them). Every page is also
checked for console errors, which is where chromium reports Content-Security-Policy violations.
"""

from __future__ import annotations

from typing import Any

import pytest
from webhelpers import mark_area, shot

pytestmark = pytest.mark.browser

BACK = "[data-view-panel=back]"


def region(page: Any, view: str, rid: str, side: str | None = None) -> Any:
    sel = f"[data-view-panel={view}] [data-region='{rid}']" + (f"[data-side='{side}']" if side else ":not([data-side])")
    return page.locator(sel).first


def start_intake(page: Any, base: str, path: str = "/") -> None:
    page.goto(base + path)
    page.locator("#safety-form button[type=submit]").click()
    page.wait_for_selector("[data-bodymap]:not([hidden])")


def api_top_muscle(base: str, intake: dict, lang: str = "en") -> str:
    import httpx

    r = httpx.post(f"{base}/api/v1/assess?lang={lang}", json=intake, timeout=30)
    r.raise_for_status()
    return str(r.json()["muscles"][0]["id"])


GLUT_MIN = {
    "version": 1,
    "pain": [
        {"region": "buttock-lower-outer", "side": "right", "intensity": 5},
        {"region": "thigh-lateral", "side": "right", "intensity": 5},
        {"region": "leg-lateral", "side": "right", "intensity": 3},
    ],
    "aggravating": ["rising-from-chair", "lying-on-affected-side"],
}


def mark_glut_min(page: Any) -> None:
    """On the whole-body views (on a phone, an area too small to tap is chosen from the picker)."""
    page.click("button[data-view=back]")
    for _ in range(2):  # first tap: mild (3), second: moderate (5)
        mark_area(page, region(page, "back", "buttock-lower-outer", "right"), touch=False)
        mark_area(page, region(page, "back", "thigh-lateral", "right"), touch=False)
    page.click("button[data-view=right]")
    mark_area(page, region(page, "right", "leg-lateral", "right"), touch=False)
    page.click("label[for=agg-rising-from-chair]")
    page.click("label[for=agg-lying-on-affected-side]")


def test_map_click_to_results(live_server, page_factory):
    page = page_factory(1280, 900)
    page.goto(live_server + "/")
    shot(page, "01-safety-questions-desktop")
    start_intake(page, live_server)
    shot(page, "02-body-map-desktop", full_page=False)
    mark_glut_min(page)
    # the map drives the list-based form: same marks, same intensities
    assert page.is_checked("#p-buttock-lower-outer-right")
    assert page.input_value("select[name='int:buttock-lower-outer:right']") == "5"
    assert page.input_value("select[name='int:thigh-lateral:right']") == "5"
    assert page.input_value("select[name='int:leg-lateral:right']") == "3"
    assert region(page, "back", "buttock-lower-outer", "right").get_attribute("aria-checked") == "true"
    assert region(page, "back", "buttock-lower-outer", "right").get_attribute("data-intensity") == "5"
    marked = page.locator("[data-marked-list] li").all_inner_texts()
    assert any("Buttock, lower outer (right): moderate, 5/10" in m for m in marked), marked
    page.click("button[data-view=back]")
    page.locator("[data-bodymap]").scroll_into_view_if_needed()
    shot(page, "03-body-map-marked-desktop", full_page=False)
    page.locator("#intake-form button[type=submit]").click()
    page.wait_for_selector(".triage")
    first = page.locator("article.muscle-result").first
    assert first.get_attribute("id") == "m-gluteus-minimus"
    assert first.get_attribute("id") == "m-" + api_top_muscle(live_server, GLUT_MIN)
    assert "Gluteus minimus" in first.inner_text()
    assert page.locator(".triage-self-care").count() == 1
    shot(page, "04-results-desktop", full_page=False)
    page.locator("article.muscle-result").first.scroll_into_view_if_needed()
    shot(page, "05-results-top-muscle-desktop", full_page=False)
    # the print view of the same page (the handout)
    page.emulate_media(media="print")
    shot(page, "06-results-print")
    page.emulate_media(media="screen")
    assert page.errors == []


def test_emergency_answer_shows_advice_at_once(live_server, page_factory):
    page = page_factory(1280, 900)
    page.goto(live_server + "/")
    alert = page.locator("#alert-emergency")
    assert alert.is_hidden()
    assert page.locator("#rf-bladder-dysfunction").is_hidden()  # the questions open after a Yes
    page.click("label[for=sg-general-emergency-yes]")
    page.check("#rf-bladder-dysfunction")
    # at once, before submitting anything
    assert alert.is_visible()
    assert "emergency department" in alert.inner_text()
    assert "urine" in alert.inner_text()
    box = alert.bounding_box()
    assert box is not None and -1 <= box["y"] < 900  # scrolled into view
    shot(page, "07-emergency-answer-js", full_page=False)
    page.uncheck("#rf-bladder-dysfunction")
    assert alert.is_hidden()
    page.check("#rf-chest-pain-or-breathlessness")
    assert alert.is_visible()
    page.locator("#safety-form button[type=submit]").click()
    page.wait_for_selector(".triage-emergency")
    assert page.locator("[data-bodymap]").count() == 0
    shot(page, "08-emergency-page", full_page=False)
    assert page.errors == []


def test_emergency_without_javascript(live_server, page_factory):
    page = page_factory(1280, 900, js=False)
    page.goto(live_server + "/")
    page.click("label[for=sg-general-emergency-yes]")  # opens without the script too (CSS)
    page.check("#rf-saddle-anesthesia")
    page.locator("#safety-form button[type=submit]").click()
    page.wait_for_selector(".triage-emergency")
    text = page.inner_text("main")
    assert text.index("emergency department") < text.index("continue to the body map anyway")
    assert page.locator("[data-bodymap]").count() == 0


def test_list_based_form_without_javascript(live_server, page_factory):
    page = page_factory(1280, 900, js=False)
    start = live_server + "/"
    page.goto(start)
    page.locator("#safety-form button[type=submit]").click()
    page.wait_for_selector("#intake-form")
    assert page.locator("[data-bodymap]").is_hidden()  # the map needs the script; the list does not
    page.click("details[data-group=pelvis] > summary")
    page.click("details[data-group=hip-thigh] > summary")
    page.check("#p-buttock-lower-outer-right")
    page.select_option("select[name='int:buttock-lower-outer:right']", "5")
    page.check("#p-thigh-lateral-right")
    page.select_option("select[name='int:thigh-lateral:right']", "5")
    page.click("details[data-group=leg] > summary")
    page.check("#p-leg-lateral-right")
    page.select_option("select[name='int:leg-lateral:right']", "3")
    page.check("#agg-rising-from-chair")
    page.check("#agg-lying-on-affected-side")
    page.locator("#p-buttock-lower-outer-right").scroll_into_view_if_needed()
    shot(page, "09-list-alternative-no-js", full_page=False)
    page.locator("#intake-form button[type=submit]").click()
    page.wait_for_selector(".triage")
    assert page.locator("article.muscle-result").first.get_attribute("id") == "m-gluteus-minimus"


def test_spanish_path(live_server, page_factory):
    page = page_factory(390, 844, locale="es-ES", is_mobile=True, has_touch=True)
    page.goto(live_server + "/")
    assert page.get_attribute("html", "lang") == "es"
    assert "Primero, unas preguntas de seguridad" in page.inner_text("h1")
    shot(page, "10-es-safety-questions-phone", full_page=False)
    page.locator("#safety-form button[type=submit]").click()
    page.wait_for_selector("[data-bodymap]:not([hidden])")
    assert page.inner_text("h1") == "¿Dónde le duele?"
    assert page.inner_text("button[data-view=back]") == "Espalda"
    mark_glut_min(page)
    marked = page.locator("[data-marked-list] li").all_inner_texts()
    assert any("(derecha)" in m and "moderado" in m for m in marked), marked
    page.click("button[data-view=back]")
    page.locator("[data-bodymap]").scroll_into_view_if_needed()
    shot(page, "11-es-body-map-phone", full_page=False)
    page.locator("#intake-form button[type=submit]").click()
    page.wait_for_selector(".triage")
    assert page.get_attribute("html", "lang") == "es"
    first = page.locator("article.muscle-result").first
    assert first.get_attribute("id") == "m-" + api_top_muscle(live_server, GLUT_MIN, "es")
    assert "Glúteo menor" in first.inner_text()
    text = page.inner_text("main")
    for words in ("Triaje", "Explica", "Plan de autocuidado", "no es un diagnóstico"):
        assert words.lower() in text.lower(), words
    shot(page, "12-es-results-phone", full_page=False)
    # the toggle switches the same results to English, answers kept
    page.locator("header .lang-toggle").click()
    page.wait_for_selector(".triage")
    assert page.get_attribute("html", "lang") == "en"
    assert "Gluteus minimus" in page.locator("article.muscle-result").first.inner_text()
    assert page.errors == []


def _tab_to(page: Any, predicate: str, limit: int = 800) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(() => {{ const el = document.activeElement; return !!el && ({predicate}); }})()"):
            return
    raise AssertionError(f"keyboard focus never reached: {predicate}")


def _arrow_to(page: Any, target: Any, limit: int = 40) -> None:
    """Move the map's focus to ``target`` with the arrow keys only (towards its centre)."""
    for _ in range(limit):
        if page.evaluate("(t) => document.activeElement === t", target.element_handle()):
            return
        goal = target.bounding_box()
        gx, gy = goal["x"] + goal["width"] / 2, goal["y"] + goal["height"] / 2
        r = page.evaluate("(() => { const b = document.activeElement.getBoundingClientRect();"
                          " return [b.x + b.width / 2, b.y + b.height / 2]; })()")
        dx, dy = gx - r[0], gy - r[1]
        if abs(dy) >= abs(dx):
            page.keyboard.press("ArrowDown" if dy > 0 else "ArrowUp")
        else:
            page.keyboard.press("ArrowRight" if dx > 0 else "ArrowLeft")
    raise AssertionError("the arrow keys never reached the area")


def test_keyboard_only(live_server, page_factory):
    page = page_factory(1280, 900)
    page.goto(live_server + "/")
    # the first Tab reaches the skip link
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    _tab_to(page, "el.id === 'sg-general-urgent-no'")
    page.keyboard.press("ArrowRight")  # Yes
    assert page.is_checked("#sg-general-urgent-yes")
    _tab_to(page, "el.id === 'rf-fever'")
    page.keyboard.press("Space")
    assert page.is_checked("#rf-fever")
    _tab_to(page, "el.matches('#safety-form button[type=submit]')")
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-bodymap]:not([hidden])")
    _tab_to(page, "el.matches('button[data-view=back]')")
    page.keyboard.press("Enter")
    _tab_to(page, "el.matches('[data-view-panel=back] [data-region]')", limit=30)
    _arrow_to(page, region(page, "back", "buttock-lower-outer", "right"))
    name = page.evaluate("document.activeElement.getAttribute('aria-label')")
    assert name.startswith("Buttock, lower outer (right)"), name
    assert page.evaluate("document.activeElement.getAttribute('role')") == "checkbox"
    page.keyboard.press("Enter")
    page.keyboard.press("Space")
    assert page.input_value("select[name='int:buttock-lower-outer:right']") == "5"
    assert "moderate, 5/10" in page.evaluate("document.activeElement.getAttribute('aria-label')")
    assert page.locator(".focus-ring").count() == 1  # visible focus on the map
    page.locator("[data-view-panel=back] svg").scroll_into_view_if_needed()
    shot(page, "13-keyboard-focus-on-map", full_page=False)
    # the arrow keys move between the areas of the view (one Tab stop per view)
    page.keyboard.press("ArrowDown")
    below = page.evaluate("[document.activeElement.getAttribute('data-region'), document.activeElement.getAttribute('data-side')]")
    assert below[0] and below != ["buttock-lower-outer", "right"], below
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.getAttribute('aria-checked')") == "true"
    _tab_to(page, "el.id === 'agg-lying-on-affected-side'")
    page.keyboard.press("Space")
    _tab_to(page, "el.matches('#intake-form button[type=submit]')", limit=60)  # was 109 Tabs from the map
    page.keyboard.press("Enter")
    page.wait_for_selector(".triage")
    assert page.is_visible(".triage-see-clinician") or page.is_visible(".triage-urgent")  # fever
    assert page.locator("article.muscle-result").count() > 0
    assert page.errors == []


PAGES_360 = ["/", "/muscles", "/muscles/gluteus-medius", "/api"]


def test_360px_layout(live_server, page_factory):
    page = page_factory(360, 740, is_mobile=True, has_touch=True, device_scale_factor=2)

    def no_sideways_scroll() -> None:
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"{page.url} is {width} px wide"

    for path in PAGES_360:
        page.goto(live_server + path)
        no_sideways_scroll()
    page.goto(live_server + "/")
    shot(page, "14-phone-360-safety-questions", full_page=False)
    page.locator("#safety-form button[type=submit]").click()
    page.wait_for_selector("[data-bodymap]:not([hidden])")
    no_sideways_scroll()
    # a phone opens the Back view's close-up: the pelvis and buttock areas as finger-sized tiles
    assert page.locator("[data-view-panel=pelvis]").is_visible()
    for _ in range(2):
        region(page, "pelvis", "buttock-lower-outer", "right").tap()
    region(page, "pelvis", "thigh-lateral", "right").tap()
    assert page.input_value("select[name='int:buttock-lower-outer:right']") == "5"
    # tap targets of the view switch are at least 44 px high
    h = page.locator("button[data-view=back]").bounding_box()["height"]
    assert h >= 44
    shot(page, "15-phone-360-body-map", full_page=False)
    page.locator("#intake-form button[type=submit]").click()
    page.wait_for_selector(".triage")
    no_sideways_scroll()
    shot(page, "16-phone-360-results", full_page=False)
    page.goto(live_server + "/muscles")
    shot(page, "17-phone-360-muscle-library", full_page=False)
    assert page.errors == []


def test_muscle_library_filter(live_server, page_factory):
    page = page_factory(1280, 900)
    page.goto(live_server + "/muscles")
    total = page.locator("#muscle-list li").count()
    page.fill("#muscle-q", "piriform")
    visible = page.locator("#muscle-list li:visible")
    n = visible.count()
    # piriformis itself, and the deep rotators whose pattern is described as the piriformis one
    assert 1 <= n < total
    assert page.locator("#muscle-list li:visible a[href='/muscles/piriformis']").count() == 1
    for k in range(n):
        assert "piriform" in (visible.nth(k).get_attribute("data-search") or "")
    assert f"{n} muscle" in page.inner_text("[data-count]")
    page.fill("#muscle-q", "zzz-no-such-muscle")
    assert page.locator("#muscle-list li:visible").count() == 0
    page.fill("#muscle-q", "")
    assert page.locator("#muscle-list li:visible").count() == total
    shot(page, "18-muscle-library", full_page=False)
    page.click("a[href='/muscles/piriformis']")
    page.wait_for_selector("h1")
    assert page.inner_text("h1") == "Piriformis"
    shot(page, "19-muscle-page", full_page=False)
    assert page.errors == []


def test_pdf_handout_download(live_server, page_factory):
    page = page_factory(1280, 900)
    start_intake(page, live_server)
    mark_glut_min(page)
    page.locator("#intake-form button[type=submit]").click()
    page.wait_for_selector(".triage")
    with page.expect_download() as dl:
        page.click("form[action='/handout.pdf'] button")
    path = dl.value.path()
    with open(path, "rb") as fh:
        assert fh.read(5) == b"%PDF-"
    assert dl.value.suggested_filename == "triggermap-handout.pdf"


@pytest.mark.parametrize("width", [360, 1280])
def test_close_ups_make_the_finer_regions_selectable(live_server, page_factory, width):
    """The head and neck, upper-body and hand close-ups: every finer 1.1 region can be tapped or
    clicked, on a phone and on a desktop, and the list alternative follows."""
    from triggermap.charts.geometry import CLOSE_UPS, get_view

    page = page_factory(width, 740, is_mobile=True, has_touch=True) if width < 600 else page_factory(width, 900)
    start_intake(page, live_server)
    for view in CLOSE_UPS:
        assert page.locator(f"[data-view-panel={view}] [data-region]").count() == len(get_view(view).regions)
    for view, rid, side in (("head-left", "jaw", "left"), ("head-right", "temple", "right"),
                            ("upper-back", "interscapular", "right"), ("upper-back", "thoracic-spine", None),
                            ("upper-front", "elbow-medial", "left"), ("hands-palm", "thumb", "right"),
                            ("hands-back", "fingers-ulnar", "left")):
        button = page.locator(f"button[data-view={view}]")
        assert button.bounding_box()["height"] >= 44
        button.tap() if width < 600 else button.click()
        target = region(page, view, rid, side)
        if width < 600:
            mark_area(page, target)  # an area too small to tap is chosen from the picker
        else:
            target.click()
        key = f"{rid}-{side}" if side else rid
        assert page.is_checked(f"#p-{key}"), (view, rid, side)
        assert target.get_attribute("aria-checked") == "true"
    if width < 600:
        width_now = page.evaluate("document.documentElement.scrollWidth")
        assert width_now <= 360
        page.locator("button[data-view=head-right]").tap()
        shot(page, "18-phone-360-head-close-up", full_page=False)
    assert page.errors == []
