"""Server-rendered pages: the intake (safety questions, then the body map), results, handout,
muscle library. Every page works without JavaScript; the script only enhances it."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from ..vocabulary import LANGS, LEVELS_SEVERE_FIRST, closest
from . import maps, screeners
from .api import BodyError, assess_document
from .app import render, request_lang, ui_gettext
from .forms import (
    FormData,
    FormError,
    FormState,
    check_intake,
    decode_intake,
    encode_intake,
    intake_from_form,
    intake_json,
    state_from_intake,
)
from .present import (
    drawing_summary,
    flag_summaries,
    region_groups,
    results_view,
    vocab_choices,
)

if TYPE_CHECKING:
    from ..knowledge import Knowledge

router = APIRouter(include_in_schema=False)

async def _form(request: Request) -> FormData:
    from .formbody import read_form

    return await read_form(request, max_fields=2000)


def _triage_rules(kb: Knowledge) -> list[dict[str, Any]]:
    """Combination rules that only need red-flag answers (the script can apply them at once)."""
    out = []
    for rule in kb.rules:
        ids = rule.all_of + rule.any_of
        if rule.min_age is None and ids and all(i in kb.red_flags for i in ids):
            out.append({"id": rule.id, "all_of": list(rule.all_of), "any_of": list(rule.any_of),
                        "level": rule.level})
    return out


def _all_flags(kb: Knowledge, lang: str) -> list[dict[str, str]]:
    return [{"id": fid, "label": f.label.of(lang), "reason": f.reason.of(lang), "level": f.level}
            for fid, f in kb.red_flags.items()]


def _rules_json(kb: Knowledge, lang: str) -> str:
    rules = _triage_rules(kb)
    reasons = {r.id: r.reason.of(lang) for r in kb.rules if r.id in {x["id"] for x in rules}}
    return json.dumps({"rules": rules, "reasons": reasons}, ensure_ascii=False).replace("<", "\\u003c")


def _safety_page(request: Request, selected: list[str], status: int = 200,
                 errors: list[FormError] | None = None, answers: dict[str, str] | None = None,
                 mostly: str = "") -> Response:
    kb = request.app.state.kb
    lang = request_lang(request)
    _ = ui_gettext(request, lang)
    answers = answers or {}
    chosen = set(selected)
    general = screeners.general_screeners(kb, lang, _, chosen, answers)
    skip = screeners.asked_flags(())
    by_area = screeners.area_screeners(kb, lang, _, [a for a in screeners.MOSTLY if a != "lower"], chosen,
                                       answers, skip=skip)
    return render(
        request, "safety.html", status=status, lang=lang,
        general=general,
        by_area=by_area,
        mostly_choices=[{"id": k, "label": _(v[0])} for k, v in screeners.MOSTLY.items()],
        mostly=mostly if mostly in screeners.MOSTLY else "lower",
        all_flags=_all_flags(kb, lang),
        selected=chosen,
        rules_json=_rules_json(kb, lang),
        errors=errors or [],
    )


@router.get("/")
async def home(request: Request) -> Response:
    return _safety_page(request, [])


def _step1_flags(form: FormData) -> list[str]:
    """Every tick of step 1 counts, also one left under an area no longer chosen (a browser
    without :has shows every area's questions): a stale yes errs on the safe side."""
    return screeners.collect_flags(form)


@router.post("/")
async def home_again(request: Request) -> Response:
    """The safety questions again, ticks kept (the language toggle posts here)."""
    kb = request.app.state.kb
    form = await _form(request)
    return _safety_page(request, [f for f in _step1_flags(form) if f in kb.red_flags],
                        answers=screeners.screener_answers(form), mostly=form.get("mostly"))


@router.get("/api")
async def api_page(request: Request) -> Response:
    return render(request, "api.html")


def _pain_page(request: Request, state: FormState, status: int = 200,
               errors: list[FormError] | None = None, detail: str = "") -> Response:
    kb = request.app.state.kb
    lang = request_lang(request)
    _ = ui_gettext(request, lang)
    flags = flag_summaries(kb, state.red_flags, lang)
    pending = [a for a in screeners.AREAS if a not in state.asked]
    area_groups = screeners.area_screeners(
        kb, lang, _, pending, set(), {}, skip=screeners.asked_flags(state.asked) | set(state.red_flags))
    views = maps.body_maps(lang)
    first_view = screeners.MOSTLY.get(state.mostly or "lower", ("", "back"))[1]
    return render(
        request, "pain.html", status=status, lang=lang,
        state=state,
        area_groups=area_groups,
        pending_areas=sorted({g["area"] for g in area_groups}),
        region_areas=screeners.region_area_map(kb),
        all_flags=_all_flags(kb, lang),
        rules_json=_rules_json(kb, lang),
        first_view=first_view if first_view in views else next(iter(views), ""),
        groups=region_groups(kb, lang, _, state.marks),
        views=views,
        close_ups={v: maps.view_label(v, lang) for v in maps.CLOSE_UPS},
        qualities=vocab_choices(kb, "qualities", lang),
        aggravating=vocab_choices(kb, "aggravating", lang),
        history=vocab_choices(kb, "history", lang),
        findings=vocab_choices(kb, "findings", lang),
        flags=flags,
        worst_flag=_worst(flags),
        errors=errors or [],
        error_fields={e.field for e in errors or []},
        detail=detail,
    )


def _worst(flags: list[dict[str, str]]) -> str | None:
    levels = [f["level"] for f in flags]
    for lv in LEVELS_SEVERE_FIRST:
        if lv in levels:
            return lv
    return None


def _emergency_page(request: Request, assessment: dict[str, Any], red_flags: list[str],
                    mostly: str = "") -> Response:
    kb = request.app.state.kb
    lang = request_lang(request)
    _ = ui_gettext(request, lang)
    return render(
        request, "emergency.html", lang=lang,
        view=results_view(kb, assessment, lang, _),
        red_flags=red_flags,
        mostly=mostly,
    )


@router.post("/check")
async def check_safety(request: Request) -> Response:
    """Step 1 answered: an emergency answer shows the emergency advice before anything else."""
    from ..engine import IntakeError, assess

    kb = request.app.state.kb
    form = await _form(request)
    rf = _step1_flags(form)
    mostly = form.get("mostly") if form.get("mostly") in screeners.MOSTLY else "lower"
    unknown = [f for f in rf if f not in kb.red_flags]
    if unknown:
        _ = ui_gettext(request)
        return _safety_page(request, [f for f in rf if f in kb.red_flags], status=422,
                            errors=[FormError("rf", _("One of the answers was not recognised; please answer again."))],
                            answers=screeners.screener_answers(form), mostly=mostly)
    if rf and form.get("ack") != "1":
        try:
            a = assess({"version": 1, "red_flags": rf}, kb, request_lang(request))
        except IntakeError:  # pragma: no cover - ids checked above
            a = None
        if a is not None and a["triage"]["level"] == "emergency":
            return _emergency_page(request, a, rf, mostly)
    from urllib.parse import urlencode

    params = [("rf", f) for f in rf] + [("mostly", mostly)]
    q = request.query_params.get("lang")
    if q in LANGS:
        params.append(("lang", q))
    # post/redirect/get: Back from the results comes to a page, not to a form resubmission
    return RedirectResponse("/where?" + urlencode(params), status_code=303)


@router.get("/where")
async def where(request: Request) -> Response:
    """The body map (step 2), with the safety answers carried in the query."""
    kb = request.app.state.kb
    qp = request.query_params
    rf = [f for f in dict.fromkeys(qp.getlist("rf")) if f in kb.red_flags]
    mostly = str(qp.get("mostly") or "lower")
    if mostly not in screeners.MOSTLY:
        mostly = "lower"
    asked = [mostly] if mostly in screeners.AREAS else []
    return _pain_page(request, FormState(red_flags=rf, asked=asked, mostly=mostly))


@router.get("/check")
async def check_get(request: Request) -> Response:
    return RedirectResponse("/", status_code=303)


@router.get("/results")
async def results_get(request: Request, i: str = "", s: str = "") -> Response:
    """A result's own URL: the intake travels in ``?i=`` and is assessed again on every load, so
    Back, reload and the language toggle all work and nothing is stored on the server. ``?s=``
    lists the next questions the person skipped (``field:value``, comma-separated)."""
    lang = request_lang(request)
    doc = decode_intake(i)
    a = _assessed(request, doc, lang, who="self")
    if isinstance(a, Response):
        return a
    assert doc is not None
    skipped = [k for k in s.split(",") if k.count(":") == 1][:MAX_SKIPPED] if s else []
    return _results_page(request, doc, a, lang, result_url=f"/results?i={i}",
                         ask=_next_question(request, doc, a, skipped))


#: Most skipped questions a results URL carries.
MAX_SKIPPED = 30


def _next_question(request: Request, doc: dict[str, Any], a: dict[str, Any], skipped: list[str]) -> dict[str, Any] | None:
    """The first next question the person has not skipped, with one link per answer: each link
    is the results URL of the intake with that answer added (so answering re-ranks at once), and
    one more to skip it. Palpation (pressing a spot) has three answers: familiar pain, tender
    only, not tender."""
    import copy

    _ = ui_gettext(request, request_lang(request))
    todo = [q for q in a.get("next_questions", []) if f"{q['field']}:{q['value']}" not in skipped]
    if not todo:
        return None
    q = todo[0]
    key = f"{q['field']}:{q['value']}"

    def url(new: dict[str, Any] | None, skip: list[str]) -> str:
        token = encode_intake(doc if new is None else new)
        return f"/results?i={token}" + (f"&s={','.join(skip)}" if skip else "")

    def with_(field: str, value: str, yes: bool) -> dict[str, Any]:
        new = copy.deepcopy(doc)
        if yes:
            new.setdefault(field, []).append(value)
        else:
            new.setdefault("absent", {}).setdefault(field, []).append(value)
        return new

    def pressed(tender: bool, reproduces: bool | None) -> dict[str, Any]:
        new = copy.deepcopy(doc)
        entry: dict[str, Any] = {"muscle": q["value"], "tender": tender}
        if q.get("side"):
            entry["side"] = q["side"]
        if reproduces is not None:
            entry["reproduces"] = reproduces
        new.setdefault("palpation", []).append(entry)
        return new

    if q["field"] == "palpation":
        answers = [
            (_("Yes, it brings on my usual pain"), url(pressed(True, True), skipped)),
            (_("It is tender, but it is not my pain"), url(pressed(True, False), skipped)),
            (_("No, it is not tender"), url(pressed(False, None), skipped)),
        ]
    else:
        answers = [
            (_("Yes"), url(with_(q["field"], q["value"], True), skipped)),
            (_("No"), url(with_(q["field"], q["value"], False), skipped)),
        ]
    return {
        "text": q["text"],
        "why": q["why"],
        "answers": answers,
        "skip": url(None, [*skipped, key]),
        "left": len(todo),
    }


@router.post("/results")
async def results(request: Request) -> Response:
    from ..engine import IntakeError, assess

    kb = request.app.state.kb
    lang = request_lang(request)
    _ = ui_gettext(request, lang)
    form = await _form(request)
    doc, state, errors = intake_from_form(form, kb, _)
    if errors:
        return _pain_page(request, state, status=422, errors=errors)
    more = _more_safety(request, form, doc, state)
    if more is not None:
        return more
    try:
        a = assess(doc, kb, lang)
    except IntakeError as exc:
        return _pain_page(
            request, state, status=422,
            errors=[FormError(exc.field, _("Some answers could not be used. Please check the form and try again."))],
            detail=f"{exc.field}: {exc.message}",
        )
    del a  # assessed again by the page it redirects to (post/redirect/get)
    q = request.query_params.get("lang")
    tail = f"&lang={q}" if q in LANGS else ""
    return RedirectResponse(f"/results?i={encode_intake(doc)}{tail}", status_code=303)


def _more_safety(request: Request, form: FormData, doc: dict[str, Any], state: FormState) -> Response | None:
    """The screeners of the areas the drawing reached that were not asked yet (without the script,
    the body-map page cannot show them as you tap): a short extra page before the results."""
    kb = request.app.state.kb
    lang = request_lang(request)
    _ = ui_gettext(request, lang)
    missing = sorted(screeners.drawing_areas(kb, doc.get("pain", [])) & set(screeners.AREAS) - set(state.asked),
                     key=screeners.AREAS.index)
    if not missing:
        return None
    groups = screeners.area_screeners(kb, lang, _, missing, set(), {},
                                      skip=screeners.asked_flags(state.asked) | set(state.red_flags))
    if not groups:
        return None
    carried = [(k, v) for k, v in form.items()
               if k not in ("rf", "asked") and not k.startswith(("rf.", "sg."))]
    carried += [("rf", f) for f in state.red_flags]
    carried += [("asked", a) for a in [*state.asked, *missing]]
    return render(
        request, "safety-more.html", lang=lang,
        groups=groups,
        areas=[_(screeners.AREA_NAMES[a]) for a in missing],
        carried=carried,
        all_flags=_all_flags(kb, lang),
        rules_json=_rules_json(kb, lang),
        selected=set(),
    )


@router.post("/draft")
async def draft(request: Request) -> Response:
    """The body-map form again with what was entered so far (the language toggle posts here)."""
    kb = request.app.state.kb
    form = await _form(request)
    _doc, state, _errors = intake_from_form(form, kb, ui_gettext(request))
    return _pain_page(request, state)


@router.post("/view")
async def view(request: Request) -> Response:
    """A results page from an intake carried in the page (the language toggle posts here)."""
    lang = request_lang(request)
    form = await _form(request)
    doc = _intake_from_hidden(form)
    a = _assessed(request, doc, lang)
    if isinstance(a, Response):
        return a
    assert doc is not None
    return _results_page(request, doc, a, lang)


def _assessed(request: Request, doc: Any, lang: str, who: str | None = None) -> dict[str, Any] | Response:
    """The assessment of an intake carried by a page or a URL, or the page to show instead:
    back to the start when there is none, the "start again" page when it does not assess."""
    if doc is None:
        return RedirectResponse("/", status_code=303)
    try:
        return assess_document(doc, request.app.state.kb, lang, who=who)
    except BodyError:
        return _bad_handout(request)


def _results_page(request: Request, doc: dict[str, Any], a: dict[str, Any], lang: str,
                  result_url: str = "", ask: dict[str, Any] | None = None) -> Response:
    kb = request.app.state.kb
    _ = ui_gettext(request, lang)
    view = results_view(kb, a, lang, _)
    return render(
        request, "results.html", lang=lang,
        view=view,
        overview=maps.assessment_chart(kb, a, doc.get("pain", []), lang) if a["muscles"] else None,
        overview_key=maps.overview_key(a, doc.get("pain", []), lang),
        charts=_muscle_charts(kb, a, lang),
        mine=drawing_summary(kb, doc, lang, _),
        intake=intake_json(doc),
        result_url=result_url,
        ask=ask,
    )


def _muscle_charts(kb: Knowledge, a: dict[str, Any], lang: str, top: int = 3) -> dict[str, Any]:
    return {m["id"]: maps.muscle_chart(kb, m["id"], lang, m["side"], prefix=f"tm{i}")
            for i, m in enumerate(a["muscles"][:top])}


def _intake_from_hidden(form: FormData) -> Any:
    raw = form.get("intake")
    try:
        doc = json.loads(raw) if raw else None
    except (ValueError, RecursionError):
        return None
    return doc if isinstance(doc, dict) else None


@router.post("/edit")
async def edit(request: Request) -> Response:
    """Back from the results to the form, with every answer filled in."""
    form = await _form(request)
    doc = _intake_from_hidden(form)
    if doc is None:
        return RedirectResponse("/", status_code=303)
    check_intake(doc, request.app.state.kb, "intake")
    return _pain_page(request, state_from_intake(doc))


@router.post("/handout.pdf")
async def handout_pdf(request: Request) -> Response:
    """The printable handout as a PDF (the same content as the results page's print view)."""
    from .limits import pdf_limit

    limited = await pdf_limit(request)
    if limited is not None:
        return limited
    kb = request.app.state.kb
    lang = request_lang(request)
    form = await _form(request)
    doc = _intake_from_hidden(form)
    if doc is None:
        return _bad_handout(request)
    try:
        a = assess_document(doc, kb, lang)
    except BodyError:
        return _bad_handout(request)
    from .handout import render_pdf

    html = _handout_html(request, doc, a, lang)
    pdf = await run_in_threadpool(render_pdf, html)
    name = "triggermap-handout.pdf" if lang == "en" else "triggermap-hoja.pdf"
    return Response(pdf, media_type="application/pdf",
                    headers={"content-disposition": f'attachment; filename="{name}"'})


def _reference_links(kb: Knowledge, refs: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The references as short ids, each with a link where the reference has one (DOI, PubMed, URL)."""
    out = []
    for r in refs:
        ref = kb.references.get(r["id"])
        link = ("" if ref is None else f"https://doi.org/{ref.doi}" if ref.doi else
                f"https://pubmed.ncbi.nlm.nih.gov/{ref.pmid}/" if ref.pmid else ref.url or "")
        out.append({"id": r["id"], "link": link})
    return out


def _handout_html(request: Request, doc: dict[str, Any], a: dict[str, Any], lang: str, for_print: bool = False,
                  back_url: str = "") -> str:
    """The handout's HTML: the PDF's source, and the page the browser prints (``for_print``)."""
    kb = request.app.state.kb
    _ = ui_gettext(request, lang)
    env = request.app.state.envs[lang]
    return str(env.get_template("handout.html").render(
        view=results_view(kb, a, lang, _),
        overview=maps.assessment_chart(kb, a, doc.get("pain", []), lang) if a["muscles"] else None,
        overview_key=maps.overview_key(a, doc.get("pain", []), lang),
        charts=_muscle_charts(kb, a, lang),
        mine=drawing_summary(kb, doc, lang, _),
        refs=_reference_links(kb, a["references"]),
        clinic=request.app.state.clinic,
        today=_today(lang),
        for_print=for_print,
        back_url=back_url,
    ))


@router.get("/handout")
async def handout_page(request: Request, i: str = "") -> Response:
    """The handout as a page to print (the same markup as the PDF): ``?i=`` as for /results."""
    from fastapi.responses import HTMLResponse

    lang = request_lang(request)
    doc = decode_intake(i)
    a = _assessed(request, doc, lang)
    if isinstance(a, Response):
        return a
    assert doc is not None
    html = _handout_html(request, doc, a, lang, for_print=True, back_url=f"/results?i={i}&lang={lang}")
    return HTMLResponse(html)


def _today(lang: str) -> str:
    import datetime

    from babel.dates import format_date

    return str(format_date(datetime.date.today(), format="long", locale=lang))


def _bad_handout(request: Request) -> Response:
    from .app import _error_page

    _ = ui_gettext(request)
    return _error_page(request, 422, _("Something in the request was not valid"),
                       _("The handout needs the answers from a results page. Please start again."))


# --- muscle library --------------------------------------------------------------------


def _fold(text: str) -> str:
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))


@router.get("/muscles")
async def muscles(request: Request, q: str = "") -> Response:
    kb = request.app.state.kb
    lang = request_lang(request)
    q = q.strip()[:100]
    needle = _fold(q)
    items = []
    for mid, m in kb.muscles.items():
        regions = {z.region for tp in m.trigger_points for z in tp.essential + tp.spillover}
        region_words = " ".join(kb.regions[r].label.of(lg) for r in regions for lg in LANGS)
        hay = _fold(" ".join([mid, *(m.names.of(lg) for lg in LANGS), m.names.la,
                              m.summary.of(lang), region_words]))
        if needle and needle not in hay:
            continue
        items.append({"id": mid, "name": m.names.of(lang), "latin": m.names.la, "summary": m.summary.of(lang),
                      "search": hay})
    items.sort(key=lambda x: _fold(x["name"]))
    return render(request, "muscles.html", lang=lang, items=items, q=q, total=len(kb.muscles))


@router.get("/muscles/{muscle_id}")
async def muscle(request: Request, muscle_id: str) -> Response:
    from ..present.views import muscle_card

    kb = request.app.state.kb
    lang = request_lang(request)
    _ = ui_gettext(request, lang)
    if muscle_id not in kb.muscles:
        close = closest(muscle_id, kb.muscles, cutoff=0.5)
        return render(request, "error.html", status=404, lang=lang, status_code=404,
                      title=_("Muscle not found"), message=_("There is no muscle with this name in the library."),
                      suggestion=({"href": f"/muscles/{close}", "text": kb.muscles[close].names.of(lang)}
                                  if close else None))
    card = muscle_card(kb, muscle_id, lang)
    return render(request, "muscle.html", lang=lang, card=card, chart=maps.muscle_chart(kb, muscle_id, lang))
