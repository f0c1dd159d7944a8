"""The narrowest phones (issue 12): at 320 px no page scrolls sideways, the diary included (its
entries become cards, its plot a phone-sized image whose words read at about 12 px)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from webhelpers import serve_in_thread, shot

from triggermap.web import readability as rd
from triggermap.web.forms import encode_intake

pytestmark = pytest.mark.browser

#: the plot's words are 10 pt at 120 dpi (store.plot.render, compact): 16.7 image px
PLOT_TEXT_PX = 10 / 72 * 120


@pytest.fixture()
def local_server(kb: Any, tmp_path: Any) -> Iterator[str]:
    """The local app (single user on loopback) on its own, empty diary."""
    from triggermap.store import db
    from triggermap.web.app import create_app

    with serve_in_thread(create_app(kb=kb, database_url=f"sqlite:///{tmp_path / 'd.sqlite3'}")) as base:
        yield base
    db.dispose_engines()


def no_sideways_scroll(page: Any, width: int) -> None:
    sw = page.evaluate("document.documentElement.scrollWidth")
    assert sw <= width, f"{page.url} is {sw} px wide at {width} px"


@pytest.mark.parametrize("lang", ["en", "es"])
def test_pages_fit_320(live_server, page_factory, lang):
    page = page_factory(320, 640, locale="es-ES" if lang == "es" else "en-US", is_mobile=True, has_touch=True)
    token = encode_intake(rd.TYPICAL["buttock"])
    for path in ("/", "/where?mostly=lower", "/where?mostly=arm", f"/results?i={token}", f"/handout?i={token}",
                 "/muscles", "/muscles/gluteus-medius", "/api"):
        page.goto(live_server + path + ("&" if "?" in path else "?") + f"lang={lang}")
        no_sideways_scroll(page, 320)
    assert page.errors == []
    page.goto(live_server + f"/nowhere?lang={lang}")  # the error page (its 404 is logged: not checked)
    no_sideways_scroll(page, 320)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_diary_fits_320(local_server, page_factory, lang):
    page = page_factory(320, 640, locale="es-ES" if lang == "es" else "en-US", is_mobile=True, has_touch=True)
    page.goto(local_server + f"/results?i={encode_intake(rd.TYPICAL['buttock'])}&lang={lang}")
    page.locator("form[action='/diary/save'] button").tap()
    page.wait_for_selector("#add-form")
    today = dt.date.today()
    for days, pain in ((9, 7), (4, 5), (0, 3)):
        page.fill("#f-date", (today - dt.timedelta(days=days)).isoformat())
        page.locator(f"label[for=pain-{pain}]").tap()
        page.fill("#f-note", "A long day of sitting at the computer, then a walk in the evening")
        page.locator("#add-form button[type=submit]").tap()
        page.wait_for_selector(".alert-ok")
    no_sideways_scroll(page, 320)
    # every entry is readable without scrolling: the cards fit the screen
    rows = page.locator("table.history tbody tr")
    assert rows.count() == 3
    for k in range(3):
        box = rows.nth(k).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 320, box
    # the phone's plot, its words at about 12 px
    page.wait_for_function("() => { const i = document.getElementById('diary-plot');"
                           " return i && i.complete && i.naturalWidth > 0; }")
    natural, shown = page.evaluate("() => { const i = document.getElementById('diary-plot');"
                                   " return [i.naturalWidth, i.getBoundingClientRect().width]; }")
    assert natural < 500, natural  # the compact plot, not the 960 px one
    assert PLOT_TEXT_PX * shown / natural >= 11, (natural, shown)
    page.locator("#history").scroll_into_view_if_needed()
    shot(page, f"34-{lang}-320-diary-entries", full_page=False)
    page.locator(".saved-results a").first.tap()
    page.wait_for_selector(".triage")
    no_sideways_scroll(page, 320)
    assert page.errors == []


def test_diary_plot_at_360_reads_12px(local_server, page_factory):
    page = page_factory(360, 740, is_mobile=True, has_touch=True)
    page.goto(local_server + "/diary")
    page.wait_for_selector("#add-form")
    page.fill("#f-date", dt.date.today().isoformat())
    page.locator("label[for=pain-4]").tap()
    page.locator("#add-form button[type=submit]").tap()
    page.wait_for_selector(".alert-ok")
    page.wait_for_function("() => { const i = document.getElementById('diary-plot');"
                           " return i && i.complete && i.naturalWidth > 0; }")
    natural, shown = page.evaluate("() => { const i = document.getElementById('diary-plot');"
                                   " return [i.naturalWidth, i.getBoundingClientRect().width]; }")
    assert PLOT_TEXT_PX * shown / natural >= 12, (natural, shown)
