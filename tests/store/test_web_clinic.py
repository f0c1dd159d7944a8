"""Clinic mode on the web (``triggermap serve --clinic``), on SQLite and PostgreSQL: log-in, roles,
a clinician sees only their own patients, anonymous users reach no record, CSRF, the log-in rate
limit, passwords never stored or logged in clear, every record access audited."""

from __future__ import annotations

import hashlib
import logging
import re
import warnings
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import select, text, update

from tmhelpers import csrf_of
from triggermap.store import db, repo
from triggermap.store.models import TABLE_ORDER, AuditLog, AuthSession, DiaryEntry

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette prefers httpx2; nothing to act on here
    from fastapi.testclient import TestClient

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")

PW_A = "correct horse battery A"
PW_B = "correct horse battery B"
PW_ANA = "ana-contraseña-2024"
PW_BETO = "beto-password-2024"
SECRET_NOTE = "SECRET-NOTE-OF-BETO"


@pytest.fixture
def clinic(db_url: str, kb: Any) -> Any:
    """Two clinicians, each with one patient (who has an account); beto's diary has an entry."""
    from triggermap.web.app import create_app

    with db.session_scope(db_url) as s:
        pa = repo.create_person(s, "pat-a", display_name="Ana A.")
        pb = repo.create_person(s, "pat-b", display_name="Beto B.")
        a = repo.create_account(s, "dr.a", PW_A, "clinician")
        b = repo.create_account(s, "dr.b", PW_B, "clinician")
        repo.create_account(s, "ana", PW_ANA, "patient", person=pa)
        repo.create_account(s, "beto", PW_BETO, "patient", person=pb)
        repo.assign_patient(s, a, pa)
        repo.assign_patient(s, b, pb)
        repo.add_diary_entry(s, pb, date="2024-04-01", pain=7, note=SECRET_NOTE)
        ids = SimpleNamespace(pa=pa.id, pb=pb.id)
    app = create_app(clinic=True, kb=kb, database_url=db_url)
    return SimpleNamespace(url=db_url, app=app, **vars(ids))


def client(clinic: Any, https: bool = True) -> TestClient:
    return TestClient(clinic.app, base_url="https://testserver" if https else "http://testserver",
                      raise_server_exceptions=False)


@pytest.fixture
def c(clinic: Any) -> Iterator[TestClient]:
    with client(clinic) as tc:
        yield tc


def login(c: TestClient, username: str, password: str, **extra: str) -> Any:
    token = csrf_of(c.get("/login").text)
    return c.post("/login", data={"username": username, "password": password, "csrf": token, **extra},
                  follow_redirects=False)


def logged_in(c: TestClient, username: str, password: str) -> str:
    """Log in; the CSRF token of the session (as its pages show it)."""
    r = login(c, username, password)
    assert r.status_code == 303, r.text
    return csrf_of(c.get(r.headers["location"]).text)


def entries_of(url: str, pid: int) -> list[tuple[str, int]]:
    with db.session_scope(url, readonly=True) as s:
        rows = s.execute(select(DiaryEntry.entry_date, DiaryEntry.pain).where(DiaryEntry.person_id == pid)
                         .order_by(DiaryEntry.entry_date))
        return [(d.isoformat(), p) for d, p in rows]


def audit(url: str) -> list[AuditLog]:
    with db.session_scope(url, readonly=True) as s:
        return list(s.scalars(select(AuditLog).order_by(AuditLog.id)))


def dump(url: str) -> str:
    with db.session_scope(url, readonly=True) as s:
        return "\n".join(str(tuple(r)) for t in TABLE_ORDER for r in s.execute(text(f"SELECT * FROM {t}")))


def record_urls(pid: int) -> list[str]:
    return [f"/diary/{pid}", f"/diary/{pid}/plot.png", f"/diary/{pid}/plot.svg", f"/diary/{pid}/export.csv",
            f"/diary/{pid}/export.fhir.json", f"/diary/{pid}/assessments/1"]


def test_login_sets_a_secure_session_cookie(clinic, c):
    r = login(c, "Dr.A", PW_A)  # user names are case-insensitive
    assert r.status_code == 303 and r.headers["location"] == "/patients"
    cookies = r.headers.get_list("set-cookie")
    session = next(v for v in cookies if v.startswith("tm_session="))
    for flag in ("HttpOnly", "SameSite=Strict", "Secure", "Path=/", "Max-Age=28800"):
        assert flag in session, flag
    token = session.split(";")[0].split("=", 1)[1]
    csrf = next(v for v in cookies if v.startswith("tm_csrf=")).split(";")[0].split("=", 1)[1]
    with db.session_scope(clinic.url, readonly=True) as s:
        row = s.get(AuthSession, hashlib.sha256(token.encode()).hexdigest())
        assert row is not None and row.csrf_token == csrf  # only the token's hash is stored
    assert token not in dump(clinic.url)
    page = c.get("/patients")
    assert page.status_code == 200 and "Ana A." in page.text and "Beto" not in page.text
    assert csrf_of(page.text) == csrf


def test_cookies_are_not_secure_on_plain_http_loopback(clinic):
    with client(clinic, https=False) as c:
        r = login(c, "dr.a", PW_A)
        session = next(v for v in r.headers.get_list("set-cookie") if v.startswith("tm_session="))
        assert "HttpOnly" in session and "SameSite=Strict" in session and "Secure" not in session


def test_clinician_cannot_read_another_clinicians_patient(clinic, c):
    token = logged_in(c, "dr.a", PW_A)
    assert c.get(f"/diary/{clinic.pa}").status_code == 200  # control: their own patient
    for url in record_urls(clinic.pb):
        r = c.get(url)
        assert r.status_code == 404, url
        assert SECRET_NOTE not in r.text and "pat-b" not in r.text and "Beto" not in r.text
    # guessing ids: a forbidden id and a missing id get the very same answer
    forbidden, missing = c.get(f"/diary/{clinic.pb}"), c.get("/diary/999999")
    assert forbidden.status_code == missing.status_code == 404
    assert forbidden.text.replace(f"/diary/{clinic.pb}", "/diary/ID") == missing.text.replace("/diary/999999",
                                                                                            "/diary/ID")
    for pid in [*range(1, 30), "abc", "1 OR 1=1", "-1"]:
        if pid != clinic.pa:
            assert c.get(f"/diary/{pid}").status_code == 404, pid
    # writing to another's patient is refused too, and nothing is written
    r = c.post(f"/diary/{clinic.pb}/entries", data={"csrf": token, "date": "2024-05-01", "pain": "1"})
    assert r.status_code == 404
    r = c.post(f"/diary/{clinic.pb}/entries/2024-04-01/delete", data={"csrf": token})
    assert r.status_code == 404
    assert entries_of(clinic.url, clinic.pb) == [("2024-04-01", 7)]
    # the refusals are in the audit log
    denied = [a for a in audit(clinic.url) if a.action.endswith("-denied") and a.person_id == clinic.pb]
    assert denied and all(a.actor == "clinician:dr.a" for a in denied)
    assert {a.action for a in denied} >= {"read-denied", "update-denied", "export-csv-denied"}


def test_patient_sees_only_their_own_diary(clinic, c):
    r = login(c, "ana", PW_ANA)
    assert r.status_code == 303 and r.headers["location"] == f"/diary/{clinic.pa}"
    token = csrf_of(c.get(r.headers["location"]).text)
    for url in record_urls(clinic.pb):
        assert c.get(url).status_code == 404, url
    assert c.get("/patients", follow_redirects=False).headers["location"] == "/diary"
    r = c.post(f"/diary/{clinic.pa}/entries", data={"csrf": token, "date": "2024-05-01", "pain": "3"},
               follow_redirects=False)
    assert r.status_code == 303
    assert entries_of(clinic.url, clinic.pa) == [("2024-05-01", 3)]
    assert c.get(f"/diary/{clinic.pa}/export.csv").text.count("\n") == 2


def test_anonymous_users_reach_no_record(clinic, c):
    r = c.get("/diary", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/diary"
    for url in (f"/diary/{clinic.pb}", "/patients", f"/diary/{clinic.pb}/assessments/1"):
        r = c.get(url, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login?next="), url
    for url in record_urls(clinic.pb)[1:5]:
        r = c.get(url, follow_redirects=False)
        assert r.status_code == 401, url
    c.cookies.set("tm_session", "forged-" + "x" * 40)
    for url in record_urls(clinic.pb):
        r = c.get(url)
        assert r.status_code in (200, 401), url  # 200 = the log-in page after the redirect
        assert SECRET_NOTE not in r.text and "pat-b" not in r.text
        if r.status_code == 200:
            assert 'action="/login"' in r.text
    token = csrf_of(c.get("/login").text)
    r = c.post(f"/diary/{clinic.pb}/entries", data={"csrf": token, "date": "2024-05-01", "pain": "1"})
    assert r.status_code == 401
    assert entries_of(clinic.url, clinic.pb) == [("2024-04-01", 7)]


def test_posts_without_the_sessions_csrf_token_are_refused(clinic, c):
    token = logged_in(c, "dr.a", PW_A)
    form = {"date": "2024-05-01", "pain": "5"}
    url = f"/diary/{clinic.pa}/entries"
    assert c.post(url, data=form).status_code == 403
    assert c.post(url, data={**form, "csrf": ""}).status_code == 403
    assert c.post(url, data={**form, "csrf": token[:-1] + ("A" if token[-1] != "A" else "B")}).status_code == 403
    # a double-submit pair an attacker could forge is not enough once logged in
    c.cookies.set("tm_csrf", "f" * 43)
    assert c.post(url, data={**form, "csrf": "f" * 43}).status_code == 403
    # nor is another session's token
    with client(clinic) as other:
        other_token = logged_in(other, "dr.b", PW_B)
    assert c.post(url, data={**form, "csrf": other_token}).status_code == 403
    assert c.post(f"{url.rsplit('/', 1)[0]}/entries/2024-04-01/delete", data={}).status_code == 403
    assert c.post("/diary/save", data={"intake": '{"version": 1, "red_flags": ["fever"]}'}).status_code == 403
    assert c.post("/logout", data={}).status_code == 403
    assert entries_of(clinic.url, clinic.pa) == []
    # the right token works (so the refusals above were about the token)
    r = c.post(url, data={**form, "csrf": token}, follow_redirects=False)
    assert r.status_code == 303
    assert entries_of(clinic.url, clinic.pa) == [("2024-05-01", 5)]


def test_login_form_needs_its_csrf_token(clinic, c):
    c.get("/login")
    r = c.post("/login", data={"username": "dr.a", "password": PW_A}, follow_redirects=False)
    assert r.status_code == 403
    assert "tm_session" not in r.headers.get("set-cookie", "")


def test_passwords_are_never_stored_or_logged_in_clear(clinic, c, caplog):
    caplog.set_level(logging.DEBUG)
    engine = db.get_engine(clinic.url)
    engine.echo = True  # log every statement and its parameters
    try:
        assert login(c, "ana", PW_ANA).status_code == 303
        c.cookies.clear()
        assert login(c, "ana", PW_ANA + "-wrong").status_code == 401
        assert login(c, "nobody", PW_BETO).status_code == 401
    finally:
        engine.echo = False
    assert "SELECT" in caplog.text and "ana" in caplog.text  # the statements were logged ...
    blob = dump(clinic.url)
    for pw in (PW_A, PW_B, PW_ANA, PW_BETO, PW_ANA + "-wrong"):
        assert pw not in caplog.text  # ... never a password
        assert pw not in blob
    assert "$argon2id$" in blob
    # a failed log-in is audited with the user name only
    failed = [a for a in audit(clinic.url) if a.action == "login-failed"]
    assert [a.detail for a in failed] == [{"username": "ana"}, {"username": "nobody"}]


def test_wrong_password_keeps_the_user_name_never_the_password(clinic, c):
    r = login(c, "ana", "not the password")
    assert r.status_code == 401
    assert "The user name or the password is wrong." in r.text
    assert 'value="ana"' in r.text and "not the password" not in r.text


def test_login_rate_limit(clinic, c):
    """Issue 13: wrong passwords make this client wait (progressive delays), not a hard lock of the
    account: the owner logs in at once from another client."""
    for _ in range(repo.FREE_FAILURES_PER_CLIENT):
        assert login(c, "dr.a", "wrong password!!").status_code == 401
    r = login(c, "dr.a", PW_A)  # even the right password, from this client, now
    assert r.status_code == 429
    assert 0 < int(r.headers["retry-after"]) <= repo.LOGIN_BASE_DELAY.total_seconds()
    assert "Too many failed log-ins from here" in r.text
    assert "tm_session" not in r.headers.get("set-cookie", "")
    assert audit(clinic.url)[-1].action == "login-blocked"
    # other users are not locked out
    assert login(c, "dr.b", PW_B).status_code == 303
    # and the owner, from another computer, logs in at once
    with TestClient(clinic.app, base_url="https://testserver", client=("10.1.2.3", 50000)) as other:
        assert login(other, "dr.a", PW_A).status_code == 303


def test_logout_ends_the_session(clinic, c):
    token = logged_in(c, "dr.a", PW_A)
    session_cookie = c.cookies.get("tm_session")
    r = c.post("/logout", data={"csrf": token}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert any(v.startswith("tm_session=;") and "Max-Age=0" in v for v in r.headers.get_list("set-cookie"))
    with db.session_scope(clinic.url, readonly=True) as s:
        assert s.scalar(select(AuthSession).where(AuthSession.token_hash == hashlib.sha256(
            session_cookie.encode()).hexdigest())) is None
    c.cookies.set("tm_session", session_cookie)  # a stolen copy of the old cookie is worthless
    assert c.get(f"/diary/{clinic.pa}", follow_redirects=False).status_code == 303


def test_an_expired_session_asks_to_log_in_again(clinic, c):
    logged_in(c, "dr.a", PW_A)
    import datetime as dt

    with db.session_scope(clinic.url) as s:
        s.execute(update(AuthSession).values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)))
    r = c.get(f"/diary/{clinic.pa}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/login?next=/diary/{clinic.pa}"


def test_login_goes_back_only_to_local_pages(clinic, c):
    assert login(c, "dr.a", PW_A, next=f"/diary/{clinic.pa}").headers["location"] == f"/diary/{clinic.pa}"
    for evil in ("//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"):
        c.cookies.clear()
        assert login(c, "dr.a", PW_A, next=evil).headers["location"] == "/patients"


def test_every_read_and_change_is_audited(clinic, c):
    token = logged_in(c, "dr.a", PW_A)
    before = len(audit(clinic.url))
    pid = clinic.pa
    c.get(f"/diary/{pid}")
    c.post(f"/diary/{pid}/entries", data={"csrf": token, "date": "2024-05-01", "pain": "4"})
    c.get(f"/diary/{pid}/plot.png")
    c.get(f"/diary/{pid}/export.csv")
    c.get(f"/diary/{pid}/export.fhir.json")
    c.post(f"/diary/{pid}/entries/2024-05-01/delete", data={"csrf": token})
    rows = [a for a in audit(clinic.url)[before:] if a.person_id == pid]
    assert [(a.action, a.record_type) for a in rows] == [
        ("read", "person"), ("update", "person"), ("create", "diary_entry"), ("read", "person"),
        ("read-plot", "person"), ("export-csv", "person"), ("export-fhir", "person"),
        ("update", "person"), ("delete", "diary_entry"), ("read", "person"),
    ]
    assert {a.actor for a in rows} == {"clinician:dr.a"}
    assert all(a.ip == "testclient" for a in rows)


def test_clinician_adds_an_entry_and_the_patient_sees_it(clinic):
    with client(clinic) as dr:
        token = logged_in(dr, "dr.b", PW_B)
        r = dr.post(f"/diary/{clinic.pb}/entries", data={"csrf": token, "date": "2024-04-02", "pain": "6",
                                                         "region": ["calf:left"]}, follow_redirects=False)
        assert r.status_code == 303
    with client(clinic) as beto:
        logged_in(beto, "beto", PW_BETO)
        page = beto.get(f"/diary/{clinic.pb}").text
        assert SECRET_NOTE in page and "Calf (left)" in page and "My pain diary" in page


def test_a_patient_saves_a_result_a_clinician_has_no_diary_to_save_to(clinic):
    import html

    answers = {"pain": ["calf:left", "heel:left"], "int:calf:left": "6", "int:heel:left": "4"}
    with client(clinic) as ana:
        logged_in(ana, "ana", PW_ANA)
        page = ana.post("/results", data=answers).text
        form = re.search(r'<form method="post" action="/diary/save".*?</form>', page, re.S)
        assert form, "no 'Save to my diary' for a logged-in patient"
        intake = html.unescape(re.search(r'name="intake" value="([^"]+)"', form.group(0)).group(1))
        r = ana.post("/diary/save", data={"intake": intake, "csrf": csrf_of(form.group(0))}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == f"/diary/{clinic.pa}?saved=assessment"
        (aid,) = [a.record_id for a in audit(clinic.url) if a.record_type == "assessment" and a.action == "create"]
        shown = ana.get(f"/diary/{clinic.pa}/assessments/{aid}")
        assert shown.status_code == 200 and "Saved in the diary on" in shown.text
    with client(clinic) as dr:
        token = logged_in(dr, "dr.a", PW_A)
        assert dr.get(f"/diary/{clinic.pa}/assessments/{aid}").status_code == 200  # their patient's
        r = dr.post("/diary/save", data={"intake": intake, "csrf": token})
        assert r.status_code == 403 and "own account has a diary" in r.text
    with client(clinic) as b:
        logged_in(b, "dr.b", PW_B)
        assert b.get(f"/diary/{clinic.pa}/assessments/{aid}").status_code == 404
    with client(clinic) as anon:
        assert 'action="/diary/save"' not in anon.post("/results", data=answers).text
