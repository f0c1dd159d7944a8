"""The clinician's examination in chromium on a 360 px phone (issue 12), in English and Spanish:
log in, examine (a test answered by tapping, a palpation row), see the re-ranked result, save it,
read the timeline; no page scrolls sideways or fails the accessibility audit of the other pages,
answer targets are at least 44 px high, and no console error."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from test_accessibility import assert_clean
from webhelpers import serve_in_thread, shot, sized_page

PW = "correct horse battery staple"
WIDTH = 360
DRAWING = {"version": 1, "aggravating": ["sitting"], "pain": [
    {"region": "buttock-lower-outer", "side": "right", "intensity": 6},
    {"region": "gluteal-fold", "side": "right", "intensity": 4}]}


@pytest.fixture
def clinic_server(kb: Any, db_url: str) -> Iterator[Any]:
    from triggermap.present import localise
    from triggermap.store import db, repo
    from triggermap.web.api import assess_neutral
    from triggermap.web.app import create_app

    with db.session_scope(db_url) as s:
        person = repo.create_person(s, "pat-a", display_name="Ana A.")
        dr = repo.create_account(s, "dr.a", PW, "clinician")
        repo.assign_patient(s, dr, person)
        n = assess_neutral(DRAWING, kb)
        repo.save_assessment(s, person, intake=DRAWING, result=localise(n, "en", kb), kb_version=str(kb.version),
                             neutral=n.to_json())
        pid = person.id
    with serve_in_thread(create_app(clinic=True, kb=kb, database_url=db_url)) as base:
        yield SimpleNamespace(base=base, pid=pid)


def no_sideways_scroll(page: Any) -> None:
    """No sideways scrolling, and the accessibility audit of the other pages (test_accessibility)."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= WIDTH, f"{page.url}: {width} px wide"
    assert_clean(page, page.url)


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["en", "es"])
def test_examination_on_a_phone(clinic_server, page_factory, lang):
    page = sized_page(page_factory, WIDTH, lang)
    base, pid = clinic_server.base, clinic_server.pid
    page.goto(f"{base}/login?lang={lang}")
    page.fill("[name=username]", "dr.a")
    page.fill("[name=password]", PW)
    page.locator("form[action='/login'] button[type=submit]").tap()
    page.wait_for_url(f"{base}/patients*")
    page.locator(f"a[href='/patients/{pid}/exam']").tap()
    page.wait_for_selector(".exam-form")
    assert page.locator("html").get_attribute("lang") == lang
    no_sideways_scroll(page)
    shot(page, f"clinic-exam-phone-{lang}")
    for label in page.locator(".finding .tri label").all()[:9]:
        assert label.bounding_box()["height"] >= 44
    first = page.locator(".finding").first
    test_id = first.get_attribute("id")
    first.locator("label[for$='-yes']").tap()
    assert page.locator(f"#{test_id}-yes").is_checked()
    muscle = page.locator("#p0-muscle").input_value()
    assert muscle  # the drawing's top muscle is the first row
    page.select_option("#p0-result", "reproduces")
    page.locator(".exam-form button[type=submit]").tap()
    page.wait_for_selector("table.exam-muscles")
    no_sideways_scroll(page)
    shot(page, f"clinic-exam-result-phone-{lang}")
    assert page.locator("#next-title").is_visible()
    page.locator("form[action^='/patients/'] button[type=submit]").first.tap()
    page.wait_for_url(f"{base}/patients/{pid}/examinations/*")
    assert page.locator(".saved-note").is_visible()
    no_sideways_scroll(page)
    page.goto(f"{base}/patients/{pid}?lang={lang}")
    assert page.locator("tr.ev-exam").count() == 1 and page.locator("tr.ev-drawing").count() == 1
    no_sideways_scroll(page)
    assert page.errors == []
