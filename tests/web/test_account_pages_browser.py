"""Browser test of the accounts side of clinic mode at 360 px (issue 12): the administrator adds a
patient, assigns a clinician and disables the account from the ``Accounts`` menu; a clinician's
menu says "My patients"; everyone changes their own password and their other sessions end. Playwright
drives Debian's chromium against the real app under uvicorn, in English and Spanish."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from webhelpers import serve_in_thread, shot

pytestmark = pytest.mark.browser

PW_BOSS = "boss-password-2024"
PW_DR = "doctor-password-2024"
NEW_PW = "a brand new password"


@pytest.fixture(scope="module")
def clinic_server(kb: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from triggermap.store import db, repo
    from triggermap.web.app import create_app

    url = f"sqlite:///{tmp_path_factory.mktemp('accounts-browser') / 'clinic.sqlite3'}"
    with db.session_scope(url) as s:
        boss = repo.create_account(s, "boss", PW_BOSS, "clinician")
        repo.set_admin(s, boss, True)
        repo.create_account(s, "dr.x", PW_DR, "clinician")
    with serve_in_thread(create_app(clinic=True, kb=kb, database_url=url)) as base:
        yield type("Server", (), {"base": base, "url": url})
    db.dispose_engines()


def log_in(page: Any, base: str, username: str, password: str) -> None:
    page.goto(base + "/login")
    page.fill("#f-username", username)
    page.fill("#f-password", password)
    page.locator("form.login-form button[type=submit]").click()
    page.wait_for_load_state()


def fits(page: Any, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url


def menu_texts(page: Any) -> list[str]:
    return [t.strip() for t in page.locator(".site-nav a, .site-nav button").all_inner_texts()]


@pytest.mark.parametrize(("lang", "words"), [
    ("en", {"accounts": "Accounts", "patients": "My patients", "diary": "My diary", "disable": "Disable pat.b",
            "added": "The account was added.", "disabled": "Disabled"}),
    ("es", {"accounts": "Cuentas", "patients": "Mis pacientes", "diary": "Mi diario", "disable": "Desactivar pat.b",
            "added": "Se agregó la cuenta.", "disabled": "Desactivada"}),
])
def test_admin_manages_accounts_on_a_phone(clinic_server, page_factory, lang, words):
    from triggermap.store import db, repo

    page = page_factory(360, 780, locale="es-MX" if lang == "es" else "en-US", is_mobile=True, has_touch=True)
    log_in(page, clinic_server.base, "boss", PW_BOSS)
    menu = menu_texts(page)
    assert words["accounts"] in menu and words["patients"] in menu and words["diary"] not in menu
    page.locator(".site-nav a[href='/accounts']").click()
    page.wait_for_selector("#add-account")
    assert page.locator("html").get_attribute("lang") == lang
    fits(page, 360)
    user = f"pat.{'b' if lang == 'en' else 'c'}"
    code = f"P-{user[-1].upper()}"
    page.fill("#f-username", user)
    page.select_option("#f-role", "patient")
    page.fill("#f-person", code)
    page.fill("#f-password", "patient password 1")
    page.locator("#add-account button[type=submit]").click()
    page.wait_for_selector(".alert-ok")
    assert words["added"] in page.inner_text(".alert-ok")
    card = page.locator(f"li.account[data-username='{user}']")
    assert card.count() == 1 and code in card.inner_text()
    # assign the clinician to the new patient
    page.select_option("#f-clinician", "dr.x")
    page.fill("#f-patient", code)
    page.locator("#assign-form button[type=submit]:not([formaction])").click()
    page.wait_for_selector(".alert-ok")
    assert "dr.x" in page.locator(f"li.account[data-username='{user}']").inner_text()
    # disable it; the card says so, and the account cannot log in
    page.locator(f"li.account[data-username='{user}'] form[action$='/active'] button").click()
    page.wait_for_selector(".alert-ok")
    card = page.locator(f"li.account[data-username='{user}']")
    assert words["disabled"] in card.locator(".account-status").inner_text()
    fits(page, 360)
    # every button of the page is finger-sized (44 px, WCAG 2.5.5) at 360 px
    small = page.evaluate("""() => [...document.querySelectorAll('main button, main summary')]
        .filter(b => b.offsetParent && b.getBoundingClientRect().height < 44).map(b => b.textContent.trim())""")
    assert small == []
    with db.session_scope(clinic_server.url, readonly=True) as s:
        a = repo.get_account(s, user)
        assert not a.is_active and a.person is not None and a.person.code == code
        assert code in [p.code for p in repo.patients_of(s, repo.get_account(s, "dr.x"))]
    shot(page, f"accounts-{lang}-phone")
    from test_accessibility import audit  # the serious and critical rules, checked in the browser

    assert audit(page) == []
    assert page.errors == []


def test_clinician_changes_password_on_a_phone(clinic_server, page_factory):
    other = page_factory(1280, 900)
    log_in(other, clinic_server.base, "dr.x", PW_DR)
    page = page_factory(360, 780, is_mobile=True, has_touch=True)
    log_in(page, clinic_server.base, "dr.x", PW_DR)
    menu = menu_texts(page)
    assert "My patients" in menu and "My diary" not in menu and "Accounts" not in menu
    page.locator(".footer-links a[href='/account/password']").click()
    page.wait_for_selector("form.password-form")
    fits(page, 360)
    page.fill("#f-current", PW_DR)
    page.fill("#f-password", NEW_PW)
    page.fill("#f-confirm", NEW_PW + "!")  # a typo: refused, nothing changed
    page.locator("form.password-form button[type=submit]").click()
    page.wait_for_selector("#form-errors")
    assert "differ" in page.inner_text("#form-errors")
    page.fill("#f-current", PW_DR)
    page.fill("#f-password", NEW_PW)
    page.fill("#f-confirm", NEW_PW)
    page.locator("form.password-form button[type=submit]").click()
    page.wait_for_selector(".alert-ok")
    shot(page, "password-phone", full_page=False)
    from test_accessibility import audit

    assert audit(page) == []
    page.goto(clinic_server.base + "/patients")
    assert page.url.endswith("/patients")  # still logged in here
    other.goto(clinic_server.base + "/patients")
    assert "/login" in other.url  # the other session has ended
    assert [e for e in page.errors if "status of 422" not in e] == []
