"""The pain diary in single-user mode (``triggermap serve``): quick add, validation, history, plot,
the body map of how often each area hurt, exports, saving a result, CSRF, loopback only."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import struct
import warnings
from typing import Any

import pytest

from tmhelpers import csrf_of
from triggermap.store import db, repo

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette prefers httpx2; nothing to act on here
    from fastapi.testclient import TestClient

SAMPLE = {
    "version": 1,
    "pain": [
        {"region": "buttock-lower-outer", "side": "right", "intensity": 5},
        {"region": "thigh-lateral", "side": "right", "intensity": 5},
    ],
    "aggravating": ["rising-from-chair", "lying-on-affected-side"],
}


def _client(app: Any) -> Any:
    return TestClient(app, raise_server_exceptions=False)


def open_diary(c: Any, lang: str | None = None) -> tuple[str, str]:
    """The diary page's path and its CSRF token."""
    r = c.get("/diary" + (f"?lang={lang}" if lang else ""), follow_redirects=False)
    assert r.status_code == 303
    path = r.headers["location"].split("?")[0]
    page = c.get(path)
    assert page.status_code == 200
    return path, csrf_of(page.text)


def add(c: Any, path: str, token: str, **fields: Any) -> Any:
    data = {"csrf": token, **fields}
    return c.post(f"{path}/entries", data=data, follow_redirects=False)


def stored(url: str) -> list[dict[str, Any]]:
    with db.session_scope(url, readonly=True) as s:
        try:
            person = repo.get_person(s, "me")
        except repo.NotFound:
            return []
        return [repo.entry_to_dict(e) for e in repo.list_entries(s, person)]


def errors_of(html: str) -> list[str]:
    return re.findall(r'<li><a href="#f-[a-z]+">([^<]+)</a></li>', html)


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    w, h = struct.unpack(">II", data[16:24])
    return int(w), int(h)


def test_diary_belongs_to_the_local_person(c, db_url):
    r = c.get("/diary", follow_redirects=False)
    assert r.status_code == 303 and re.fullmatch(r"/diary/\d+", r.headers["location"])
    page = c.get(r.headers["location"])
    assert page.status_code == 200
    assert "My pain diary" in page.text and "No entries yet" in page.text
    cookie = page.headers["set-cookie"]
    assert cookie.startswith("tm_csrf=") and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert "Secure" not in cookie  # plain-http loopback (see accounts.py)
    assert page.headers["cache-control"] == "no-store"
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert "<script>" not in page.text and " style=" not in page.text
    # the form: today by default, a 0-10 scale, the knowledge base's areas and exercises
    assert f'value="{dt.date.today().isoformat()}"' in page.text
    assert all(f'id="pain-{n}"' in page.text for n in range(11))
    assert 'name="region" value="low-back:left"' in page.text and 'name="region" value="coccyx"' in page.text
    assert 'name="done" value="figure-four-stretch"' in page.text
    with db.session_scope(db_url, readonly=True) as s:
        assert repo.person_codes(s) == ["me"]


def test_three_entries_history_plot_map_and_exports(c, db_url, kb):
    path, token = open_diary(c)
    days = ["2024-05-01", "2024-05-02", "2024-05-04"]
    entries = [
        {"date": days[0], "pain": "6", "region": ["low-back:left", "coccyx"], "done": ["figure-four-stretch"],
         "note": "=SUM(A1) bad day"},
        {"date": days[1], "pain": "4", "region": ["low-back:left"], "done": []},
        {"date": days[2], "pain": "2", "region": [], "note": "better"},
    ]
    for e in entries:
        r = add(c, path, token, **e)
        assert r.status_code == 303, errors_of(r.text)
        assert r.headers["location"] == f"{path}?saved={e['date']}"
    saved = stored(db_url)
    assert [(e["date"], e["pain"]) for e in saved] == [(days[0], 6), (days[1], 4), (days[2], 2)]
    assert saved[0]["regions"] == [{"region": "low-back", "side": "left"}, {"region": "coccyx"}]
    assert saved[0]["done"] == ["figure-four-stretch"]

    page = c.get(f"{path}?saved={days[2]}").text
    assert "Saved: the entry of May 4, 2024." in page
    rows = re.findall(r'<tr data-date="([0-9-]+)">', page)
    assert rows == list(reversed(days))  # newest first
    assert "Figure-4 stretch" in page and "Low back (left)" in page
    # the last entry had no areas: nothing is ticked for the next one
    assert not re.search(r'name="region" value="[^"]+" id="[^"]+" checked', page)

    # plot: a real image, embedded from the page
    m = re.search(r'<img src="(/diary/\d+/plot\.png\?[^"]+)"', page)
    assert m
    img = c.get(m.group(1).replace("&amp;", "&"))
    assert img.status_code == 200 and img.headers["content-type"] == "image/png"
    assert png_size(img.content) == (960, 600)
    svg = c.get(f"{path}/plot.svg")
    assert svg.headers["content-type"].startswith("image/svg+xml") and b"<svg" in svg.content
    assert c.get(f"{path}/plot.gif").status_code == 404

    # the body map: shaded by the share of days each area hurt (low back 2 of 3 days, coccyx 1 of 3)
    assert re.search(r'data-region="low-back" data-side="left"[^>]* data-days="2"><title>[^<]*2 of 3 days', page)
    assert re.search(r'data-region="coccyx"[^>]* data-days="1">', page)
    assert 'role="checkbox"' not in page.split('id="freq-title"')[1]  # a picture, not a form
    assert "<td>2 / 3</td><td>67%</td>" in page

    # CSV: same rows; a note that looks like a formula is defused
    r = c.get(f"{path}/export.csv")
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    assert 'filename="triggermap-diary-me.csv"' in r.headers["content-disposition"]
    rows_csv = list(csv.DictReader(io.StringIO(r.text)))
    assert [(x["date"], x["pain"], x["regions"]) for x in rows_csv] == [
        (days[0], "6", "low-back:left;coccyx"), (days[1], "4", "low-back:left"), (days[2], "2", "")]
    assert rows_csv[0]["note"] == "'=SUM(A1) bad day"

    # FHIR R4: a Bundle with the Patient and one pain Observation per day, valid R4
    from fhir.resources.R4B.bundle import Bundle

    r = c.get(f"{path}/export.fhir.json")
    assert r.headers["content-type"] == "application/fhir+json"
    bundle = r.json()
    Bundle.model_validate(bundle)
    obs = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Observation"]
    assert [(o["effectiveDateTime"], o["valueInteger"]) for o in obs] == [(days[0], 6), (days[1], 4), (days[2], 2)]
    assert obs[0]["code"]["coding"][0]["code"] == "72514-3"


def test_last_entry_areas_are_ticked_for_the_next(c):
    path, token = open_diary(c)
    assert add(c, path, token, date="2024-06-01", pain="5", region=["calf:right", "heel:right"]).status_code == 303
    page = c.get(path).text
    assert re.search(r'value="calf:right" id="r-calf-right" checked', page)
    assert re.search(r'value="heel:right" id="r-heel-right" checked', page)
    assert "2 areas ticked" in page


BAD = [
    ({"date": "2023-02-30"}, "date", "Date: 2023-02-30 does not exist in the calendar."),
    ({"date": "30/01/2024"}, "date", "Date: “30/01/2024” is not a date"),
    ({"date": ""}, "date", "Date: please enter the date"),
    ({"date": "1850-01-01"}, "date", "Date: 1850-01-01 is too long ago"),
    ({"date": (dt.date.today() + dt.timedelta(days=3)).isoformat()}, "date", "is in the future"),
    ({"pain": "11"}, "pain", "Pain: “11” is not allowed"),
    ({"pain": "-1"}, "pain", "Pain: “-1” is not allowed"),
    ({"pain": "3.5"}, "pain", "Pain: “3.5” is not allowed"),
    ({"pain": ""}, "pain", "Pain: choose how much it hurt"),
    ({"region": ["low-bak:left"]}, "regions", "Areas: “low-bak:left” is not an area of the body map."),
    ({"region": ["coccyx:left"]}, "regions", "Areas: “coccyx:left” is not an area"),
    ({"region": ["low-back:middle"]}, "regions", "Areas: “low-back:middle”"),
    ({"done": ["juggling"]}, "done", "Exercises done: “juggling” is not an exercise we know."),
    ({"note": "x" * 4001}, "note", "Note: please keep the note under 4000 characters."),
    ({"note": "a\x00b"}, "note", "Note: the note contains a character"),
]


@pytest.mark.parametrize(("change", "field", "message"), BAD, ids=[f"{b[1]}-{i}" for i, b in enumerate(BAD)])
def test_bad_input_names_the_field_and_writes_nothing(c, db_url, change, field, message):
    path, token = open_diary(c)
    data = {"date": "2024-05-01", "pain": "5", **change}
    r = add(c, path, token, **data)
    assert r.status_code == 422
    errs = errors_of(r.text)
    assert len(errs) == 1 and message in errs[0], errs
    assert f'href="#f-{field}"' in r.text and f'id="f-{field}"' in r.text  # the message links to the field
    assert "Nothing was saved" in r.text
    assert stored(db_url) == []
    # what was typed is kept in the form
    if field == "date" and data["date"]:
        assert f'value="{data["date"]}"' in r.text


def test_all_errors_at_once(c, db_url):
    path, token = open_diary(c)
    r = add(c, path, token, date="2024-13-01", pain="eleven", region=["nowhere"])
    errs = errors_of(r.text)
    assert [e.split(":")[0] for e in errs] == ["Date", "Pain", "Areas"]
    assert stored(db_url) == []


def test_a_date_has_one_entry_unless_replaced(c, db_url):
    path, token = open_diary(c)
    assert add(c, path, token, date="2024-05-01", pain="5").status_code == 303
    r = add(c, path, token, date="2024-05-01", pain="8")
    assert r.status_code == 422
    assert "there is already an entry for 2024-05-01" in errors_of(r.text)[0]
    assert 'name="replace" value="1"' in r.text  # the choice to replace it is offered
    assert [e["pain"] for e in stored(db_url)] == [5]
    r = add(c, path, token, date="2024-05-01", pain="8", replace="1")
    assert r.status_code == 303
    assert [e["pain"] for e in stored(db_url)] == [8]


def test_delete_an_entry(c, db_url):
    path, token = open_diary(c)
    add(c, path, token, date="2024-05-01", pain="5")
    add(c, path, token, date="2024-05-02", pain="6")
    r = c.post(f"{path}/entries/2024-05-01/delete", data={"csrf": token}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"{path}?deleted=2024-05-01"
    assert [e["date"] for e in stored(db_url)] == ["2024-05-02"]
    assert c.post(f"{path}/entries/2024-05-01/delete", data={"csrf": token}).status_code == 404
    assert c.post(f"{path}/entries/not-a-date/delete", data={"csrf": token}).status_code == 404


def test_posts_without_the_csrf_token_are_refused(c, db_url):
    path, token = open_diary(c)
    good = {"date": "2024-05-01", "pain": "5"}
    assert c.post(f"{path}/entries", data=good).status_code == 403  # no token
    assert c.post(f"{path}/entries", data={**good, "csrf": "x" * 43}).status_code == 403  # wrong token
    r = c.post(f"{path}/entries", data={**good, "csrf": token}, headers={"sec-fetch-site": "cross-site"})
    assert r.status_code == 403
    # the cookie alone is not enough, and neither is the token without the cookie
    c.cookies.clear()
    r = c.post(f"{path}/entries", data={**good, "csrf": token})
    assert r.status_code == 403
    assert "nothing was saved" in r.text
    assert stored(db_url) == []
    c.cookies.set("tm_csrf", token)
    assert add(c, path, token, **good).status_code == 303
    assert c.post(f"{path}/entries/2024-05-01/delete", data={}).status_code == 403
    assert len(stored(db_url)) == 1


def test_save_a_result_to_the_diary(c, db_url, kb):
    from triggermap.web.forms import intake_json

    results = c.post("/results", data={"pain": ["buttock-lower-outer:right", "thigh-lateral:right"],
                                       "int:buttock-lower-outer:right": "5", "int:thigh-lateral:right": "5",
                                       "agg": ["rising-from-chair", "lying-on-affected-side"]})
    assert results.status_code == 200
    form = re.search(r'<form method="post" action="/diary/save".*?</form>', results.text, re.S)
    assert form, "no 'Save to my diary' on the results page"
    intake = re.search(r'name="intake" value="([^"]+)"', form.group(0)).group(1)
    import html

    r = c.post("/diary/save", data={"intake": html.unescape(intake), "csrf": csrf_of(form.group(0))},
               follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("?saved=assessment")
    with db.session_scope(db_url, readonly=True) as s:
        person = repo.get_person(s, "me")
        (a,) = repo.list_assessments(s, person)
        plan = repo.current_plan(s, person)
        assert a.kb_version == kb.version and a.result["muscles"][0]["id"] == "gluteus-minimus"
        plan_ids = [i.item_id for i in plan.items]
        aid = a.id
    page = c.get(r.headers["location"]).text
    assert "The result was saved to your diary" in page
    # the plan's exercises are offered first in the quick-add form
    first_done = re.findall(r'name="done" value="([^"]+)"', page)[: len(plan_ids)]
    assert first_done == plan_ids
    path = r.headers["location"].split("?")[0]
    shown = c.get(f"{path}/assessments/{aid}")
    assert shown.status_code == 200
    assert "Saved in the diary on" in shown.text and "Gluteus minimus" in shown.text
    assert 'action="/diary/save"' not in shown.text
    assert c.get(f"{path}/assessments/{aid + 1}").status_code == 404
    assert c.get(f"{path}/assessments/x").status_code == 404
    # a forged intake is assessed again (never trusted), a broken one refused
    bad = c.post("/diary/save", data={"intake": "{\"version\": 1, \"pain\": [{\"region\": \"nope\"}]}",
                                      "csrf": csrf_of(form.group(0))})
    assert bad.status_code == 422
    assert c.post("/diary/save", data={"intake": intake_json(SAMPLE)}).status_code == 403  # no CSRF token


def test_spanish(c):
    path, token = open_diary(c, lang="es")
    page = c.get(path + "?lang=es").text
    for s in ("Mi diario del dolor", "¿Cuánto le dolió?", "Guardar la entrada", "Descargar"):
        assert s in page
    r = add(c, path, token, date="2023-02-30", pain="11")
    errs = errors_of(r.text)
    assert errs == ["Fecha: el 2023-02-30 no existe en el calendario.",
                    "Dolor: «11» no es válido; elija un número entero del 0 (sin dolor) al 10 (el peor imaginable)."]
    text = re.sub(r"<[^>]+>", " ", r.text)
    for english in ("Add an entry", "How much did it hurt?", "Save entry", "Entries", "Download"):
        assert english not in text, english


def test_only_this_computer_sees_the_local_diary(kb, db_url):
    from triggermap.web.app import create_app

    app = create_app(kb=kb, database_url=db_url)  # default: loopback clients only
    with _client(app) as client:
        for url in ("/diary", "/diary/1", "/diary/1/plot.png", "/diary/1/export.csv"):
            r = client.get(url, follow_redirects=False)
            assert r.status_code == 403, url
            assert "only shown there" in r.text
        r = client.post("/diary/1/entries", data={"date": "2024-05-01", "pain": "5"})
        assert r.status_code in (403,)
        # and the results page does not offer to save
        results = client.post("/results", data={"pain": ["calf:left"]})
        assert 'action="/diary/save"' not in results.text
    assert stored(db_url) == []


def test_other_ids_are_not_found(c):
    path, token = open_diary(c)
    for url in ("/diary/999", "/diary/abc", "/diary/999/plot.png", "/diary/999/export.csv",
                "/diary/999/export.fhir.json", "/diary/1%20OR%201=1"):
        assert c.get(url).status_code == 404, url
    assert c.post("/diary/999/entries", data={"csrf": token, "date": "2024-05-01", "pain": "5"}).status_code == 404


def test_clinic_pages_redirect_in_single_user_mode(c):
    assert c.get("/login", follow_redirects=False).headers["location"] == "/diary"
    assert c.get("/patients", follow_redirects=False).headers["location"] == "/diary"


def test_a_saved_result_reads_in_the_readers_language(c, db_url):
    """Saved in Spanish, read in English (and back): the saved language-neutral assessment is shown
    in the reader's language with the scores it had. A result saved before there was one is assessed
    again in the reader's language when that gives the same result; when it would not (the
    knowledge base changed since), or a saved assessment names a text the knowledge base no longer
    has, the result keeps its saved language and says why."""
    from triggermap.web.forms import intake_json

    path, token = open_diary(c, "es")
    r = c.post("/diary/save?lang=es", data={"intake": intake_json(SAMPLE), "csrf": token}, follow_redirects=False)
    assert r.status_code == 303
    with db.session_scope(db_url, readonly=True) as s:
        (a,) = repo.list_assessments(s, repo.get_person(s, "me"))
        aid, saved_reason = a.id, a.result["triage"]["reasons"][0]["text"]
        assert a.lang == "es"
        assert a.neutral is not None and saved_reason not in json.dumps(a.neutral, ensure_ascii=False)
    en = c.get(f"{path}/assessments/{aid}?lang=en").text
    assert '<html lang="en">' in en and "Gluteus minimus" in en and "Glúteo menor" not in en
    assert saved_reason not in en  # the engine's own words too, not only the names
    assert "Saved in the diary on" in en
    assert f'href="{path}/assessments/{aid}?lang=es"' in en  # the language toggle is a link to it
    es = c.get(f"{path}/assessments/{aid}?lang=es").text
    assert '<html lang="es">' in es and "Glúteo menor" in es and saved_reason in es
    assert "Gluteus minimus" in c.get(f"{path}?lang=en").text  # the diary's list of saved results
    # the saved assessment, not the answers assessed again: its muscles are shown even if the
    # same answers would now give another list (here: the first muscle's id is no longer ranked)
    with db.session_scope(db_url) as s:
        (a,) = repo.list_assessments(s, repo.get_person(s, "me"))
        neutral = json.loads(json.dumps(a.neutral))
        neutral["muscles"] = [m for m in neutral["muscles"] if m["id"] == "gluteus-minimus"]
        a.neutral = neutral
    only = c.get(f"{path}/assessments/{aid}?lang=en").text
    assert "Gluteus minimus" in only and "Gluteus medius" not in only
    # a saved assessment naming a text the knowledge base no longer has keeps its saved words
    with db.session_scope(db_url) as s:
        (a,) = repo.list_assessments(s, repo.get_person(s, "me"))
        stale = json.loads(json.dumps(a.neutral))
        stale["reasons"][0]["text"] = {"ref": ["conditions", "no-such-condition", "name"]}
        a.neutral = stale
    kept = c.get(f"{path}/assessments/{aid}?lang=en").text
    assert '<html lang="es">' in kept and saved_reason in kept
    assert "el idioma en que se guardó" in kept
    # saved before there was a neutral assessment: the answers are assessed again when that gives
    # the same result, and the saved words are kept when it would not
    with db.session_scope(db_url) as s:
        (a,) = repo.list_assessments(s, repo.get_person(s, "me"))
        a.neutral = None
    assert "Gluteus minimus" in c.get(f"{path}/assessments/{aid}?lang=en").text
    with db.session_scope(db_url) as s:
        (a,) = repo.list_assessments(s, repo.get_person(s, "me"))
        changed = json.loads(json.dumps(a.result))
        changed["muscles"][0]["score"] = round(changed["muscles"][0]["score"] / 2, 4)
        a.result = changed
    kept = c.get(f"{path}/assessments/{aid}?lang=en").text
    assert '<html lang="es">' in kept and saved_reason in kept
    assert "el idioma en que se guardó" in kept


