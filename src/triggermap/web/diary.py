"""The pain diary on the web: quick add, history, plot of pain and exercises over time, the body
map shaded by how often each area hurt, CSV and FHIR R4 export, saved results; and the
clinician's list of patients.

Routes (``pid`` is the person's id; access rules in :mod:`.accounts`)::

    GET  /diary                            -> the viewer's own diary (clinicians: /patients)
    GET  /patients                         clinician: their patients
    GET  /diary/{pid}                      quick-add form, plot, body map, history, exports
    POST /diary/{pid}/entries              add (or replace) the entry of a date
    POST /diary/{pid}/entries/{date}/delete
    GET  /diary/{pid}/plot.png | plot.svg  pain, painful areas and plan items done over time
    GET  /diary/{pid}/export.csv           the diary as CSV
    GET  /diary/{pid}/export.fhir.json     FHIR R4 Bundle (Patient, QuestionnaireResponse, Observation)
    GET  /diary/{pid}/assessments/{aid}    a saved result, shown as it was
    POST /diary/save                       save the results page's assessment to the own diary
    POST /diary/words                      the quick-add form filled from the start page's words (not saved)

Every DB-touching route is a plain ``def`` (FastAPI runs it in its thread pool) and does its
work in one transaction; a change is acknowledged (303 to the diary page) only after the
transaction has committed.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import logging
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup
from starlette.exceptions import HTTPException

from ..vocabulary import BODY_SIDES, CONTROL_RE
from .accounts import (
    Form,
    Viewer,
    check_form,
    client_ip,
    own_person,
    person_for,
    record_id,
    record_scope,
    require_viewer,
)
from .app import render, request_lang, ui_gettext
from .forms import FormData, FormError, intake_from_json
from .i18n import LANGS, translations
from .present import Gettext, region_groups, region_text

if TYPE_CHECKING:
    from ..knowledge import Knowledge

log = logging.getLogger("triggermap.web")

router = APIRouter(include_in_schema=False)

MAX_FUTURE = dt.timedelta(days=1)  # a person east of the server may already be on tomorrow
HISTORY_ROWS = 366


# --- helpers ----------------------------------------------------------------------------


def _vocab(request: Request) -> Any:
    vocab = getattr(request.app.state, "diary_vocab", None)
    if vocab is None:
        from ..store.vocab import from_knowledge

        vocab = request.app.state.diary_vocab = from_knowledge(request.app.state.kb)
    return vocab


def _open(session: Any, request: Request, viewer: Viewer, pid: str, action: str) -> Any:
    """The person ``pid`` if the viewer may see it; the access is audited (refusals too, as 404)."""
    return person_for(session, request, viewer, pid, action)


def _date_text(day: dt.date, lang: str) -> str:
    from babel.dates import format_date

    return str(format_date(day, format="medium", locale=lang))


def _short(value: Any, limit: int = 40) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _with_lang(path: str, request: Request) -> str:
    lang = request.query_params.get("lang")
    return f"{path}{'&' if '?' in path else '?'}lang={lang}" if lang in LANGS else path


# --- the quick-add form -----------------------------------------------------------------


@dataclass
class EntryForm:
    """What the quick-add form shows (prefilled again after an error)."""

    date: str
    pain: str = ""
    regions: set[str] = field(default_factory=set)
    done: set[str] = field(default_factory=set)
    note: str = ""
    replace: bool = False
    show_replace: bool = False


class _Invalid(Exception):
    def __init__(self, errors: list[FormError], show_replace: bool = False):
        self.errors = errors
        self.show_replace = show_replace


def _form_state(form: FormData) -> EntryForm:
    return EntryForm(
        date=form.get("date").strip()[:40],
        pain=form.get("pain").strip()[:10],
        regions=set(form.getlist("region")),
        done=set(form.getlist("done")),
        note=form.get("note")[:5000],
        replace=form.get("replace") == "1",
    )


def friendly_error(exc: Any, _: Gettext) -> FormError:
    """A store :class:`ValidationError` as a sentence naming the field, in the page's language."""
    from ..store.errors import DuplicateEntry
    from ..store.repo import MAX_NOTE

    value = _short(exc.value)
    problem = str(exc.problem)
    fld = str(exc.field)
    if fld == "date":
        if isinstance(exc, DuplicateEntry):
            msg = _("Date: there is already an entry for %(value)s. Tick “Replace the entry of this date” "
                    "to change it, or choose another date.")
        elif problem == "this date does not exist":
            msg = _("Date: %(value)s does not exist in the calendar.")
        elif problem == "date too early":
            msg = _("Date: %(value)s is too long ago; the diary starts in 1900.")
        else:
            msg = _("Date: “%(value)s” is not a date; use the form YYYY-MM-DD, for example 2024-03-15.")
        return FormError("date", msg % {"value": value})
    if fld == "pain":
        return FormError("pain", _("Pain: “%(value)s” is not allowed; choose a whole number from 0 (no pain) "
                                   "to 10 (worst imaginable).") % {"value": value})
    if fld == "region":
        return FormError("regions", _("Areas: “%(value)s” is not an area of the body map.") % {"value": value})
    if fld == "done":
        return FormError("done", _("Exercises done: “%(value)s” is not an exercise we know.") % {"value": value})
    if fld == "note":
        if "NUL" in problem or "control character" in problem:
            return FormError("note", _("Note: the note contains a character that cannot be stored."))
        return FormError("note", _("Note: please keep the note under %(max)d characters.") % {"max": MAX_NOTE})
    return FormError(fld, _("This answer could not be used: %(value)s") % {"value": value})


def _validate(form: FormData, vocab: Any, _: Gettext, today: dt.date) -> tuple[dict[str, Any], list[FormError]]:
    """Check every field (all errors at once, before anything is written)."""
    from ..store import repo
    from ..store.errors import ValidationError
    from ..store.vocab import check_plan_item

    errors: list[FormError] = []
    out: dict[str, Any] = {}
    raw_date = form.get("date").strip()
    if not raw_date:
        errors.append(FormError("date", _("Date: please enter the date of this entry.")))
    else:
        try:
            day = repo.parse_date(raw_date)
        except ValidationError as exc:
            errors.append(friendly_error(exc, _))
        else:
            if day > today + MAX_FUTURE:
                errors.append(FormError("date", _("Date: %(value)s is in the future; the diary records days "
                                                  "that have begun.") % {"value": raw_date}))
            out["date"] = day
    raw_pain = form.get("pain").strip()
    if not raw_pain:
        errors.append(FormError("pain", _("Pain: choose how much it hurt, from 0 (no pain) to 10 "
                                          "(worst imaginable).")))
    else:
        try:
            out["pain"] = repo.parse_pain(raw_pain)
        except ValidationError as exc:
            errors.append(friendly_error(exc, _))
    regions = list(dict.fromkeys(form.getlist("region")))
    try:
        out["regions"] = repo.parse_regions(regions, vocab)
    except ValidationError as exc:
        errors.append(friendly_error(exc, _))
    done = list(dict.fromkeys(form.getlist("done")))
    for item in done:
        try:
            check_plan_item(item, vocab)
        except ValidationError as exc:
            errors.append(friendly_error(exc, _))
            break
    out["done"] = done
    note = form.get("note").replace("\r\n", "\n")
    if len(note.strip()) > repo.MAX_NOTE:
        errors.append(FormError("note", _("Note: please keep the note under %(max)d characters.")
                                % {"max": repo.MAX_NOTE}))
    elif CONTROL_RE.search(note):  # NUL, escape sequences, C1 (tabs and line breaks are fine)
        errors.append(FormError("note", _("Note: the note contains a character that cannot be stored.")))
    out["note"] = note.strip() or None
    return out, errors


# --- the body map of how often each area hurt --------------------------------------------

_INTERACTIVE = re.compile(r'\s(?:role="checkbox"|aria-checked="[^"]*"|tabindex="0"|aria-label="[^"]*"|'
                          r'data-intensity="[^"]*")')
_REGION_PATH = re.compile(r'(<path [^>]*?data-region="([^"]+)"(?: data-side="([^"]+)")?[^>]*?)>'
                          r"<title>([^<]*)</title>")


def _static_map(svg: str, prefix: str, title: str, desc: str, days: dict[tuple[str, str | None], int],
                n_days: int, _: Gettext) -> Markup:
    """A clickable body map turned into a picture: no checkboxes, a title per region with its days."""
    from .maps import csp_safe

    svg = _INTERACTIVE.sub("", csp_safe(svg))
    svg = svg.replace('role="group"', 'role="img"', 1)
    svg = re.sub(rf'<title id="{prefix}-title">.*?</title><desc id="{prefix}-desc">.*?</desc>',
                 f'<title id="{prefix}-title">{html.escape(title)}</title>'
                 f'<desc id="{prefix}-desc">{html.escape(desc)}</desc>', svg, count=1, flags=re.S)

    def add_days(m: re.Match[str]) -> str:
        n = days.get((m.group(2), m.group(3)))
        if not n:
            return m.group(0)
        extra = _("%(n)d of %(total)d days") % {"n": n, "total": n_days}
        return f'{m.group(1)} data-days="{n}"><title>{m.group(4)}: {html.escape(extra)}</title>'

    return Markup(_REGION_PATH.sub(add_days, svg))  # noqa: S704 - our own SVG, sanitised above


def frequency_map(kb: Knowledge, counts: Counter[tuple[str, str | None]], n_days: int, lang: str,
                  _: Gettext) -> dict[str, Any] | None:
    """Front and back views shaded by the share of diary days each area hurt, and the same as rows."""
    from ..charts import style

    if not n_days or not counts:
        return None
    days = {k: n for k, n in counts.items() if n and k[0] in kb.regions}
    if not days:
        return None
    marks = [(r, s, max(1, min(10, math.ceil(10 * n / n_days)))) for (r, s), n in days.items()]
    rows: list[dict[str, Any]] = sorted(
        ({"label": region_text(kb, r, s, lang, _), "days": n, "percent": round(100 * n / n_days)}
         for (r, s), n in days.items()),
        key=lambda row: (-row["days"], row["label"]),
    )
    views = {}
    names = {"front": _("Front"), "back": _("Back")}
    try:
        from ..charts import body_svg
        from ..charts.geometry import CLOSE_UPS, get_view
        from ..charts.style import word

        # the finer 1.1 regions are drawn on close-ups only: add the close-ups that show them
        order = ["front", "back"]
        need = {k for k in days if not any(get_view(v).has(*k) for v in order)}
        for close in CLOSE_UPS:
            if any(get_view(close).has(*k) for k in need):
                order.append(close)
                names[close] = word(lang, f"view.{close}")
                need = {k for k in need if not get_view(close).has(*k)}
        for view in order:
            prefix = f"tmf-{view}"
            svg = body_svg(view, lang, marks, id_prefix=prefix)
            title = _("Where it hurt, %(view)s view") % {"view": names[view].lower()}
            desc = _("Each area is shaded by the share of diary days on which it hurt: the darker, the more often.")
            views[view] = _static_map(svg, prefix, title, desc, days, n_days, _)
    except Exception:  # the rows below say the same; a chart must never take the page down
        log.exception("frequency map failed")
        views = {}
    swatches = []
    for i in range(1, 11):
        x = (i - 1) * 24
        swatches.append(f'<rect x="{x}" y="0" width="24" height="16" fill="{style.INTENSITY_COLOURS[i]}" '
                        'stroke="#8a827a" stroke-width="0.6"/>')
    legend = Markup(  # noqa: S704 - built here from constants
        '<svg class="freq-legend" width="240" height="16" viewBox="0 0 240 16" aria-hidden="true">'
        + "".join(swatches) + "</svg>"
    )
    return {"views": views, "names": names, "rows": rows, "n_days": n_days, "legend": legend}


# --- no progress after six weeks --------------------------------------------------------

PLAN_WEEKS = 6  # the "after 6 weeks of the plan"


def no_progress(entries: list[Any], plan_start: dt.date | None) -> bool:
    """True when the diary shows no improvement after :data:`PLAN_WEEKS` weeks of the plan.

    Plainly: take the entries from the day the current plan started (all entries if there is no
    plan); the first of them is the baseline and the newest is the latest. Nothing improved when
    the latest entry is at least ``PLAN_WEEKS`` weeks after the baseline, its pain is above 0,
    its pain score is not lower than the baseline's, and it marks no fewer painful areas (see
    :func:`..store.plot.area_count`). Under six weeks of entries never counts: too early to judge.
    """
    from ..store.plot import area_count

    since = [e for e in entries if plan_start is None or e.entry_date >= plan_start]
    if len(since) < 2:
        return False
    first, last = since[0], since[-1]
    if (last.entry_date - first.entry_date).days < 7 * PLAN_WEEKS:
        return False
    return bool(last.pain > 0 and last.pain >= first.pain and area_count(last) >= area_count(first))


# --- pages --------------------------------------------------------------------------------


def _flash(request: Request, lang: str, _: Gettext) -> str | None:
    saved = request.query_params.get("saved")
    deleted = request.query_params.get("deleted")
    if saved == "assessment":
        return _("The result was saved to your diary. Its self-care plan is now the list of exercises you can tick.")
    for value, text in ((saved, _("Saved: the entry of %(date)s.")), (deleted, _("Deleted: the entry of %(date)s."))):
        if value:
            try:
                day = dt.date.fromisoformat(value)
            except ValueError:
                return None
            return text % {"date": _date_text(day, lang)}
    return None


def _region_words(kb: Knowledge, regions: list[Any], lang: str, _: Gettext) -> list[str]:
    return [region_text(kb, r.region, r.side, lang, _) for r in regions]


def _item_title(kb: Knowledge, item_id: str, lang: str, data: dict[str, Any] | None = None) -> str:
    ex = kb.exercises.get(item_id)
    if ex is not None:
        return ex.title.of(lang)
    title = (data or {}).get("title")
    return str(title) if isinstance(title, str) and title else item_id


def diary_page(request: Request, pid: str, *, status: int = 200, errors: list[FormError] | None = None,
               state: EntryForm | None = None, from_words: bool = False) -> Response:
    from ..store import repo

    kb = request.app.state.kb
    lang = request_lang(request)
    _ = ui_gettext(request, lang)
    today = dt.date.today()
    with record_scope(request) as s:
        viewer = require_viewer(request, s)
        person = _open(s, request, viewer, pid, "read")
        entries = repo.list_entries(s, person)
        counts, n_days = repo.region_days(s, person)
        plan = repo.current_plan(s, person)
        plan_items = [(i.item_id, dict(i.data or {})) for i in plan.items] if plan else []
        stalled = no_progress(entries, plan.created_at.date() if plan else None)
        assessments: list[dict[str, Any]] = [
            {"id": a.id, "date": a.created_at, "level": a.triage_level,
             "muscles": [_muscle_name(kb, m, lang) for m in (a.result or {}).get("muscles", [])[:3]
                         if isinstance(m, dict)]}
            for a in reversed(repo.list_assessments(s, person))
        ]
        who = {"id": person.id, "code": person.code, "name": person.display_name,
               "own": viewer.kind == "local" or (viewer.account is not None and viewer.account.person_id == person.id)}
        history = [
            {"date": e.entry_date.isoformat(), "date_text": _date_text(e.entry_date, lang), "pain": e.pain,
             "areas": _region_words(kb, list(e.regions), lang, _),
             "done": [_item_title(kb, d.item_id, lang) for d in e.done], "note": e.note or ""}
            for e in reversed(entries[-HISTORY_ROWS:])
        ]
        last_regions = [(r.region, r.side) for r in entries[-1].regions] if entries else []
        version = f"{len(entries)}-{max((e.updated_at for e in entries), default=today).isoformat()}"
        viewer_kind = viewer.kind
    if state is None:
        marks: set[str] = set()
        for region, side in last_regions:
            for sd in BODY_SIDES if side == "both" else (side,):
                marks.add(f"{region}:{sd}" if sd else region)
        state = EntryForm(date=today.isoformat(), regions=marks)
    from .present import LEVEL_TEXT

    done_choices = [{"id": iid, "label": _item_title(kb, iid, lang, data)} for iid, data in plan_items]
    in_plan = {c["id"] for c in done_choices}
    other_exercises = sorted(
        ({"id": eid, "label": ex.title.of(lang)} for eid, ex in kb.exercises.items() if eid not in in_plan),
        key=lambda c: c["label"].casefold(),
    )
    for a in assessments:
        a["date_text"] = _date_text(a["date"].date(), lang)
        level_title = LEVEL_TEXT[a["level"]][0] if a["level"] in LEVEL_TEXT else ""
        a["level_text"] = _(level_title) if level_title else ""
    groups = region_groups(kb, lang, _, {k: 5 for k in state.regions})
    return render(
        request, "diary.html", status=status, lang=lang,
        who=who, viewer_kind=viewer_kind, errors=errors or [], error_fields={e.field for e in errors or []},
        form=state, today=today.isoformat(), max_date=(today + MAX_FUTURE).isoformat(),
        groups=groups, n_regions=len(state.regions), done_choices=done_choices, other_exercises=other_exercises,
        other_done=len(state.done - in_plan),
        history=history, n_entries=len(entries), plot_version=version,
        freq=frequency_map(kb, counts, n_days, lang, _), stalled=stalled, plan_weeks=PLAN_WEEKS,
        assessments=assessments, flash=_flash(request, lang, _), from_words=from_words,
    )


@router.get("/diary")
def diary_home(request: Request) -> Response:
    with record_scope(request) as s:
        viewer = require_viewer(request, s)
        if viewer.kind == "clinician":
            target = "/patients"
        else:
            person = own_person(s, viewer)
            if person is None:
                raise HTTPException(404)
            target = f"/diary/{person.id}"
    return RedirectResponse(_with_lang(target, request), status_code=303)


@router.get("/patients")
def patients(request: Request) -> Response:
    from sqlalchemy import func, select

    from ..store import repo
    from ..store.models import DiaryEntry

    lang = request_lang(request)
    with record_scope(request) as s:
        viewer = require_viewer(request, s)
        if viewer.kind != "clinician" or viewer.account is None:
            return RedirectResponse(_with_lang("/diary", request), status_code=303)
        people = repo.patients_of(s, viewer.account)
        stats = {
            pid: (n, last)
            for pid, n, last in s.execute(
                select(DiaryEntry.person_id, func.count(DiaryEntry.id), func.max(DiaryEntry.entry_date))
                .where(DiaryEntry.person_id.in_([p.id for p in people]))
                .group_by(DiaryEntry.person_id)
            )
        }
        repo.record_audit(s, viewer.account, "list", "person", None, ip=client_ip(request),
                          detail={"count": len(people)})
        rows = [
            {"id": p.id, "code": p.code, "name": p.display_name or "", "entries": stats.get(p.id, (0, None))[0],
             "last": _date_text(stats[p.id][1], lang) if p.id in stats and stats[p.id][1] else ""}
            for p in people
        ]
        username = viewer.name
    return render(request, "patients.html", lang=lang, rows=rows, username=username)


@router.get("/diary/{pid}")
def diary(request: Request, pid: str) -> Response:
    return diary_page(request, pid)


@router.post("/diary/{pid}/entries")
def add_entry(request: Request, pid: str, form: Form) -> Response:
    from ..store import repo
    from ..store.errors import DuplicateEntry, ValidationError

    _ = ui_gettext(request)
    vocab = _vocab(request)
    state = _form_state(form)
    try:
        with record_scope(request) as s:
            viewer = require_viewer(request, s, page=False)
            check_form(request, viewer, form)
            person = _open(s, request, viewer, pid, "update")
            values, errors = _validate(form, vocab, _, dt.date.today())
            if errors:
                raise _Invalid(errors)
            try:
                entry = repo.add_diary_entry(
                    s, person, date=values["date"], pain=values["pain"], regions=values["regions"],
                    done=values["done"], note=values["note"], replace=state.replace, vocab=vocab,
                    actor=viewer.actor, ip=client_ip(request),
                )
            except DuplicateEntry as exc:
                raise _Invalid([friendly_error(exc, _)], show_replace=True) from None
            except ValidationError as exc:
                raise _Invalid([friendly_error(exc, _)]) from None
            day, person_id = entry.entry_date.isoformat(), person.id
    except _Invalid as exc:
        state.show_replace = exc.show_replace or state.replace
        return diary_page(request, pid, status=422, errors=exc.errors, state=state)
    # committed: the entry is saved (acknowledged)
    return RedirectResponse(_with_lang(f"/diary/{person_id}?saved={day}", request), status_code=303)


@router.post("/diary/{pid}/entries/{day}/delete")
def delete_entry(request: Request, pid: str, day: str, form: Form) -> Response:
    from ..store import repo
    from ..store.errors import ValidationError

    with record_scope(request) as s:
        viewer = require_viewer(request, s, page=False)
        check_form(request, viewer, form)
        person = _open(s, request, viewer, pid, "update")
        try:
            repo.delete_entry(s, person, day, actor=viewer.actor, ip=client_ip(request))
        except ValidationError:
            raise HTTPException(404) from None
        person_id = person.id
    return RedirectResponse(_with_lang(f"/diary/{person_id}?deleted={day}", request), status_code=303)


@router.get("/diary/{pid}/plot.{fmt}")
def plot(request: Request, pid: str, fmt: str, size: str = "") -> Response:
    from ..store import plot as store_plot
    from ..store import repo

    if fmt not in ("png", "svg"):
        raise HTTPException(404)
    lang = request_lang(request)
    with record_scope(request) as s:
        viewer = require_viewer(request, s, page=False)
        person = _open(s, request, viewer, pid, "read-plot")
        entries = repo.list_entries(s, person)
        points = store_plot.points_from(repo.adherence(s, person, entries), entries)
    # drawn after the transaction: the database is not held while matplotlib works
    data = store_plot.render(points, fmt, lang=lang, compact=size == "phone")
    return Response(data, media_type="image/png" if fmt == "png" else "image/svg+xml")


@router.get("/diary/{pid}/export.csv")
def export_csv(request: Request, pid: str) -> Response:
    from ..store import export

    with record_scope(request) as s:
        viewer = require_viewer(request, s, page=False)
        person = _open(s, request, viewer, pid, "export-csv")
        text, code = export.export_csv(s, person), person.code
    return Response(text.encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": f'attachment; filename="triggermap-diary-{code}.csv"'})


@router.get("/diary/{pid}/export.fhir.json")
def export_fhir(request: Request, pid: str) -> Response:
    from ..store import export

    lang = request_lang(request)
    with record_scope(request) as s:
        viewer = require_viewer(request, s, page=False)
        person = _open(s, request, viewer, pid, "export-fhir")
        bundle, code = export.export_fhir(s, person, vocab=_vocab(request), lang=lang), person.code
    body = json.dumps(bundle, ensure_ascii=False, indent=2).encode("utf-8")
    return Response(body, media_type="application/fhir+json",
                    headers={"content-disposition": f'attachment; filename="triggermap-{code}-fhir.json"'})


@router.post("/diary/save")
def save_result(request: Request, form: Form) -> Response:
    """Keep the results page's assessment in the own diary (recomputed here from the intake:
    a posted result is never trusted); its plan becomes the current plan."""
    from ..present import localise
    from ..store import repo
    from .api import BodyError, assess_neutral

    kb = request.app.state.kb
    lang = request_lang(request)
    _ = ui_gettext(request, lang)
    doc = intake_from_json(form.get("intake"))
    with record_scope(request) as s:
        viewer = require_viewer(request, s, page=False)
        check_form(request, viewer, form)
        person = own_person(s, viewer)
        if person is None:
            raise HTTPException(403, _("Only a patient's own account has a diary to save a result to."))
        if not isinstance(doc, dict):
            raise HTTPException(422, _("The result could not be saved: the answers were missing. Please start again."))
        try:
            neutral = assess_neutral(doc, kb)
        except BodyError:
            raise HTTPException(422, _("The result could not be saved: some answers were not valid. "
                                       "Please start again.")) from None
        repo.save_assessment(s, person, intake=doc, result=localise(neutral, lang, kb), kb_version=str(kb.version),
                             lang=lang, neutral=neutral.to_json(), actor=viewer.actor, ip=client_ip(request))
        person_id = person.id
    return RedirectResponse(_with_lang(f"/diary/{person_id}?saved=assessment", request), status_code=303)


def _muscle_name(kb: Knowledge, m: dict[str, Any], lang: str) -> str:
    """A saved result's muscle in the reader's language (its saved name if the id is gone)."""
    entry = kb.muscles.get(str(m.get("id")))
    return entry.names.of(lang) if entry else str(m.get("name") or m.get("id") or "")


def _skeleton(r: dict[str, Any]) -> Any:
    """What a result says, without its words: triage, muscles (side, score), conditions, plan."""
    def ids(key: str) -> list[Any]:
        return [x.get("id") for x in r.get(key) or () if isinstance(x, dict)]

    triage = r.get("triage") or {}
    return (triage.get("level"), [x.get("id") for x in triage.get("reasons") or () if isinstance(x, dict)],
            [(m.get("id"), m.get("side"), round(float(m.get("score") or 0), 6), m.get("trigger_points"))
             for m in r.get("muscles") or () if isinstance(m, dict)],
            ids("conditions"), ids("plan"), ids("plan_withheld"), ids("references"))


def _in_language(
    kb: Knowledge, intake: dict[str, Any], result: dict[str, Any], lang: str, neutral: dict[str, Any] | None = None
) -> dict[str, Any] | None:
    """A saved result in another language, or None to keep the saved words: the saved
    language-neutral assessment in ``lang`` (the scores it had when it was saved) or, for a result
    saved before there was one, its saved answers assessed again in ``lang``, used only if that
    gives the same result (the knowledge base may have changed since)."""
    from .api import assess_document, saved_in_language

    if neutral is not None:
        return saved_in_language(kb, neutral, lang)
    try:
        again = assess_document(intake, kb, lang)
    except Exception:  # an intake an older version accepted: keep the saved words
        return None
    return again if _skeleton(again) == _skeleton(result) else None


@router.post("/diary/words")
def diary_words(request: Request, form: Form) -> Response:
    """The start page's "keep my words in my diary" (issue 14): the own diary's quick-add form filled
    from the words (today, the areas they name, their pain score if they give one, the words as the
    note) for the person to check and save. Nothing is stored or logged here: only the diary's own
    Save keeps the note."""
    from ..text import ParseError, parse_text

    lang = request_lang(request)
    _ = ui_gettext(request, lang)
    text = form.get("text").replace("\r\n", "\n").strip()
    text_lang = form.get("lang") if form.get("lang") in LANGS else lang
    with record_scope(request) as s:
        viewer = require_viewer(request, s, page=False)
        check_form(request, viewer, form)
        person = own_person(s, viewer)
        if person is None:
            raise HTTPException(403, _("Only a patient's own account has a diary to save a result to."))
        pid = str(person.id)
    regions: set[str] = set()
    pain = ""
    if text:
        try:
            doc: dict[str, Any] | None = parse_text(text, text_lang, request.app.state.kb)
        except ParseError:
            doc = None  # nothing to draw: the words still go to the note
        if doc is not None:
            for mark in doc["intake"].get("pain", []):
                if mark.get("intensity") == 0:
                    continue  # said not to hurt
                side = mark.get("side")
                for sd in ("left", "right") if side == "both" else (side,):
                    regions.add(f"{mark['region']}:{sd}" if sd else mark["region"])
            said = [e["value"] for e in doc["evidence"] if e["field"] == "intensity"]
            if said:
                pain = str(max(said))  # a score only when the words give one: never guessed
    state = EntryForm(date=dt.date.today().isoformat(), pain=pain, regions=regions, note=text)
    return diary_page(request, pid, state=state, from_words=True)


@router.get("/diary/{pid}/assessments/{aid}")
def saved_result(request: Request, pid: str, aid: str) -> Response:
    """A saved result, shown as it was given, in the reader's language: its saved answers are
    assessed again in that language when that gives the same result; otherwise it keeps the
    language it was saved in, and says so."""
    from ..store import repo
    from . import maps
    from .app import _error_page
    from .forms import intake_json
    from .present import drawing_summary, results_view

    kb = request.app.state.kb
    assessment_id = record_id(aid)
    if assessment_id is None:
        raise HTTPException(404)
    with record_scope(request) as s:
        viewer = require_viewer(request, s)
        person = _open(s, request, viewer, pid, "read-assessment")
        a = repo.get_assessment(s, person, assessment_id)
        intake, result, neutral = dict(a.intake or {}), dict(a.result or {}), a.neutral
        saved_lang = a.lang if a.lang in LANGS else "en"
        created, kb_version, back = a.created_at.date(), a.kb_version, f"/diary/{person.id}"
    reader = request_lang(request)
    lang, kept = saved_lang, False
    if reader != saved_lang:
        again = _in_language(kb, intake, result, reader, neutral)
        if again is not None:
            result, lang = again, reader
        else:
            kept = True
    saved = {"date": _date_text(created, lang), "kb_version": kb_version, "back": back, "kept_language": kept}
    _ = translations(lang).gettext
    try:
        view = results_view(kb, result, lang, _)
        mine = drawing_summary(kb, intake, lang, _)
    except Exception:  # a result saved by an older version whose shape this page no longer reads
        log.exception("saved assessment %s could not be shown", aid)
        return _error_page(request, 500, _("This saved result cannot be shown"),
                           _("It was saved by another version of triggermap. The FHIR export of the diary "
                             "still contains its answers."))
    muscles = result.get("muscles") or []
    charts = {m["id"]: maps.muscle_chart(kb, m["id"], lang, m.get("side"), prefix=f"tm{i}")
              for i, m in enumerate(muscles[:3]) if isinstance(m, dict) and m.get("id") in kb.muscles}
    overview = maps.assessment_chart(kb, result, intake.get("pain", []), lang) if muscles else None
    return render(request, "results.html", lang=lang, view=view, overview=overview, charts=charts, mine=mine,
                  intake=intake_json(intake), saved=saved)
