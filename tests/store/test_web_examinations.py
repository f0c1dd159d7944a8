"""The clinician's workflow in clinic mode (issue 12), on a real uvicorn server over SQLite and
PostgreSQL: the examination form starts from the patient's latest drawing and shows each test's
published accuracy; the result is re-ranked with the clinician's next questions; it is saved to
the patient's record (language-neutral, so it reads in the reader's language); the timeline and
the one-page summary PDF; and access: only an assigned clinician, everyone else 404, CSRF."""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import json
import re
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from triggermap.store import db, repo
from triggermap.store.models import AuditLog, Examination

sys.path.insert(0, str(Path(__file__).parents[1] / "web"))
from test_handout import pdf_pages  # noqa: E402  (the handout tests' page counter)

PW = "correct horse battery staple"
BUTTOCK = {"version": 1, "aggravating": ["sitting"], "pain": [
    {"region": "buttock-lower-outer", "side": "right", "intensity": 6},
    {"region": "buttock-upper-outer", "side": "right", "intensity": 5},
    {"region": "gluteal-fold", "side": "right", "intensity": 4}]}


@contextlib.contextmanager
def serve(app: Any) -> Iterator[str]:
    import socket

    import uvicorn

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def clinic(db_url: str, kb: Any) -> Iterator[Any]:
    """dr.a looks after Ana (a diary entry and a saved drawing); dr.b after Beto; Ana has an account."""
    from triggermap.present import localise
    from triggermap.web.api import assess_neutral
    from triggermap.web.app import create_app

    with db.session_scope(db_url) as s:
        pa = repo.create_person(s, "pat-a", display_name="Ana A.")
        pb = repo.create_person(s, "pat-b", display_name="Beto B.")
        a = repo.create_account(s, "dr.a", PW, "clinician")
        b = repo.create_account(s, "dr.b", PW, "clinician")
        repo.create_account(s, "ana", PW, "patient", person=pa)
        repo.assign_patient(s, a, pa)
        repo.assign_patient(s, b, pb)
        repo.add_diary_entry(s, pa, date="2024-03-01", pain=7, regions=["low-back:left"])
        n = assess_neutral(BUTTOCK, kb)
        saved = repo.save_assessment(s, pa, intake=BUTTOCK, result=localise(n, "en", kb), kb_version=str(kb.version),
                                     neutral=n.to_json())
        ids = SimpleNamespace(pa=pa.id, pb=pb.id, assessment=saved.id)
    app = create_app(clinic=True, kb=kb, database_url=db_url)
    with serve(app) as base:
        yield SimpleNamespace(url=db_url, base=base, kb=kb, **vars(ids))


def csrf_of(text: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', text)
    assert m, "no CSRF field"
    return m.group(1)


def hidden(text: str, name: str) -> str:
    m = re.search(rf'name="{name}" value="([^"]*)"', text)
    assert m, f"no hidden field {name}"
    return html.unescape(m.group(1))


@contextlib.contextmanager
def session(clinic: Any, username: str | None) -> Iterator[httpx.Client]:
    """An HTTP client of the real server, logged in as ``username`` (None: anonymous)."""
    with httpx.Client(base_url=clinic.base, follow_redirects=False, timeout=60) as c:
        if username:
            token = csrf_of(c.get("/login").text)
            r = c.post("/login", data={"username": username, "password": PW, "csrf": token})
            assert r.status_code == 303, r.text
        yield c


def exam_post(c: httpx.Client, pid: int, **fields: str) -> httpx.Response:
    page = c.get(f"/patients/{pid}/exam")
    assert page.status_code == 200, page.text[:300]
    return c.post(f"/patients/{pid}/exam", data={"csrf": csrf_of(page.text), "base": hidden(page.text, "base"), **fields})


def muscle_order(text: str) -> list[str]:
    table = re.search(r'<table class="data exam-muscles">(.*?)</table>', text, re.S)
    assert table, "no muscle table"
    return [re.sub(r"\s+", " ", html.unescape(m)).strip()
            for m in re.findall(r'<th scope="row">([^<]*)', table.group(1))]


def label(kb: Any, muscle: dict[str, Any], lang: str) -> str:
    from triggermap.web.i18n import translations
    from triggermap.web.present import side_text

    return f"{kb.muscles[muscle['id']].names.of(lang)} ({side_text(muscle['side'], translations(lang).gettext)})"


def test_form_starts_from_the_latest_drawing_and_shows_published_accuracy(clinic):
    with session(clinic, "dr.a") as c:
        r = c.get(f"/patients/{clinic.pa}/exam")
        assert r.status_code == 200
        assert hidden(r.text, "base") and '"buttock-lower-outer"' in hidden(r.text, "base")  # the saved drawing
        # every test with a published sensitivity and specificity shows them
        shown = 0
        for cond in clinic.kb.conditions.values():
            for f in cond.features:
                if f.kind == "finding" and f.sensitivity is not None and f.specificity is not None:
                    text = (f"Sensitivity {round(100 * f.sensitivity)}%, specificity "
                            f"{round(100 * f.specificity)}%, LR+ {f.lr:g} for {cond.name.en}")
                    assert text in html.unescape(r.text), text
                    shown += 1
        assert shown > 0
        for fid in clinic.kb.vocab["findings"]:
            assert f'name="f-{fid}" value="no"' in r.text  # each test can be answered "asked, no"
        # the top muscle of the drawing is the first palpation row
        from triggermap.web.api import assess_document

        top = assess_document(BUTTOCK, clinic.kb, "en")["muscles"][0]
        row = re.search(r'<select name="p0-muscle".*?</select>', r.text, re.S).group(0)
        assert f'value="{top["id"]}" selected' in row

    # a newer diary entry with painful areas is now the latest drawing
    with db.session_scope(clinic.url) as s:
        person = s.get(repo.Person, clinic.pa)
        repo.add_diary_entry(s, person, date=dt.date.today() + repo.MAX_FUTURE, pain=4, regions=["coccyx"], vocab=None)
    with session(clinic, "dr.a") as c:
        base = hidden(c.get(f"/patients/{clinic.pa}/exam").text, "base")
        assert '"coccyx"' in base and "buttock-lower-outer" not in base


def test_exam_reranks_with_clinician_questions_and_saves_to_the_record(clinic):
    from triggermap.web.api import assess_document

    kb = clinic.kb
    before = assess_document(BUTTOCK, kb, "en")["muscles"]
    second = before[1]
    with session(clinic, "dr.a") as c:
        r = exam_post(c, clinic.pa, **{"p0-muscle": second["id"], "p0-side": second["side"], "p0-result": "reproduces",
                                       "p0-taut": "1", "p1-muscle": "", "p1-result": "",
                                       "f-si-provocation-positive": "no"})
        assert r.status_code == 200, r.text[:500]
        doc = {**BUTTOCK, "absent": {"findings": ["si-provocation-positive"]},
               "palpation": [{"muscle": second["id"], "side": second["side"], "tender": True, "reproduces": True,
                              "taut_band": True}]}
        want = assess_document(doc, kb, "en", who="clinician")
        assert muscle_order(r.text)[:5] == [label(kb, m, "en") for m in want["muscles"][:5]]
        # a palpated muscle that reproduces the familiar pain is strong evidence (contract 1.1)
        assert muscle_order(r.text)[0] == label(kb, second, "en")
        page = html.unescape(r.text)
        for q in want["next_questions"]:
            assert q["text"] in page
        assert all(q["who"] == "clinician" or q["field"] == "red_flags" for q in want["next_questions"])
        assert "Save to my diary" not in r.text and "Your answer" not in r.text  # clinician wording

        with db.session_scope(clinic.url, readonly=True) as s:
            assert s.scalars(select(Examination)).all() == []  # nothing saved before Save
        saved = c.post(f"/patients/{clinic.pa}/examinations",
                       data={"csrf": csrf_of(r.text), "intake": hidden(r.text, "intake")})
        assert saved.status_code == 303
        loc = saved.headers["location"]
        assert re.match(rf"/patients/{clinic.pa}/examinations/\d+", loc)
    with db.session_scope(clinic.url, readonly=True) as s:
        (e,) = s.scalars(select(Examination)).all()
        assert (e.person_id, e.clinician_name, e.lang) == (clinic.pa, "dr.a", "en")
        assert e.neutral is not None and e.intake["palpation"][0]["muscle"] == second["id"]
        assert e.result["muscles"][0]["id"] == second["id"]
        audit = s.scalars(select(AuditLog).where(AuditLog.record_type == "examination")).all()
        assert [(a.actor, a.action, a.person_id) for a in audit] == [("clinician:dr.a", "create", clinic.pa)]

    # shown in the reader's language from the language-neutral assessment
    with session(clinic, "dr.a") as c:
        es = c.get(loc.split("?")[0] + "?lang=es")
        assert es.status_code == 200 and '<html lang="es">' in es.text
        names = muscle_order(es.text)
        assert names[0] == label(kb, second, "es")
        assert kb.muscles[second["id"]].names.es != kb.muscles[second["id"]].names.en
        assert "Guardado en el expediente del paciente" in es.text


def test_bad_examination_answers_name_the_field(clinic):
    kb = clinic.kb
    paired = next(m for m, v in kb.muscles.items() if not v.midline)
    with session(clinic, "dr.a") as c:
        r = exam_post(c, clinic.pa, **{"p2-muscle": paired, "p2-side": "", "p2-result": "tender"})
        assert r.status_code == 422
        assert "Palpation row 3: choose the side" in html.unescape(r.text)
        assert f'value="{paired}" selected' in r.text  # the form keeps what was entered
        r = exam_post(c, clinic.pa, **{"f-faber-positive": "maybe"})
        assert r.status_code == 422 and "choose positive, negative or not tested" in r.text
        page = c.get(f"/patients/{clinic.pa}/exam")
        r = c.post(f"/patients/{clinic.pa}/exam", data={
            "csrf": csrf_of(page.text), "base": '{"version": 1, "pain": [{"region": "elbow-nowhere", "intensity": 3}]}'})
        assert r.status_code == 422 and "pain[0].region" in r.text and "Traceback" not in r.text
        bad = c.post(f"/patients/{clinic.pa}/examinations", data={"csrf": csrf_of(page.text), "intake": "[1"})
        assert bad.status_code == 422
    with db.session_scope(clinic.url, readonly=True) as s:
        assert s.scalars(select(Examination)).all() == []


def test_only_the_assigned_clinician_reaches_these_pages(clinic):
    pages = [f"/patients/{clinic.pa}", f"/patients/{clinic.pa}/exam", f"/patients/{clinic.pa}/summary.pdf"]
    with session(clinic, "dr.a") as c:
        r = exam_post(c, clinic.pa)
        intake = hidden(r.text, "intake")
        c.post(f"/patients/{clinic.pa}/examinations", data={"csrf": csrf_of(r.text), "intake": intake})
    with db.session_scope(clinic.url, readonly=True) as s:
        eid = s.scalars(select(Examination.id)).one()
    pages.append(f"/patients/{clinic.pa}/examinations/{eid}")
    for who in ("dr.b", "ana"):
        with session(clinic, who) as c:
            for url in pages:
                assert c.get(url).status_code == 404, (who, url)
            token = csrf_of(c.get("/muscles").text)  # the session token (the log-out form)
            r = c.post(f"/patients/{clinic.pa}/exam", data={"csrf": token, "base": "{}"})
            assert r.status_code == 404, who
            r = c.post(f"/patients/{clinic.pa}/examinations", data={"csrf": token, "intake": intake})
            assert r.status_code == 404, who
        # dr.b's own patient is reachable, so the 404 above is about the assignment
    with session(clinic, "dr.b") as c:
        assert c.get(f"/patients/{clinic.pb}/exam").status_code == 200
        assert c.get(f"/patients/{clinic.pb}/examinations/{eid}").status_code == 404  # Ana's, not Beto's
        assert c.get(f"/patients/{clinic.pb + 1000}").status_code == 404
    with session(clinic, None) as c:
        r = c.get(pages[1])
        assert r.status_code == 303 and r.headers["location"].startswith("/login")
        assert c.post(f"/patients/{clinic.pa}/examinations", data={"intake": intake}).status_code == 401
    with db.session_scope(clinic.url, readonly=True) as s:
        denied = s.scalars(select(AuditLog).where(AuditLog.actor == "clinician:dr.b", AuditLog.action.like("%-denied"))).all()
        assert denied and all(a.person_id == clinic.pa for a in denied if a.record_id == str(clinic.pa))
        assert s.scalars(select(Examination)).all() != [] and len(s.scalars(select(Examination)).all()) == 1


def test_forms_need_the_session_csrf_token(clinic):
    with session(clinic, "dr.a") as c:
        r = exam_post(c, clinic.pa)
        intake = hidden(r.text, "intake")
        assert c.post(f"/patients/{clinic.pa}/examinations", data={"intake": intake}).status_code == 403
        assert c.post(f"/patients/{clinic.pa}/examinations",
                      data={"intake": intake, "csrf": "x" * 43}).status_code == 403
        page = c.get(f"/patients/{clinic.pa}/exam")
        assert c.post(f"/patients/{clinic.pa}/exam", data={"base": hidden(page.text, "base")}).status_code == 403
    with db.session_scope(clinic.url, readonly=True) as s:
        assert s.scalars(select(Examination)).all() == []


def test_timeline_and_one_page_summary(clinic):
    kb = clinic.kb
    with db.session_scope(clinic.url) as s:
        person = s.get(repo.Person, clinic.pa)
        plan = repo.current_plan(s, person)
        assert plan is not None and plan.items
        item = plan.items[0].item_id
        last = dt.date.today() + repo.MAX_FUTURE  # the latest date the diary takes
        for day in range(1, 29):  # four weeks of diary entries, the newest after today's examinations
            repo.add_diary_entry(s, person, date=last - dt.timedelta(days=28 - day), pain=1 + day % 9,
                                 regions=["buttock-lower-outer:right", "gluteal-fold:right"],
                                 done=[item] if day % 2 else [])
    with session(clinic, "dr.a") as c:
        for i in range(3):
            r = exam_post(c, clinic.pa, **{"f-piriformis-provocation-positive": "yes" if i else "no"})
            c.post(f"/patients/{clinic.pa}/examinations", data={"csrf": csrf_of(r.text), "intake": hidden(r.text, "intake")})
        t = c.get(f"/patients/{clinic.pa}")
        assert t.status_code == 200
        page = html.unescape(t.text)
        rows = re.findall(r'<tr class="ev-(\w+)">', t.text)
        assert rows.count("diary") == 29 and rows.count("exam") == 3 and rows.count("drawing") == 1
        assert rows[0] == "diary"  # newest first: tomorrow's entry comes before today's examinations
        assert f"/diary/{clinic.pa}/assessments/{clinic.assessment}" in t.text
        assert "1 of 1 plan items" in page or f"1 of {len(plan.items)} plan items" in page
        assert f'src="/diary/{clinic.pa}/plot.svg' in t.text
        assert c.get(f"/diary/{clinic.pa}/plot.svg").status_code == 200
        for lang, title in (("en", b"Clinician summary: Ana A."), ("es", b"Resumen para el profesional: Ana A.")):
            pdf = c.get(f"/patients/{clinic.pa}/summary.pdf?lang={lang}")
            assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
            assert pdf_pages(pdf.content) == 1, lang
            assert f"summary-pat-a-{lang}.pdf" in pdf.headers["content-disposition"]
            text = pdf_text(pdf.content)
            assert f"/Lang ({lang})".encode() in text and b"(" + title in text  # the outline: the h1
        es = html.unescape(c.get(f"/patients/{clinic.pa}?lang=es").text)
        assert "Cronología de Ana A." in es and "Exploración" in es and "Diario" in es
        top = kb.muscles[second_top(clinic)].names
        assert top.es in es and (top.es == top.en or top.en not in es)


def second_top(clinic: Any) -> str:
    """The top muscle of the saved examinations (the drawing, piriformis provocation positive)."""
    from triggermap.web.api import assess_document

    doc = {**BUTTOCK, "findings": ["piriformis-provocation-positive"]}
    return str(assess_document(doc, clinic.kb, "en", who="clinician")["muscles"][0]["id"])


def pdf_text(data: bytes) -> bytes:
    """The PDF with its compressed streams inflated (to find the outline's titles and /Lang)."""
    import zlib

    chunks = [data]
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        with contextlib.suppress(zlib.error):
            chunks.append(zlib.decompress(m.group(1)))
    return b"\n".join(chunks)


def test_single_user_mode_has_no_clinician_pages(db_url, kb):
    """Without clinic mode there are no clinicians: the pages answer 404 (the diary still works)."""
    from triggermap.web.app import create_app

    with db.session_scope(db_url) as s:
        person = repo.create_person(s, "someone")
        pid = person.id
    app = create_app(kb=kb, database_url=db_url)
    assert app.state.clinic is False
    with serve(app) as base, httpx.Client(base_url=base, follow_redirects=False) as c:
        for url in (f"/patients/{pid}", f"/patients/{pid}/exam", f"/patients/{pid}/summary.pdf", "/patients/1/exam"):
            assert c.get(url).status_code == 404, url
        assert c.get("/diary").status_code == 303


def test_change_the_examination_keeps_its_answers(clinic):
    kb = clinic.kb
    paired = sorted(m for m, v in kb.muscles.items() if not v.midline)[0]
    with session(clinic, "dr.a") as c:
        r = exam_post(c, clinic.pa, **{"f-faber-positive": "yes", "f-slump-positive": "no", "p5-muscle": paired,
                                       "p5-side": "left", "p5-result": "not-tender", "p5-taut": "1"})
        assert r.status_code == 200
        back = c.post(f"/patients/{clinic.pa}/exam/edit", data={"csrf": csrf_of(r.text), "intake": hidden(r.text, "intake")})
        assert back.status_code == 200
        page = back.text
        assert re.search(r'value="yes" id="f-faber-positive-yes" checked', page)
        assert re.search(r'value="no" id="f-slump-positive-no" checked', page)
        rows = re.findall(r'<select name="p(\d)-muscle".*?</select>', page, re.S)
        assert rows
        i = next(n for n in range(6) if re.search(rf'<select name="p{n}-muscle"[^>]*>.*?value="{paired}" selected',
                                                  page, re.S))
        assert re.search(rf'<select name="p{i}-result".*?value="not-tender" selected', page, re.S)
        assert re.search(rf'name="p{i}-taut" value="1" id="p{i}-taut" checked', page)
        assert "palpation" not in hidden(page, "base") and "faber" not in hidden(page, "base")  # the drawing only
        assert '"buttock-lower-outer"' in hidden(page, "base")


def test_summary_pdf_shares_the_per_client_pdf_limit(clinic):
    from triggermap.web.limits import PDF_LIMIT

    with session(clinic, "dr.b") as c:  # refused requests do not count
        for _ in range(PDF_LIMIT + 2):
            assert c.get(f"/patients/{clinic.pa}/summary.pdf").status_code == 404
    with session(clinic, "dr.a") as c:
        codes = [c.get(f"/patients/{clinic.pa}/summary.pdf").status_code for _ in range(PDF_LIMIT + 1)]
        assert codes == [200] * PDF_LIMIT + [429]


def test_no_progress_message_speaks_to_the_reader(clinic):
    """Six flat weeks in Beto's diary (no plan yet, so every entry counts): Beto is told to see a
    clinician; his clinician, reading the same diary, is told to review the diagnosis and the plan
    (en and es), never "see a clinician"."""
    import datetime as dt

    today = dt.date.today()
    with db.session_scope(clinic.url) as s:
        person = s.get(repo.Person, clinic.pb)
        repo.create_account(s, "beto", PW, "patient", person=person)
        for ago, pain in ((50, 6), (20, 7), (0, 7)):
            repo.add_diary_entry(s, person, date=(today - dt.timedelta(days=ago)).isoformat(), pain=pain,
                                 regions=["low-back:left"], vocab=None)
    patient_en = "Please see a clinician"
    clinician_en, clinician_es = "review the diagnosis and the plan", "revise el diagnóstico y el plan"
    with session(clinic, "beto") as c:
        page = html.unescape(c.get(f"/diary/{clinic.pb}").text)
        assert 'id="see-clinician"' in page and patient_en in page and clinician_en not in page.casefold()
    with session(clinic, "dr.b") as c:
        page = html.unescape(c.get(f"/diary/{clinic.pb}").text)
        assert 'id="see-clinician"' in page and "No improvement after 6 weeks" in page
        assert clinician_en in page.casefold() and patient_en not in page and "your pain" not in page
        es = html.unescape(c.get(f"/diary/{clinic.pb}?lang=es").text)
        assert "Sin mejoría tras 6 semanas" in es and clinician_es in es.casefold()
        assert "Consulte a un profesional de la salud" not in es


def test_triage_box_speaks_to_the_clinician(clinic):
    """The examination result's triage box is worded for the clinician (the patient's answers,
    refer to emergency care), en and es; the patient's own results page keeps the patient wording."""
    from triggermap.present import MESSAGES

    kb = clinic.kb
    with session(clinic, "dr.a") as c:
        r = exam_post(c, clinic.pa, **{"p0-muscle": "", "p0-result": ""})
        assert r.status_code == 200, r.text[:300]
        page = html.unescape(r.text)
        assert "triage-self-care" in page
        assert "None of the patient's answers is a warning sign" in page and "None of your answers" not in page
        assert MESSAGES["no-warning-signs"]["en"] not in page
        form = c.get(f"/patients/{clinic.pa}/exam").text
        es = html.unescape(c.post(f"/patients/{clinic.pa}/exam?lang=es", data={
            "csrf": csrf_of(form), "base": hidden(form, "base"), "p0-muscle": "", "p0-result": ""}).text)
        assert "Ninguna de las respuestas del paciente" in es and "Ninguna de sus respuestas" not in es

        # an emergency red flag in the drawing: refer, not "go to an emergency department" yourself
        flag = next(f for f, d in kb.red_flags.items() if d.level == "emergency")
        page = c.get(f"/patients/{clinic.pa}/exam").text
        base = json.dumps({**BUTTOCK, "red_flags": [flag]})
        for lang, refer, not_said in (("en", "Refer to emergency care now", ("Do not drive yourself.", "Show this page")),
                                      ("es", "Derive ahora a atención de urgencia", ("No maneje usted mismo.", "Muestre esta página"))):
            r = c.post(f"/patients/{clinic.pa}/exam?lang={lang}", data={"csrf": csrf_of(page), "base": base,
                                                                          "p0-muscle": "", "p0-result": ""})
            assert r.status_code == 200, r.text[:300]
            text = html.unescape(r.text)
            assert "triage-emergency" in text and refer in text, lang
            assert MESSAGES["emergency-advice"][lang] not in text.split('id="triage-title"')[1].split("</section>")[0]
            for said in not_said:
                assert said not in text, (lang, said)

    # the patient's own results page (single-user app) keeps speaking to the patient
    import warnings

    from triggermap.web.app import create_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    with TestClient(create_app(kb=kb)) as tc:
        emergency = html.unescape(tc.post("/check", data={"rf": [flag]}).text)
        assert MESSAGES["emergency-advice"]["en"] in emergency and "Do not drive yourself." in emergency
        assert "Refer to emergency care" not in emergency
