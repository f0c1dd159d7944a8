"""Clinic mode, the accounts side (issue 12): the administrator's ``/accounts`` pages (list, add,
disable/enable, new password, assign/unassign), ``/account/password`` for everyone, menus and
wording that fit the role, and the disclaimer once per page. Real app, real SQLite, real argon2id
(cheap parameters), through its HTTP interface."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from webhelpers import logged_in, login, new_client

from triggermap.store import db, repo

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette prefers httpx2; nothing to act on here
    from fastapi.testclient import TestClient

pytestmark = [pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`"),
              pytest.mark.usefixtures("fast_argon2")]

PW_BOSS = "boss-password-2024"
PW_DR = "doctor-password-2024"
PW_ANA = "ana-contraseña-2024"
NEW_PW = "a brand new password"


@pytest.fixture
def clinic(db_url: str, kb: Any) -> Any:
    """An administrator (a clinician), a second clinician, and a patient assigned to neither."""
    from triggermap.web.app import create_app

    with db.session_scope(db_url) as s:
        boss = repo.create_account(s, "boss", PW_BOSS, "clinician")
        repo.set_admin(s, boss, True)
        dr = repo.create_account(s, "dr.x", PW_DR, "clinician")
        pa = repo.create_person(s, "P-ANA", display_name="Ana")
        ana = repo.create_account(s, "ana", PW_ANA, "patient", person=pa)
        ids = SimpleNamespace(boss=boss.id, dr=dr.id, ana=ana.id, pa=pa.id)
    app = create_app(clinic=True, kb=kb, database_url=db_url)
    return SimpleNamespace(url=db_url, app=app, **vars(ids))


@pytest.fixture
def c(clinic: Any) -> Iterator[TestClient]:
    with new_client(clinic) as tc:
        yield tc


def can_log_in(clinic: Any, username: str, password: str) -> bool:
    with new_client(clinic) as other:
        return login(other, username, password).status_code == 303


def account(clinic: Any, username: str) -> Any:
    with db.session_scope(clinic.url, readonly=True) as s:
        a = repo.get_account(s, username)
        return SimpleNamespace(active=a.is_active, admin=a.is_admin, role=a.role,
                               person=a.person.code if a.person else None, password_hash=a.password_hash)


def audit_actions(clinic: Any) -> list[tuple[str, str]]:
    with db.session_scope(clinic.url, readonly=True) as s:
        return [(a.actor, a.action) for a in reversed(repo.list_audit(s, limit=1000))]  # oldest first


def errors_of(html: str) -> list[str]:
    box = re.search(r'<div class="alert alert-error".*?</div>', html, re.S)
    return re.findall(r'<li><a href="#f-[a-z0-9-]+">([^<]+)</a></li>', box.group(0)) if box else []


def nav_of(html: str) -> str:
    m = re.search(r'<nav class="site-nav".*?</nav>', html, re.S)
    assert m, "no menu"
    return m.group(0)


# --- who may use /accounts ---------------------------------------------------------------


def test_admin_sees_every_account(c, clinic):
    logged_in(c, "boss", PW_BOSS)
    page = c.get("/accounts")
    assert page.status_code == 200
    names = re.findall(r'data-username="([^"]+)"', page.text)
    assert names == ["ana", "boss", "dr.x"]
    assert "P-ANA" in page.text
    assert ("clinician:boss", "list") in audit_actions(clinic)


@pytest.mark.parametrize(("user", "password"), [("dr.x", PW_DR), ("ana", PW_ANA)])
def test_non_admins_get_404_like_a_record_not_theirs(c, clinic, user, password):
    token = logged_in(c, user, password)
    r = c.get("/accounts")
    assert r.status_code == 404
    assert "Page not found" in r.text and "boss" not in r.text
    before = account(clinic, "ana").active
    r = c.post(f"/accounts/{clinic.ana}/active", data={"csrf": token, "active": "0"}, follow_redirects=False)
    assert r.status_code == 404
    r = c.post("/accounts/add", data={"csrf": token, "username": "evil", "role": "clinician",
                                      "password": "long enough password"}, follow_redirects=False)
    assert r.status_code == 404
    assert account(clinic, "ana").active == before
    with db.session_scope(clinic.url, readonly=True) as s, pytest.raises(repo.ValidationError):
        repo.get_account(s, "evil")
    role = "clinician" if user == "dr.x" else "patient"
    assert audit_actions(clinic).count((f"{role}:{user}", "admin-denied")) == 3


def test_logged_out_and_single_user_mode(c, clinic, kb):
    r = c.get("/accounts", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=/accounts")
    assert c.post("/accounts/add", data={}, follow_redirects=False).status_code == 401
    assert c.get("/account/password", follow_redirects=False).status_code == 303
    from triggermap.web.app import create_app

    with TestClient(create_app(kb=kb, database_url=clinic.url), raise_server_exceptions=False) as local:
        assert local.get("/accounts").status_code == 404
        assert local.get("/account/password").status_code == 404


# --- add, disable, enable, new password --------------------------------------------------


def test_admin_adds_a_patient_and_a_clinician(c, clinic):
    token = logged_in(c, "boss", PW_BOSS)
    r = c.post("/accounts/add", data={"csrf": token, "username": "Beto", "role": "patient", "person": "P-BETO",
                                      "name": "Beto B.", "password": "beto password 1"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/accounts?done=added"
    assert "The account was added." in c.get(r.headers["location"]).text
    beto = account(clinic, "beto")
    assert (beto.role, beto.person, beto.active, beto.admin) == ("patient", "P-BETO", True, False)
    assert "beto password 1" not in beto.password_hash
    assert can_log_in(clinic, "beto", "beto password 1")
    r = c.post("/accounts/add", data={"csrf": token, "username": "dr.y", "role": "clinician",
                                      "password": "doctor y password"}, follow_redirects=False)
    assert r.status_code == 303 and account(clinic, "dr.y").role == "clinician"
    assert ("clinician:boss", "create") in audit_actions(clinic)


@pytest.mark.parametrize(("fields", "field", "words"), [
    ({"username": "x", "role": "clinician", "password": "long enough pw"}, "username", "User name"),
    ({"username": "ana", "role": "clinician", "password": "long enough pw"}, "username", "is taken"),
    ({"username": "newdoc", "role": "clinician", "password": "short"}, "password", "10 to 1024"),
    ({"username": "newpat", "role": "patient", "password": "long enough pw"}, "person", "Patient id"),
    ({"username": "newpat", "role": "patient", "person": "P-ANA", "password": "long enough pw"}, "person",
     "already has an account"),
    ({"username": "newdoc", "role": "nurse", "password": "long enough pw"}, "role", "clinician or patient"),
])
def test_bad_new_account_is_422_naming_the_field(c, clinic, fields, field, words):
    token = logged_in(c, "boss", PW_BOSS)
    r = c.post("/accounts/add", data={"csrf": token, **fields}, follow_redirects=False)
    assert r.status_code == 422
    errs = errors_of(r.text)
    assert len(errs) == 1 and words in errs[0], errs
    assert f'href="#f-{field}"' in r.text and f'id="f-{field}"' in r.text
    assert fields["password"] not in r.text  # a password is never echoed back
    with db.session_scope(clinic.url, readonly=True) as s:
        assert [a.username for a in repo.list_accounts(s)] == ["ana", "boss", "dr.x"]
        assert repo.person_codes(s) == ["P-ANA"]  # nothing half-made


def test_forms_need_the_csrf_token(c, clinic):
    logged_in(c, "boss", PW_BOSS)
    for path, data in [("/accounts/add", {"username": "zed", "role": "clinician", "password": "long enough pw"}),
                       (f"/accounts/{clinic.ana}/active", {"active": "0"}),
                       (f"/accounts/{clinic.ana}/password", {"password": "long enough pw"}),
                       ("/accounts/assign", {"clinician": "dr.x", "patient": "P-ANA"})]:
        for token in ({}, {"csrf": "x" * 43}):
            assert c.post(path, data={**data, **token}, follow_redirects=False).status_code == 403, path
    assert account(clinic, "ana").active and can_log_in(clinic, "ana", PW_ANA)
    with db.session_scope(clinic.url, readonly=True) as s:
        assert repo.patients_of(s, repo.get_account(s, "dr.x")) == []


def test_disable_ends_sessions_and_enable_restores(c, clinic):
    token = logged_in(c, "boss", PW_BOSS)
    with new_client(clinic) as ana:
        logged_in(ana, "ana", PW_ANA)
        assert ana.get(f"/diary/{clinic.pa}").status_code == 200
        r = c.post(f"/accounts/{clinic.ana}/active", data={"csrf": token, "active": "0"}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/accounts?done=disabled"
        assert not account(clinic, "ana").active
        r = ana.get(f"/diary/{clinic.pa}", follow_redirects=False)
        assert r.status_code == 303 and "/login" in r.headers["location"]  # its session ended at once
    assert not can_log_in(clinic, "ana", PW_ANA)
    page = c.get("/accounts").text
    card = re.search(rf'<li class="card account is-disabled" id="account-{clinic.ana}".*?</li>', page, re.S)
    assert card and "Enable ana" in card.group(0)
    r = c.post(f"/accounts/{clinic.ana}/active", data={"csrf": token, "active": "1"}, follow_redirects=False)
    assert r.status_code == 303 and account(clinic, "ana").active
    assert can_log_in(clinic, "ana", PW_ANA)
    assert [a for a in audit_actions(clinic) if a[1] in ("disable", "enable")] == [("clinician:boss", "disable"),
                                                                                  ("clinician:boss", "enable")]


def test_admin_cannot_lock_themselves_out(c, clinic):
    token = logged_in(c, "boss", PW_BOSS)
    assert f'action="/accounts/{clinic.boss}/active"' not in c.get("/accounts").text
    r = c.post(f"/accounts/{clinic.boss}/active", data={"csrf": token, "active": "0"}, follow_redirects=False)
    assert r.status_code == 422 and account(clinic, "boss").active
    assert c.post(f"/accounts/{clinic.ana}/active", data={"csrf": token, "active": "maybe"},
                  follow_redirects=False).status_code == 422
    assert c.post("/accounts/99999/active", data={"csrf": token, "active": "0"},
                  follow_redirects=False).status_code == 404


def test_admin_sets_a_new_password(c, clinic):
    token = logged_in(c, "boss", PW_BOSS)
    with new_client(clinic) as ana:
        logged_in(ana, "ana", PW_ANA)
        r = c.post(f"/accounts/{clinic.ana}/password", data={"csrf": token, "password": NEW_PW},
                   follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/accounts?done=password"
        assert ana.get(f"/diary/{clinic.pa}", follow_redirects=False).status_code == 303  # logged out
    assert not can_log_in(clinic, "ana", PW_ANA) and can_log_in(clinic, "ana", NEW_PW)
    r = c.post(f"/accounts/{clinic.ana}/password", data={"csrf": token, "password": "short"},
               follow_redirects=False)
    assert r.status_code == 422
    assert f'href="#f-password-{clinic.ana}"' in r.text and "Password: use 10 to 1024" in errors_of(r.text)[0]
    assert can_log_in(clinic, "ana", NEW_PW)


def test_assign_and_unassign_a_clinician(c, clinic):
    token = logged_in(c, "boss", PW_BOSS)
    with new_client(clinic) as dr:
        logged_in(dr, "dr.x", PW_DR)
        assert dr.get(f"/diary/{clinic.pa}").status_code == 404
        r = c.post("/accounts/assign", data={"csrf": token, "clinician": "DR.X", "patient": "P-ANA"},
                   follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/accounts?done=assigned"
        assert dr.get(f"/diary/{clinic.pa}").status_code == 200
        assert "P-ANA" in dr.get("/patients").text
        card = re.search(rf'id="account-{clinic.ana}".*?</li>', c.get("/accounts").text, re.S).group(0)
        assert "Seen by:" in card and "dr.x" in card
        r = c.post("/accounts/unassign", data={"csrf": token, "clinician": "dr.x", "patient": "P-ANA"},
                   follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/accounts?done=unassigned"
        assert dr.get(f"/diary/{clinic.pa}").status_code == 404
    for data, field in [({"clinician": "ana", "patient": "P-ANA"}, "clinician"),
                        ({"clinician": "dr.x", "patient": "P-NOBODY"}, "patient")]:
        r = c.post("/accounts/assign", data={"csrf": token, **data}, follow_redirects=False)
        assert r.status_code == 422 and f'href="#f-{field}"' in r.text, data
    actions = [a for a in audit_actions(clinic) if a[1] in ("assign", "unassign")]
    assert actions == [("clinician:boss", "assign"), ("clinician:boss", "unassign")]


# --- /account/password -------------------------------------------------------------------


def test_everyone_changes_their_own_password_and_other_sessions_end(c, clinic):
    token = logged_in(c, "ana", PW_ANA)
    page = c.get("/account/password")
    assert page.status_code == 200 and 'autocomplete="current-password"' in page.text
    with new_client(clinic) as phone:
        logged_in(phone, "ana", PW_ANA)
        bad = [({"current": "wrong password!", "password": NEW_PW, "confirm": NEW_PW}, "current"),
               ({"current": PW_ANA, "password": NEW_PW, "confirm": NEW_PW + "x"}, "confirm"),
               ({"current": PW_ANA, "password": "short", "confirm": "short"}, "password")]
        for data, field in bad:
            r = c.post("/account/password", data={"csrf": token, **data}, follow_redirects=False)
            assert r.status_code == 422 and f'href="#f-{field}"' in r.text, field
            assert PW_ANA not in r.text and NEW_PW not in r.text
        assert can_log_in(clinic, "ana", PW_ANA)
        assert c.post("/account/password", data={"current": PW_ANA, "password": NEW_PW, "confirm": NEW_PW},
                      follow_redirects=False).status_code == 403  # no CSRF token
        r = c.post("/account/password", data={"csrf": token, "current": PW_ANA, "password": NEW_PW,
                                              "confirm": NEW_PW}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/account/password?done=1"
        assert "Your password was changed" in c.get(r.headers["location"]).text
        assert c.get(f"/diary/{clinic.pa}").status_code == 200  # this browser stays logged in
        assert phone.get(f"/diary/{clinic.pa}", follow_redirects=False).status_code == 303  # the other not
    assert not can_log_in(clinic, "ana", PW_ANA) and can_log_in(clinic, "ana", NEW_PW)


# --- menus and wording by role -----------------------------------------------------------

RESULT_FORM = {"pain": ["buttock-lower-outer:right", "thigh-lateral:right"]}


def test_clinician_menu_and_pages(c, clinic):
    with db.session_scope(clinic.url) as s:
        repo.assign_patient(s, repo.get_account(s, "dr.x"), repo.get_person(s, "P-ANA"))
    logged_in(c, "dr.x", PW_DR)
    for path in ("/", "/patients", f"/diary/{clinic.pa}", "/muscles"):
        nav = nav_of(c.get(path).text)
        assert 'href="/patients"' in nav and "My patients" in nav, path
        assert "My diary" not in nav and 'href="/accounts"' not in nav, path
    diary = c.get(f"/diary/{clinic.pa}").text
    assert "Take the diary to your clinician" not in diary
    assert "Save to my diary" not in diary
    results = c.post("/results", data=RESULT_FORM)
    assert results.status_code == 200
    assert 'action="/diary/save"' not in results.text and "Save to my diary" not in results.text


def test_patient_and_admin_menus(c, clinic):
    logged_in(c, "ana", PW_ANA)
    nav = nav_of(c.get("/").text)
    assert 'href="/diary"' in nav and "My diary" in nav
    assert "My patients" not in nav and 'href="/accounts"' not in nav
    assert "Take the diary to your clinician" in c.get(f"/diary/{clinic.pa}").text
    assert 'action="/diary/save"' in c.post("/results", data=RESULT_FORM).text  # a patient has a diary
    assert 'href="/account/password"' in c.get("/").text
    with new_client(clinic) as boss:
        logged_in(boss, "boss", PW_BOSS)
        nav = nav_of(boss.get("/").text)
        assert 'href="/accounts"' in nav and "My patients" in nav and "My diary" not in nav
        assert 'aria-current="page"' in nav_of(boss.get("/accounts").text).split('href="/accounts"')[1][:30]
    with new_client(clinic) as anon:
        nav = nav_of(anon.get("/").text)
        assert "My diary" in nav and 'href="/accounts"' not in nav and 'href="/login"' in nav


def _disclaimers(html: str) -> list[str]:
    return re.findall(r"[Ee]ducation and decision support|[Ee]ducación y apoyo a la decisión", html)


def _in_landmark(html: str, needle: str) -> bool:
    i = html.index(needle)
    for tag in ("main", "footer"):
        start, end = html.find(f"<{tag}"), html.find(f"</{tag}>")
        if start != -1 and start < i < end:
            return True
    return False


@pytest.mark.parametrize("lang", ["en", "es"])
def test_disclaimer_once_per_page_inside_a_landmark(c, clinic, lang):
    logged_in(c, "boss", PW_BOSS)
    pages = {
        "home": c.get(f"/?lang={lang}").text,
        "muscles": c.get(f"/muscles?lang={lang}").text,
        "accounts": c.get(f"/accounts?lang={lang}").text,
        "password": c.get(f"/account/password?lang={lang}").text,
        "results": c.post(f"/results?lang={lang}", data=RESULT_FORM).text,
        "emergency": c.post(f"/check?lang={lang}", data={"rf": ["saddle-anesthesia"]}).text,
    }
    for name, html in pages.items():
        found = _disclaimers(html)
        assert len(found) == 1, (name, found)
        assert _in_landmark(html, found[0]), name


def test_accounts_pages_in_spanish(c, clinic):
    logged_in(c, "boss", PW_BOSS)
    page = c.get("/accounts?lang=es").text
    assert '<html lang="es">' in page
    for words in ("Cuentas", "Agregar una cuenta", "Nombre de usuario"):
        assert words in page, words
    assert "Add an account" not in page
    assert "Cambiar mi contraseña" in c.get("/account/password?lang=es").text


# --- one emergency advice ----------------------------------------------------------------


def _main(html: str) -> str:
    return re.search(r"<main.*?</main>", re.sub(r"<script.*?</script>", "", html, flags=re.S), re.S).group(0)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_one_emergency_advice_everywhere(client, lang):
    """The emergency page, an emergency result, the safety step's live alert and the handout all give
    the catalogue's one ``emergency-advice``, once; none of them also says to see a doctor today."""
    from markupsafe import escape

    from triggermap.present.messages import MESSAGES

    advice = str(escape(MESSAGES["emergency-advice"][lang]))
    today = "today" if lang == "en" else "hoy"
    emergency = client.post(f"/check?lang={lang}", data={"rf": ["saddle-anesthesia"]})
    assert emergency.status_code == 200
    main = _main(emergency.text)
    assert main.count(advice) == 1
    assert today not in main.lower()
    result = client.post(f"/results?lang={lang}", data={"rf": ["saddle-anesthesia"], "pain": ["low-back:left"]})
    assert result.status_code == 200 and "triage-emergency" in result.text
    assert _main(result.text).count(advice) == 1
    start = client.get(f"/?lang={lang}").text  # the live alert the script shows on a "yes"
    alert = re.search(r'<div id="alert-emergency".*?</div>', start, re.S)
    assert alert and advice in alert.group(0)
    assert MESSAGES["emergency-advice"]["en"] != MESSAGES["emergency-advice"]["es"]


def test_emergency_reasons_do_not_say_today(kb):
    """A flag or rule whose level is emergency says what its level says: go now, not "see a doctor
    today" (issue 12: acs-exertional-pain-heart-disease-or-diabetes did)."""
    items = [(f.id, f) for f in kb.red_flags.values()] + [(r.id, r) for r in kb.rules]
    emergency = [(iid, it) for iid, it in items if it.level == "emergency"]
    assert "acs-exertional-pain-heart-disease-or-diabetes" in {iid for iid, _ in emergency}
    for iid, it in emergency:
        reason = it.reason
        assert not re.search(r"\btoday\b|\btomorrow\b|within a day", reason.en), iid
        assert not re.search(r"\bhoy\b|\bmañana\b", reason.es), iid
        assert re.search(r"\bnow\b", reason.en) and re.search(r"\bahora\b", reason.es), iid
