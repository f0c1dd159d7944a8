"""The clinician's workflow (clinic mode): examine a patient, see the re-ranked result with the
questions a clinician can answer next, save it to the patient's record, and follow each patient
over time (timeline and a one-page summary PDF).

Routes (``pid`` is the person's id; only a clinician assigned to the person reaches them, anyone
else gets 404 like an id that does not exist, and the refusal is audited)::

    GET  /patients/{pid}                     timeline: pain, drawings, plan adherence, examinations
    GET  /patients/{pid}/exam                the examination form, starting from the latest drawing
    POST /patients/{pid}/exam                the re-ranked result (nothing is saved yet)
    POST /patients/{pid}/examinations        save it (recomputed here from the answers)
    GET  /patients/{pid}/examinations/{eid}  a saved examination, in the reader's language
    GET  /patients/{pid}/summary.pdf         one A4 page for the clinician (?lang=en|es)
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from .accounts import Form, Viewer, check_form, client_ip, person_for, record_id, record_scope, require_viewer
from .api import saved_in_language
from .app import render, request_lang, ui_gettext
from .forms import FormData, FormError, check_intake, intake_from_json, intake_json
from .i18n import LANGS, translations
from .present import Gettext, drawing_summary, region_text, results_view, side_text

if TYPE_CHECKING:
    from ..knowledge import Knowledge

log = logging.getLogger("triggermap.web")

router = APIRouter(include_in_schema=False)

PALPATION_ROWS = 6  # rows of the palpation table (the top muscles of the drawing prefill the first)
PALPATION_RESULTS = ("not-tender", "tender", "reproduces")
FINDING_ANSWERS = ("yes", "no")
#: what the examination adds to a drawing (a new examination replaces them)
EXAM_KEYS = ("findings", "palpation")
TIMELINE_PDF_ROWS = 8


# --- access ------------------------------------------------------------------------------


def _clinician(request: Request, session: Any, page: bool = True) -> Viewer:
    """The logged-in clinician; anyone else (patients, the local user) gets 404: these pages
    are not theirs, as a record that is not theirs."""
    viewer = require_viewer(request, session, page=page)
    if viewer.kind != "clinician" or viewer.account is None:
        raise HTTPException(404)
    return viewer


def _patient(session: Any, request: Request, viewer: Viewer, pid: str, action: str) -> Any:
    return person_for(session, request, viewer, pid, action)


def _date_text(day: dt.date, lang: str) -> str:
    from babel.dates import format_date

    return str(format_date(day, format="medium", locale=lang))


# --- the latest drawing ----------------------------------------------------------------


def drawing_intake(doc: dict[str, Any]) -> dict[str, Any]:
    """An intake without what an examination adds (findings, palpation, findings answered no)."""
    base = {k: v for k, v in doc.items() if k not in EXAM_KEYS}
    absent = {k: v for k, v in (doc.get("absent") or {}).items() if k != "findings"}
    base.pop("absent", None)
    if absent:
        base["absent"] = absent
    base.setdefault("version", 1)
    return base


def latest_drawing(session: Any, person: Any) -> tuple[dict[str, Any] | None, dt.date | None]:
    """The person's newest drawing: a saved result's answers or the areas of a diary entry
    (at the entry's pain), whichever is newer; (None, None) when there is neither."""
    from ..store import repo

    best: tuple[dt.date, int, dict[str, Any]] | None = None
    for a in repo.list_assessments(session, person):
        day = a.created_at.date()
        if a.intake and (best is None or (day, 1) >= best[:2]):
            best = (day, 1, drawing_intake(dict(a.intake)))
    for e in repo.list_entries(session, person):
        if not e.regions:
            continue
        pain = [{"region": r.region, "intensity": e.pain, **({"side": r.side} if r.side else {})} for r in e.regions]
        if best is None or (e.entry_date, 0) >= best[:2]:
            best = (e.entry_date, 0, {"version": 1, "pain": pain})
    return (best[2], best[0]) if best else (None, None)


# --- the form ------------------------------------------------------------------------------


@dataclass
class ExamState:
    findings: dict[str, str] = field(default_factory=dict)  # id -> "yes" / "no"
    rows: list[dict[str, str]] = field(default_factory=list)  # muscle, side, result, taut


def _accuracy(kb: Knowledge, lang: str) -> dict[str, list[dict[str, Any]]]:
    """Per finding id, the published accuracy of the test in the knowledge base: the condition
    it is evidence for, sensitivity, specificity and positive likelihood ratio, with references."""
    out: dict[str, list[dict[str, Any]]] = {}
    for c in kb.conditions.values():
        for f in c.features:
            if f.kind != "finding" or f.sensitivity is None or f.specificity is None:
                continue
            for fid in f.ids:
                out.setdefault(fid, []).append({
                    "condition": c.name.of(lang), "sens": f"{round(100 * f.sensitivity)}%",
                    "spec": f"{round(100 * f.specificity)}%", "lr": f"{f.lr:g}", "refs": list(f.refs),
                })
    return out


def _state_from_intake(doc: dict[str, Any], suggested: list[tuple[str, str | None]]) -> ExamState:
    state = ExamState()
    for fid in doc.get("findings") or []:
        state.findings[fid] = "yes"
    for fid in (doc.get("absent") or {}).get("findings") or []:
        state.findings[fid] = "no"
    for p in doc.get("palpation") or []:
        result = "not-tender" if not p.get("tender") else "reproduces" if p.get("reproduces") else "tender"
        state.rows.append({"muscle": p.get("muscle", ""), "side": p.get("side") or "", "result": result,
                           "taut": "1" if p.get("taut_band") else ""})
    have = {(r["muscle"], r["side"] or None) for r in state.rows}
    for muscle, side in suggested:
        if len(state.rows) >= PALPATION_ROWS:
            break
        if (muscle, side) not in have:
            state.rows.append({"muscle": muscle, "side": side or "", "result": "", "taut": ""})
    while len(state.rows) < PALPATION_ROWS:
        state.rows.append({"muscle": "", "side": "", "result": "", "taut": ""})
    return state


def _state_from_form(form: FormData, kb: Knowledge) -> ExamState:
    state = ExamState()
    for fid in kb.vocab["findings"]:
        v = form.get(f"f-{fid}")
        if v:
            state.findings[fid] = v[:10]
    for i in range(PALPATION_ROWS):
        state.rows.append({k: form.get(f"p{i}-{k}").strip()[:100] for k in ("muscle", "side", "result", "taut")})
    return state


def exam_intake(base: dict[str, Any], state: ExamState, kb: Knowledge, _: Gettext) -> tuple[dict[str, Any], list[FormError]]:
    """The drawing plus the examination, or the errors of the form (each naming its field)."""
    errors: list[FormError] = []
    doc = drawing_intake(base)
    yes: list[str] = []
    no: list[str] = []
    for fid, answer in state.findings.items():
        if fid not in kb.vocab["findings"] or answer not in FINDING_ANSWERS:
            errors.append(FormError(f"f-{fid}", _("%(test)s: choose positive, negative or not tested.")
                                    % {"test": fid}))
        else:
            (yes if answer == "yes" else no).append(fid)
    palpation = []
    for i, row in enumerate(state.rows):
        n = i + 1
        muscle, side, result = row["muscle"], row["side"], row["result"]
        if not muscle and not result and not row["taut"]:
            continue
        if muscle not in kb.muscles:
            errors.append(FormError(f"p{i}-muscle", _("Palpation row %(n)d: choose the muscle you examined.")
                                    % {"n": n}))
            continue
        if not result and not row["taut"]:
            continue  # a suggested muscle that was not examined
        if result not in PALPATION_RESULTS:
            errors.append(FormError(f"p{i}-result", _("Palpation row %(n)d: choose not tender, tender, or tender "
                                                      "and reproduces the familiar pain.") % {"n": n}))
            continue
        item: dict[str, Any] = {"muscle": muscle, "tender": result != "not-tender"}
        if kb.muscle(muscle).midline:
            pass
        elif side in ("left", "right", "both"):
            item["side"] = side
        else:
            errors.append(FormError(f"p{i}-side", _("Palpation row %(n)d: choose the side (left, right or both).")
                                    % {"n": n}))
            continue
        if result == "reproduces":
            item["reproduces"] = True
        elif result == "tender":
            item["reproduces"] = False
        if row["taut"]:
            item["taut_band"] = True
        palpation.append(item)
    if yes:
        doc["findings"] = yes
    if no:
        doc.setdefault("absent", {})["findings"] = no
    if palpation:
        doc["palpation"] = palpation
    return doc, errors


def _muscle_options(kb: Knowledge, lang: str) -> list[dict[str, Any]]:
    return sorted(({"id": mid, "name": m.names.of(lang), "midline": m.midline}
                   for mid, m in kb.muscles.items()), key=lambda o: o["name"].casefold())


def _finding_rows(kb: Knowledge, lang: str, first: list[str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    acc = _accuracy(kb, lang)
    rows = {fid: {"id": fid, "label": it.label.of(lang), "definition": it.definition.of(lang),
                  "accuracy": acc.get(fid, [])} for fid, it in kb.vocab["findings"].items()}
    top = [rows[f] for f in dict.fromkeys(first) if f in rows]
    rest = [r for fid, r in rows.items() if fid not in set(first)]
    return top, rest


def _suggested(kb: Knowledge, base: dict[str, Any] | None) -> tuple[list[str], list[tuple[str, str | None]]]:
    """The tests and muscles the drawing points to: the clinician's next questions about findings,
    the findings that are evidence for the conditions listed, and the top muscles to palpate."""
    from .api import BodyError, assess_document

    if not base:
        return [], []
    try:
        a = assess_document(base, kb, "en", who="clinician")
    except BodyError:
        return [], []
    tests = [q["value"] for q in a["next_questions"] if q["field"] == "findings"]
    for c in a["conditions"]:
        for f in kb.condition(c["id"]).features:
            if f.kind == "finding":
                tests.extend(f.ids)
    muscles = [(m["id"], m.get("side")) for m in a["muscles"][:3]]
    return tests, muscles


def _exam_page(request: Request, pid: str, status: int = 200, state: ExamState | None = None,
               base_json: str | None = None, errors: list[FormError] | None = None) -> Response:
    kb = request.app.state.kb
    lang = request_lang(request)
    _ = ui_gettext(request, lang)
    with record_scope(request) as s:
        viewer = _clinician(request, s)
        person = _patient(s, request, viewer, pid, "examine")
        if base_json is None:
            base, day = latest_drawing(s, person)
        else:
            base, day = json.loads(base_json), None
        name, code = person.display_name or person.code, person.code
    tests, muscles = _suggested(kb, base)
    if state is None:
        state = _state_from_intake(base or {}, muscles)
    top, rest = _finding_rows(kb, lang, tests)
    return render(
        request, "exam.html", status=status, lang=lang, pid=pid, patient=name, code=code,
        base=intake_json(base) if base else "", drawn=_date_text(day, lang) if day else "",
        mine=drawing_summary(kb, base or {}, lang, _), top=top, rest=rest,
        rest_open=any(r["id"] in state.findings for r in rest), state=state, muscles=_muscle_options(kb, lang),
        errors=errors or [], error_fields={e.field for e in errors or []},
    )


@router.get("/patients/{pid}/exam")
def exam_form(request: Request, pid: str) -> Response:
    return _exam_page(request, pid)


def _base_from(raw: str, kb: Knowledge, field: str) -> dict[str, Any]:
    """A posted intake (hidden field ``field``), or an empty drawing when it is not a JSON object;
    one the intake parser refuses is refused (422 naming the field) before anything reads it."""
    base = intake_from_json(raw)
    if base is None:
        return {"version": 1, "pain": []}
    check_intake(base, kb, field, allow_empty=True)
    return base


def _posted_exam(request: Request, pid: str, form: FormData) -> tuple[dict[str, Any], Any, ExamState] | Response:
    """The posted examination as an intake and its neutral assessment, or the form again (422)."""
    from .api import BodyError, assess_neutral

    kb = request.app.state.kb
    _ = ui_gettext(request)
    base = _base_from(form.get("base"), kb, "base")
    state = _state_from_form(form, kb)
    doc, errors = exam_intake(base, state, kb, _)
    neutral = None
    if not errors:
        try:
            neutral = assess_neutral(doc, kb, who="clinician")
        except BodyError as exc:
            errors = [FormError(exc.field, _("This examination could not be assessed: %(field)s %(message)s")
                                % {"field": exc.field, "message": exc.message})]
    if errors:
        return _exam_page(request, pid, 422, state=state, base_json=intake_json(base), errors=errors)
    return doc, neutral, state


def _result_page(request: Request, pid: str, patient: str, doc: dict[str, Any], a: dict[str, Any], lang: str,
                 saved: dict[str, Any] | None = None) -> Response:
    from .api import BodyError, assess_document

    kb = request.app.state.kb
    _ = translations(lang).gettext
    before: dict[tuple[str, str | None], int] = {}
    try:
        first = assess_document(drawing_intake(doc), kb, lang)
        before = {(m["id"], m.get("side")): i for i, m in enumerate(first["muscles"], 1)}
    except BodyError:
        pass
    view = results_view(kb, a, lang, _)
    for i, m in enumerate(view["muscles"], 1):
        m["rank"], m["before"] = i, before.get((m["id"], m.get("side")))
    return render(
        request, "exam_result.html", lang=lang, pid=pid, patient=patient, view=view,
        questions=a.get("next_questions") or [], mine=drawing_summary(kb, doc, lang, _),
        palpated=_palpation_text(kb, doc, lang, _), absent=_labels(kb, (doc.get("absent") or {}).get("findings"), lang),
        intake=intake_json(doc), saved=saved,
    )


def _labels(kb: Knowledge, ids: Any, lang: str) -> list[str]:
    table = kb.vocab["findings"]
    return [table[i].label.of(lang) if i in table else str(i) for i in ids or ()]


def _palpation_text(kb: Knowledge, doc: dict[str, Any], lang: str, _: Gettext) -> list[str]:
    out = []
    for p in doc.get("palpation") or []:
        m = kb.muscles.get(p.get("muscle"))
        name = m.names.of(lang) if m else str(p.get("muscle"))
        side = side_text(p.get("side"), _) if p.get("side") else ""
        what = (_("not tender") if not p.get("tender") else
                _("tender, reproduces the familiar pain") if p.get("reproduces") else _("tender"))
        if p.get("taut_band"):
            what += ", " + _("taut band")
        out.append(f"{name}{' (' + side + ')' if side else ''}: {what}")
    return out


@router.post("/patients/{pid}/exam")
def exam_result(request: Request, pid: str, form: Form) -> Response:
    from ..present import localise

    kb = request.app.state.kb
    lang = request_lang(request)
    with record_scope(request) as s:
        viewer = _clinician(request, s, page=False)
        check_form(request, viewer, form)
        person = _patient(s, request, viewer, pid, "examine")
        patient = person.display_name or person.code
    posted = _posted_exam(request, pid, form)
    if isinstance(posted, Response):
        return posted
    doc, neutral, _state = posted
    return _result_page(request, pid, patient, doc, localise(neutral, lang, kb), lang)


@router.post("/patients/{pid}/exam/edit")
def exam_edit(request: Request, pid: str, form: Form) -> Response:
    """The examination form again, filled with the answers of a result page (nothing is saved)."""
    with record_scope(request) as s:
        viewer = _clinician(request, s, page=False)
        check_form(request, viewer, form)
        _patient(s, request, viewer, pid, "examine")
    doc = _base_from(form.get("intake"), request.app.state.kb, "intake")
    state = _state_from_intake(doc, [])
    return _exam_page(request, pid, state=state, base_json=intake_json(drawing_intake(doc)))


@router.post("/patients/{pid}/examinations")
def save_exam(request: Request, pid: str, form: Form) -> Response:
    """Save the examination to the patient's record: assessed again here from the posted answers
    (a posted result is never trusted), with its language-neutral assessment."""
    from ..present import localise
    from ..store import repo
    from .api import BodyError, assess_neutral

    kb = request.app.state.kb
    lang = request_lang(request)
    _ = ui_gettext(request, lang)
    doc = intake_from_json(form.get("intake"))
    with record_scope(request) as s:
        viewer = _clinician(request, s, page=False)
        check_form(request, viewer, form)
        person = _patient(s, request, viewer, pid, "examine")
        if not isinstance(doc, dict):
            raise HTTPException(422, _("The examination could not be saved: its answers were missing."))
        try:
            neutral = assess_neutral(doc, kb, who="clinician")
        except BodyError as exc:
            raise HTTPException(422, _("This examination could not be assessed: %(field)s %(message)s")
                                % {"field": exc.field, "message": exc.message}) from None
        assert viewer.account is not None
        e = repo.save_examination(s, person, viewer.account, intake=doc, result=localise(neutral, lang, kb),
                                  kb_version=str(kb.version), lang=lang, neutral=neutral.to_json(),
                                  ip=client_ip(request))
        eid, person_id = e.id, person.id
    return RedirectResponse(f"/patients/{person_id}/examinations/{eid}?lang={lang}", status_code=303)


@router.get("/patients/{pid}/examinations/{eid}")
def saved_exam(request: Request, pid: str, eid: str) -> Response:
    from ..store import repo

    kb = request.app.state.kb
    examination_id = record_id(eid)
    if examination_id is None:
        raise HTTPException(404)
    reader = request_lang(request)
    with record_scope(request) as s:
        viewer = _clinician(request, s)
        person = _patient(s, request, viewer, pid, "read-examination")
        e = repo.get_examination(s, person, examination_id)
        doc, result, neutral = dict(e.intake), dict(e.result), e.neutral
        saved_lang = e.lang if e.lang in LANGS else "en"
        created, by, patient = e.created_at.date(), e.clinician_name, person.display_name or person.code
    lang, kept = reader, False
    again = saved_in_language(kb, neutral, reader)
    if again is not None:
        result = again
    elif reader != saved_lang:
        lang, kept = saved_lang, True
    saved = {"date": _date_text(created, lang), "by": by, "kept_language": kept}
    return _result_page(request, pid, patient, doc, result, lang, saved=saved)


# --- timeline and summary -------------------------------------------------------------------


def _top_muscles(kb: Knowledge, result: dict[str, Any], lang: str, _: Gettext, n: int = 3) -> list[str]:
    out = []
    for m in (result.get("muscles") or [])[:n]:
        entry = kb.muscles.get(m.get("id"))
        name = entry.names.of(lang) if entry else str(m.get("name") or m.get("id"))
        side = side_text(m.get("side"), _) if m.get("side") else ""
        out.append(f"{name}{' (' + side + ')' if side else ''}")
    return out


def timeline(kb: Knowledge, session: Any, person: Any, lang: str, _: Gettext) -> dict[str, Any]:
    """Everything recorded about the person, newest first: diary entries (pain, areas, plan items
    done), saved drawings, examinations; and the pain and adherence figures of the summary."""
    from ..store import repo

    entries = repo.list_entries(session, person)
    adherence = {a["date"]: a for a in repo.adherence(session, person, entries)}
    events: list[dict[str, Any]] = []
    for e in entries:
        a = adherence.get(e.entry_date) or {}
        done = (_("%(done)d of %(planned)d plan items") % {"done": a["done"], "planned": a["planned"]}
                if a.get("planned") else "")
        events.append({"kind": "diary", "kind_text": _("Diary"), "date": e.entry_date, "pain": e.pain,
                       "what": "; ".join(region_text(kb, r.region, r.side, lang, _) for r in e.regions),
                       "adherence": done, "share": a.get("share"), "href": None})
    for s in repo.list_assessments(session, person):
        result = saved_in_language(kb, s.neutral, lang) or dict(s.result)
        marks = (s.intake or {}).get("pain") or []
        areas = "; ".join(region_text(kb, m["region"], m.get("side"), lang, _) for m in marks if "region" in m)
        top = _top_muscles(kb, result, lang, _)
        events.append({"kind": "drawing", "kind_text": _("Drawing"), "date": s.created_at.date(), "pain": None,
                       "what": areas + (" → " + ", ".join(top) if top else ""), "adherence": "", "share": None,
                       "href": f"/diary/{person.id}/assessments/{s.id}"})
    exams = repo.list_examinations(session, person)
    for x in exams:
        result = saved_in_language(kb, x.neutral, lang) or dict(x.result)
        n_yes = len(x.intake.get("findings") or [])
        n_no = len((x.intake.get("absent") or {}).get("findings") or [])
        n_p = len(x.intake.get("palpation") or [])
        what = _("%(by)s: %(yes)d positive and %(no)d negative tests, %(palpated)d muscles palpated") % {
            "by": x.clinician_name, "yes": n_yes, "no": n_no, "palpated": n_p}
        top = _top_muscles(kb, result, lang, _)
        events.append({"kind": "exam", "kind_text": _("Examination"), "date": x.created_at.date(), "pain": None,
                       "what": what + (" → " + ", ".join(top) if top else ""), "adherence": "", "share": None,
                       "href": f"/patients/{person.id}/examinations/{x.id}"})
    order = {"exam": 0, "drawing": 1, "diary": 2}
    events.sort(key=lambda ev: (ev["date"], -order[ev["kind"]]), reverse=True)
    for ev in events:
        ev["date_text"] = _date_text(ev["date"], lang)
    pains = [e.pain for e in entries]
    shares = [a["share"] for a in adherence.values() if a.get("share") is not None]
    latest = None
    if exams:
        x = exams[-1]
        latest = {"kind": "exam", "date": _date_text(x.created_at.date(), lang), "intake": dict(x.intake),
                  "result": saved_in_language(kb, x.neutral, lang) or dict(x.result)}
    else:
        saved = repo.list_assessments(session, person)
        if saved:
            s = saved[-1]
            latest = {"kind": "drawing", "date": _date_text(s.created_at.date(), lang), "intake": dict(s.intake),
                      "result": saved_in_language(kb, s.neutral, lang) or dict(s.result)}
    return {
        "events": events,
        "pain": {"first": pains[0], "last": pains[-1], "min": min(pains), "max": max(pains),
                 "first_date": _date_text(entries[0].entry_date, lang),
                 "last_date": _date_text(entries[-1].entry_date, lang), "n": len(pains)} if pains else None,
        "adherence": round(100 * sum(shares) / len(shares)) if shares else None,
        "latest": latest,
    }


@router.get("/patients/{pid}")
def patient_timeline(request: Request, pid: str) -> Response:
    kb = request.app.state.kb
    lang = request_lang(request)
    _ = ui_gettext(request, lang)
    with record_scope(request) as s:
        viewer = _clinician(request, s)
        person = _patient(s, request, viewer, pid, "read-timeline")
        data = timeline(kb, s, person, lang, _)
        name, code, person_id = person.display_name or "", person.code, person.id
    return render(request, "timeline.html", lang=lang, pid=person_id, name=name, code=code, **data)


def render_summary_pdf(html: str) -> bytes:
    from weasyprint import HTML

    pdf = HTML(string=html).write_pdf()
    assert pdf is not None
    return bytes(pdf)


@router.get("/patients/{pid}/summary.pdf")
async def summary_pdf(request: Request, pid: str) -> Response:
    """One A4 page for the clinician: pain and adherence over time, the latest examination (or
    drawing) with its triage, muscles, conditions and next questions, and the recent timeline."""
    from .accounts import db_url
    from .limits import _pdf_wait

    lang = request_lang(request)

    def build() -> tuple[str, str] | int:
        kb = request.app.state.kb
        _ = translations(lang).gettext
        with record_scope(request) as s:
            viewer = _clinician(request, s, page=False)
            person = _patient(s, request, viewer, pid, "summary-pdf")
            data = timeline(kb, s, person, lang, _)
            name, code = person.display_name or "", person.code
        # the handouts' per-client PDF limit, counted only for a clinician who may have this one
        wait = _pdf_wait(db_url(request), client_ip(request) or "unknown")
        if wait:
            return wait
        latest = data["latest"]
        view = results_view(kb, latest["result"], lang, _) if latest else None
        extra = {}
        if latest:
            extra = {"findings": _labels(kb, latest["intake"].get("findings"), lang),
                     "absent": _labels(kb, (latest["intake"].get("absent") or {}).get("findings"), lang),
                     "palpated": _palpation_text(kb, latest["intake"], lang, _),
                     "questions": (latest["result"].get("next_questions") or [])[:3]}
        env = request.app.state.envs[lang]
        html = env.get_template("clinic_summary.html").render(
            name=name, code=code, today=_date_text(dt.date.today(), lang), view=view,
            events=data["events"][:TIMELINE_PDF_ROWS], n_events=len(data["events"]), pain=data["pain"],
            adherence=data["adherence"], latest=latest, **extra)
        return html, code

    built = await run_in_threadpool(build)
    if isinstance(built, int):
        from .app import _error_page

        _ = ui_gettext(request, lang)
        resp = _error_page(request, 429, _("Please wait"),
                           _("Many PDFs were asked for from here in a short time. Please wait %(seconds)d seconds "
                             "and try again.") % {"seconds": built})
        resp.headers["retry-after"] = str(built)
        return resp
    html, code = built
    pdf = await run_in_threadpool(render_summary_pdf, html)
    return Response(pdf, media_type="application/pdf",
                    headers={"content-disposition": f'inline; filename="triggermap-summary-{code}-{lang}.pdf"'})
