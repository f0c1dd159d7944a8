"""Bad input an adversarial run sent to ``triggermap serve`` and ``serve --clinic`` is refused
cleanly, never with a 500, and nothing is stored: hidden intakes that are not intakes (422 naming
the field), ids too big for the database (404), form bodies that are not UTF-8 or hold control
characters (422 naming the field), bodies that are not forms (415); HEAD wherever GET."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from webhelpers import logged_in, new_client

from tmhelpers import csrf_of
from triggermap.store import db, repo
from triggermap.store.models import Person

pytestmark = pytest.mark.usefixtures("fast_argon2")

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette prefers httpx2; nothing to act on here
    from fastapi.testclient import TestClient

HUGE = "99999999999999999999999"
BEYOND = str(2**63)  # the first id no 64-bit INTEGER holds
LAST = str(2**63 - 1)  # the largest one: a plain "no such id"
FORM = {"content-type": "application/x-www-form-urlencoded"}
PW_BOSS = "boss-password-2024"
PW_ANA = "ana-contraseña-2024"
DRAWING = {"version": 1, "pain": [{"region": "calf", "side": "left", "intensity": 5}]}


def main_text(html: str) -> str:
    return html.split('id="main"', 1)[1][:600]


# --- hidden intakes ------------------------------------------------------------------------


@pytest.mark.parametrize(("intake", "field"), [
    ({"qualities": 5, **DRAWING}, "intake.qualities"),
    ({"pain": 5}, "intake.pain"),
    ({"red_flags": True}, "intake.red_flags"),
    ({**DRAWING, "history": [["x"]]}, "intake.history[0]"),
    ({**DRAWING, "absent": 5}, "intake.absent"),
    ({"qualities": ["x"]}, "intake.pain"),  # no marks at all: a results page never carries that
])
def test_edit_refuses_a_hidden_intake_that_is_not_one(client, intake, field):
    r = client.post("/edit", data={"intake": json.dumps(intake)})
    assert r.status_code == 422
    assert f"{field}:" in main_text(r.text)


def test_edit_still_fills_the_form_and_skips_a_missing_intake(client):
    r = client.post("/edit", data={"intake": json.dumps({**DRAWING, "qualities": ["burning"]})})
    assert r.status_code == 200 and 'value="calf:left"' in r.text
    assert client.post("/edit", data={"intake": "not json"}, follow_redirects=False).status_code == 303


@pytest.fixture
def clinic(db_url: str, kb: Any) -> Any:
    """An administrator clinician with one patient (who has an account and a drawing in her diary)."""
    from triggermap.web.app import create_app

    with db.session_scope(db_url) as s:
        boss = repo.create_account(s, "boss", PW_BOSS, "clinician")
        repo.set_admin(s, boss, True)
        pa = repo.create_person(s, "P-ANA", display_name="Ana")
        ana = repo.create_account(s, "ana", PW_ANA, "patient", person=pa)
        repo.assign_patient(s, boss, pa)
        repo.add_diary_entry(s, pa, date="2024-04-01", pain=6, regions=[("calf", "left")])
        ids = SimpleNamespace(boss=boss.id, pa=pa.id, ana=ana.id)
    app = create_app(clinic=True, kb=kb, database_url=db_url)
    return SimpleNamespace(url=db_url, app=app, **vars(ids))


@pytest.fixture
def cc(clinic: Any) -> Iterator[TestClient]:
    with new_client(clinic) as tc:
        yield tc


def counts(url: str) -> tuple[int, int]:
    """(examinations, accounts) in the database."""
    from sqlalchemy import func, select

    from triggermap.store.models import Account, Examination

    with db.session_scope(url, readonly=True) as s:
        return s.scalar(select(func.count()).select_from(Examination)) or 0, \
            s.scalar(select(func.count()).select_from(Account)) or 0


@pytest.mark.parametrize(("route", "name", "doc", "field"), [
    ("exam", "base", {"absent": 5}, "base.absent"),
    ("exam", "base", {"absent": [1]}, "base.absent"),
    ("exam", "base", {"version": 1, "pain": 5}, "base.pain"),
    ("exam", "base", {"findings": [["x"]]}, "base.findings[0]"),
    ("exam/edit", "intake", {"findings": 5}, "intake.findings"),
    ("exam/edit", "intake", {"palpation": [1]}, "intake.palpation[0]"),
    ("exam/edit", "intake", {"absent": {"findings": 3}}, "intake.absent.findings"),
    ("exam/edit", "intake", {**DRAWING, "findings": [["x"]]}, "intake.findings[0]"),
])
def test_examination_refuses_a_hidden_intake_that_is_not_one(cc, clinic, route, name, doc, field):
    token = logged_in(cc, "boss", PW_BOSS)
    r = cc.post(f"/patients/{clinic.pa}/{route}", data={"csrf": token, name: json.dumps(doc)})
    assert r.status_code == 422
    assert f"{field}:" in main_text(r.text)
    assert counts(clinic.url)[0] == 0


def test_examination_of_a_person_with_no_drawing_still_opens(cc, clinic):
    token = logged_in(cc, "boss", PW_BOSS)
    r = cc.post(f"/patients/{clinic.pa}/exam/edit", data={"csrf": token, "intake": json.dumps({"version": 1})})
    assert r.status_code == 200
    r = cc.post(f"/patients/{clinic.pa}/exam", data={"csrf": token, "base": json.dumps(DRAWING),
                                                       "p0-muscle": "gastrocnemius", "p0-side": "left",
                                                       "p0-result": "reproduces"})
    assert r.status_code == 200


# --- ids too big for the database ----------------------------------------------------------


GETS = ["/patients/{pid}", "/patients/{pid}/exam", "/patients/{pid}/summary.pdf", "/diary/{pid}", "/diary/{pid}/plot.png",
        "/diary/{pid}/plot.svg", "/diary/{pid}/export.csv", "/diary/{pid}/export.fhir.json"]
POSTS = ["/patients/{pid}/exam", "/patients/{pid}/exam/edit", "/patients/{pid}/examinations", "/diary/{pid}/entries",
         "/diary/{pid}/entries/2024-04-01/delete", "/accounts/{pid}/active", "/accounts/{pid}/password"]


@pytest.mark.parametrize("pid", [HUGE, BEYOND])
@pytest.mark.parametrize("url", [*(("GET", u) for u in GETS), *(("POST", u) for u in POSTS)], ids=" ".join)
def test_ids_too_big_for_the_database_are_not_found(cc, clinic, url, pid):
    token = logged_in(cc, "boss", PW_BOSS)
    method, path = url
    path = path.format(pid=pid, pa=clinic.pa)
    if method == "GET":
        r = cc.get(path)
    else:
        r = cc.post(path, data={"csrf": token, "intake": json.dumps(DRAWING), "base": json.dumps(DRAWING),
                                "date": "2024-04-02", "pain": "3", "active": "0", "password": "a brand new password"})
    assert r.status_code == 404, r.text[:300]
    assert counts(clinic.url) == (0, 2)
    with db.session_scope(clinic.url, readonly=True) as s:
        assert [e.pain for e in repo.list_entries(s, s.get(Person, clinic.pa))] == [6]  # nothing changed


def test_a_url_that_names_no_id_is_audited_as_such(cc, clinic):
    logged_in(cc, "boss", PW_BOSS)
    for pid in (HUGE, "abc", LAST):
        assert cc.get(f"/patients/{pid}").status_code == 404
    with db.session_scope(clinic.url, readonly=True) as s:
        denied = [(a.record_id, a.detail) for a in repo.list_audit(s, limit=1000) if a.action == "read-timeline-denied"]
    assert sorted(denied) == [(LAST, {"why": "not found"}),  # the largest id is looked up
                              (f"not an id: {HUGE}", {"why": "not an id"}), ("not an id: abc", {"why": "not an id"})]


# --- form bodies that are not UTF-8 text, or hold control characters ------------------------


def diary_of(c: Any) -> tuple[str, str]:
    path = c.get("/diary", follow_redirects=False).headers["location"].split("?")[0]
    return path, csrf_of(c.get(path).text)


def notes(url: str) -> list[Any]:
    with db.session_scope(url, readonly=True) as s:
        return [e.note for e in repo.list_entries(s, repo.get_person(s, "me"))]


@pytest.mark.parametrize(("field", "value", "shown"), [
    ("note", "%FF%FE", "note: is not valid UTF-8"),
    ("note", "a%1B%5B2J", "Note: the note contains a character"),  # the diary form's own message (tests/web/test_diary.py)
    ("note", "%C2%85", "Note: the note contains a character"),
    ("region", "calf%3Aleft%00", "region: must not hold control characters"),
    ("%FFx", "1", "(field name): is not valid UTF-8"),
    ("x%07", "1", "(field name): must not hold control characters"),
])
def test_diary_entry_that_is_not_text_is_refused(c, db_url, field, value, shown):
    path, token = diary_of(c)
    body = f"csrf={token}&date=2024-05-01&pain=5&{field}={value}".encode()
    r = c.post(f"{path}/entries", content=body, headers=FORM)
    assert r.status_code == 422
    assert shown in r.text
    assert notes(db_url) == []


def test_diary_note_keeps_its_line_breaks(c, db_url):
    path, token = diary_of(c)
    r = c.post(f"{path}/entries", data={"csrf": token, "date": "2024-05-01", "pain": "5", "note": "one\r\ntwo\tthree"},
               follow_redirects=False)
    assert r.status_code == 303
    assert notes(db_url) == ["one\ntwo\tthree"]  # line breaks kept (as \n)


def test_password_that_is_not_utf8_is_never_accepted(cc, clinic):
    token = logged_in(cc, "boss", PW_BOSS)
    r = cc.post("/accounts/add", content=f"csrf={token}&username=newbie&role=clinician&password=%ff%fe%fdabcdefghijkl"
                .encode(), headers=FORM)
    assert r.status_code == 422 and "password:" in main_text(r.text)
    r = cc.post("/account/password", content=f"csrf={token}&current={PW_BOSS}&password=%ffabcdefghijklmn"
                "&confirm=%ffabcdefghijklmn".encode(), headers=FORM)
    assert r.status_code == 422 and "password:" in main_text(r.text)
    r = cc.post(f"/accounts/{clinic.ana}/password", content=f"csrf={token}&password=%ffabcdefghijklmn".encode(),
                headers=FORM)
    assert r.status_code == 422 and "password:" in main_text(r.text)
    assert counts(clinic.url) == (0, 2)
    with new_client(clinic) as other:  # the passwords did not change
        logged_in(other, "boss", PW_BOSS)
        logged_in(other, "ana", PW_ANA)


@pytest.mark.parametrize("name", ["%00%1b", "Ana%07", "Ana%0AB", "Ana%09B"])
def test_display_name_with_control_characters_is_refused(cc, clinic, name):
    token = logged_in(cc, "boss", PW_BOSS)
    r = cc.post("/accounts/add", content=f"csrf={token}&username=newbie&role=patient&person=P-NEW&name={name}"
                "&password=a+long+enough+password".encode(), headers=FORM)
    assert r.status_code == 422
    assert "name" in main_text(r.text).lower()
    assert counts(clinic.url) == (0, 2)
    with db.session_scope(clinic.url, readonly=True) as s:
        assert "P-NEW" not in repo.person_codes(s)


def test_multipart_forms_are_read_strictly_too(client):
    r = client.post("/check", files={"mostly": (None, "lower")}, follow_redirects=False)
    assert r.status_code == 303
    r = client.post("/edit", files={"intake": (None, b"\xff\xfe")})
    assert r.status_code == 422 and "intake:" in main_text(r.text)


# --- bodies that are not forms -------------------------------------------------------------


@pytest.mark.parametrize("route", ["/", "/check", "/results", "/draft", "/view", "/edit", "/handout.pdf"])
@pytest.mark.parametrize("ctype", ["text/plain", "application/json", "application/xml"])
def test_page_forms_refuse_bodies_that_are_not_forms(client, route, ctype):
    r = client.post(route, content=b"rf=x&pain=calf%3Aleft", headers={"content-type": ctype})
    assert r.status_code == 415
    assert r.headers["content-type"].startswith("text/html")
    assert ctype in main_text(r.text)


def test_record_forms_refuse_bodies_that_are_not_forms(c, db_url):
    path, token = diary_of(c)
    r = c.post(f"{path}/entries", content=json.dumps({"csrf": token, "date": "2024-05-01", "pain": 5}).encode(),
               headers={"content-type": "application/json"})
    assert r.status_code == 415
    assert notes(db_url) == []
    r = c.post(f"{path}/entries", content=b"csrf=x", headers={})  # a body that does not say what it is
    assert r.status_code == 415


def test_an_empty_post_is_still_an_empty_form(client):
    assert client.post("/check", follow_redirects=False).status_code == 303


# --- HEAD ----------------------------------------------------------------------------------


def test_head_wherever_get(client):
    for url in ("/", "/api/v1/vocab", "/muscles", "/healthz"):
        r = client.head(url)
        assert r.status_code == 200, url
        assert r.content == b""
    assert client.head("/edit").status_code == 405
    doc = client.get("/openapi.json").json()
    assert not [p for p, item in doc["paths"].items() if "head" in item]
