"""Browser test of the diary: a patient logs in (clinic mode), adds three entries over three dates
and sees the plot. Playwright drives Debian's chromium against the real app under uvicorn;
screenshots go to docs/screenshots/ with TRIGGERMAP_SAVE_SCREENSHOTS=1."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from webhelpers import serve_in_thread, shot

pytestmark = pytest.mark.browser

PASSWORD = "ana-contraseña-2024"


@pytest.fixture(scope="module")
def clinic_server(kb: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from triggermap.store import db, repo
    from triggermap.web.app import create_app

    url = f"sqlite:///{tmp_path_factory.mktemp('diary-browser') / 'clinic.sqlite3'}"
    with db.session_scope(url) as s:
        person = repo.create_person(s, "P-ANA", display_name="Ana")
        repo.create_account(s, "ana", PASSWORD, "patient", person=person)
    with serve_in_thread(create_app(clinic=True, kb=kb, database_url=url)) as base:
        yield base
    db.dispose_engines()


def log_in(page: Any, base: str) -> None:
    page.goto(base + "/diary")
    assert "/login?next=/diary" in page.url  # the diary needs a log-in
    page.fill("#f-username", "ana")
    page.fill("#f-password", PASSWORD)
    page.locator("form.login-form button[type=submit]").click()
    page.wait_for_selector("#add-form")


def add_entry(page: Any, day: str, pain: int, regions: list[str] = (), exercises: list[str] = (),
              note: str = "") -> None:
    page.fill("#f-date", day)
    page.click(f"label[for=pain-{pain}]")
    if regions:
        page.locator("#f-regions > summary").click()
        for key in regions:
            box = page.locator(f"#r-{key.replace(':', '-')}")
            box.locator("xpath=ancestor::details[contains(@class,'region-group')]").first.evaluate("d => d.open = true")
            box.check()
    for ex in exercises:
        page.locator(".more-exercises").evaluate("d => d.open = true")
        page.check(f"#done-{ex}")
    if note:
        page.fill("#f-note", note)
    page.locator("#add-form button[type=submit]").click()
    page.wait_for_selector(".alert-ok")


def test_patient_adds_three_entries_and_sees_the_plot(clinic_server, page_factory):
    page = page_factory(1280, 900)
    page.goto(clinic_server + "/login")
    shot(page, "20-login", full_page=False)
    log_in(page, clinic_server)
    today = dt.date.today()
    days = [(today - dt.timedelta(days=d)).isoformat() for d in (6, 3, 0)]
    add_entry(page, days[0], 7, regions=["low-back:left", "buttock-lower-outer:right"],
              exercises=["figure-four-stretch"], note="Hard day at work")
    assert "Saved:" in page.inner_text(".alert-ok")
    # the next entry starts from the same areas (fewer taps); this one changes only pain and exercises
    assert page.is_checked("#r-low-back-left")
    add_entry(page, days[1], 5, exercises=["figure-four-stretch", "sitting-breaks"])
    add_entry(page, days[2], 3)
    rows = page.locator("table.history tbody tr")
    assert rows.count() == 3
    assert [rows.nth(i).get_attribute("data-date") for i in range(3)] == list(reversed(days))
    # the plot image really loaded
    page.wait_for_function(
        "() => { const i = document.getElementById('diary-plot'); return i && i.complete && i.naturalWidth > 0; }"
    )
    size = page.evaluate("() => { const i = document.getElementById('diary-plot'); return [i.naturalWidth, i.naturalHeight]; }")
    assert size == [960, 600]
    assert page.locator("#diary-plot").is_visible()
    # the body map shaded by how often each area hurt: low back on all 3 days
    assert page.locator(".freq-view [data-region='low-back'][data-side='left'][data-days='3']").count() == 1
    page.evaluate("document.getElementById('plot-title').scrollIntoView({block: 'start'})")
    shot(page, "21-diary-plot-desktop", full_page=False)
    shot(page, "22-diary-desktop")
    assert page.errors == []


def test_phone_spanish_diary_and_a_friendly_error(clinic_server, page_factory):
    page = page_factory(360, 780, locale="es-ES", is_mobile=True, has_touch=True)
    log_in(page, clinic_server)
    assert page.locator("html").get_attribute("lang") == "es"
    # the date defaults to the phone's today
    assert page.input_value("#f-date") == dt.date.today().isoformat()
    shot(page, "23-es-diary-phone-add", full_page=False)
    # (a date picker never sends 2023-02-30; the server's check of that is in test_diary.py)
    future = (dt.date.today() + dt.timedelta(days=10)).isoformat()
    page.fill("#f-date", future)
    page.locator("#add-form button[type=submit]").click()
    page.wait_for_selector("#form-errors")
    errors = page.inner_text("#form-errors")
    assert f"Fecha: el {future} está en el futuro" in errors
    assert "Dolor: elija cuánto le dolió" in errors
    assert page.evaluate("document.activeElement.id") == "form-errors"  # read out first by screen readers
    assert page.input_value("#f-date") == future  # kept for correction
    shot(page, "24-es-diary-phone-error", full_page=False)
    page.goto(page.url.replace("/entries", ""))
    page.evaluate("document.getElementById('freq-title').scrollIntoView({block: 'start'})")
    shot(page, "25-es-diary-phone-map", full_page=False)
    # the only console message: chromium noting the form's 422 answer (no CSP violation, no script error)
    assert [e for e in page.errors if "status of 422" not in e] == []

