"""The web app: ``create_app()`` builds it (FastAPI + server-rendered jinja2 pages).

Stateless: an assessment is computed from the submitted answers and nothing is stored.
Safety first: the red-flag questions come before the body map, and an emergency answer shows
the emergency advice before anything else (at once with JavaScript, as the server's answer to
that step without it).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.staticfiles import StaticFiles

from ..vocabulary import AGE_MAX, AGE_MIN, DURATION_MAX_WEEKS, DURATION_MIN_WEEKS
from .i18n import LANG_NAMES, LANGS, choose_lang, translations
from .security import (
    TIMEOUT_MESSAGE,
    BodyLimit,
    GzipPages,
    HeadAsGet,
    RequestTimeout,
    RequestTooLarge,
    SecurityHeaders,
    too_large_message,
)

if TYPE_CHECKING:
    from ..knowledge import Knowledge

log = logging.getLogger("triggermap.web")

WEB_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = WEB_DIR / "templates"
STATIC_DIR = WEB_DIR / "static"
LANG_COOKIE = "lang"


class TriggermapApp(FastAPI):
    """FastAPI with the security middleware *outside* Starlette's error middleware, so that
    every response, a 500 included, carries the security headers."""

    def build_middleware_stack(self) -> Any:
        from .fastpath import FastAssess

        timeout = getattr(self.state, "body_timeout", None)
        # POST /api/v1/assess skips routing and FastAPI's request handling (same answers: .fastpath)
        return HeadAsGet(SecurityHeaders(BodyLimit(FastAssess(GzipPages(super().build_middleware_stack()), self),
                                                   timeout=timeout)))


def _static_version() -> str:
    h = hashlib.sha256()
    for p in sorted(STATIC_DIR.rglob("*")):
        if p.is_file():
            h.update(p.name.encode())
            h.update(p.read_bytes())
    return h.hexdigest()[:10]


#: The intake's limits, for the form's min/max attributes (the parser checks the same numbers).
LIMITS = {"age_min": AGE_MIN, "age_max": AGE_MAX, "weeks_min": DURATION_MIN_WEEKS, "weeks_max": DURATION_MAX_WEEKS}


def _environments() -> dict[str, Any]:
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    from ..present.messages import MESSAGES

    envs = {}
    version = _static_version()
    for lang in LANGS:
        env = Environment(
            loader=FileSystemLoader(str(TEMPLATES_DIR)),
            autoescape=select_autoescape(["html", "xml", "svg"], default=True),
            extensions=["jinja2.ext.i18n"],
            trim_blocks=True,
            lstrip_blocks=True,
        )
        env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
        env.policies["ext.i18n.trimmed"] = True
        env.globals.update(lang=lang, static_version=version, lang_names=LANG_NAMES, langs=LANGS, limits=LIMITS,
                           emergency_advice=MESSAGES["emergency-advice"][lang])
        envs[lang] = env
    return envs


def ui_gettext(request: Request, lang: str | None = None) -> Any:
    """The UI gettext function of the request's language (for strings built in Python)."""
    return translations(lang or request_lang(request)).gettext


def request_lang(request: Request) -> str:
    return choose_lang(
        request.query_params.get("lang"),
        request.cookies.get(LANG_COOKIE),
        request.headers.get("accept-language"),
    )


def render(request: Request, template: str, status: int = 200, lang: str | None = None, **ctx: Any) -> HTMLResponse:
    """Render a page in the request's language; ``?lang=`` is remembered in a cookie."""
    lang = lang or request_lang(request)
    env = request.app.state.envs[lang]
    other = "es" if lang == "en" else "en"
    ctx.setdefault("clinic", request.app.state.clinic)
    html = env.get_template(template).render(
        request=request,
        path=request.url.path,
        other_lang=other,
        toggle_url=_toggle_url(request, other),
        **ctx,
    )
    resp = HTMLResponse(html, status_code=status)
    q = request.query_params.get("lang")
    if q in LANGS and request.cookies.get(LANG_COOKIE) != q:
        resp.set_cookie(LANG_COOKIE, q, max_age=365 * 24 * 3600, samesite="lax", httponly=True)
    return resp


def _toggle_url(request: Request, other: str) -> str:
    """The same page in the other language (a GET page keeps its query; a POSTed page goes home)."""
    from urllib.parse import urlencode

    if request.method != "GET":
        return f"/?lang={other}"
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    params.append(("lang", other))
    return f"{request.url.path}?{urlencode(params)}"


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error_page(request: Request, status: int, title: str, message: str) -> Response:
    try:
        return render(request, "error.html", status=status, status_code=status, title=title, message=message)
    except Exception:  # the error page itself must never fail
        log.exception("error page failed")
        return HTMLResponse("<!doctype html><title>Error</title><p>Something went wrong.</p>", status_code=status)


def _install_error_handlers(app: FastAPI) -> None:
    from .api import error_response

    @app.exception_handler(RequestTooLarge)
    async def too_large(request: Request, exc: RequestTooLarge) -> Response:
        if _is_api(request):
            return error_response(413, "(document)", too_large_message())
        _ = ui_gettext(request)
        return _error_page(request, 413, _("Too much data"), _("The form sent more data than an intake can hold."))

    @app.exception_handler(RequestTimeout)
    async def too_slow(request: Request, exc: RequestTimeout) -> Response:
        resp = error_response(408, "(document)", TIMEOUT_MESSAGE) if _is_api(request) else HTMLResponse(
            f"<!doctype html><title>408</title><p>{TIMEOUT_MESSAGE}.</p>", status_code=408)
        resp.headers["connection"] = "close"
        return resp

    @app.exception_handler(ClientDisconnect)
    async def gone(request: Request, exc: ClientDisconnect) -> Response:
        # the client went away while sending: nobody reads the answer, and it is no server error
        log.debug("client disconnected on %s %s", request.method, request.url.path)
        return Response(status_code=400)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        errs = exc.errors()
        first = errs[0] if errs else {}
        loc = [str(p) for p in first.get("loc", ()) if p not in ("query", "path", "body", "header", "cookie")]
        field = ".".join(loc) or "(request)"
        msg = str(first.get("msg", "is invalid"))
        if _is_api(request):
            return error_response(422, field, msg)
        _ = ui_gettext(request)
        return _error_page(request, 422, _("Something in the request was not valid"), f"{field}: {msg}")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if _is_api(request):
            text = "not found" if exc.status_code == 404 else str(exc.detail)
            resp = error_response(exc.status_code, "(url)", f"{request.url.path}: {text}")
        else:
            _ = ui_gettext(request)
            if exc.status_code == 404:
                resp = _error_page(request, 404, _("Page not found"), _("There is no page at this address."))
            elif exc.status_code == 405:
                resp = _error_page(request, 405, _("Page not found"), _("This address does not take that kind of request."))
            elif exc.status_code == 415:
                resp = _error_page(request, 415, _("The form could not be read"), str(exc.detail))
            else:
                resp = _error_page(request, exc.status_code, _("Something went wrong"), str(exc.detail))
        for k, v in (exc.headers or {}).items():
            resp.headers[k] = v
        return resp

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception) -> Response:
        # logged on the server; the person never sees a traceback
        log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        if _is_api(request):
            return error_response(500, "(server)", "internal error; the request was not processed")
        try:
            _ = ui_gettext(request)
            return _error_page(
                request, 500, _("Something went wrong"),
                _("The page could not be prepared. Nothing was stored. If you answered yes to a warning sign, "
                  "seek medical care now; otherwise please try again."),
            )
        except Exception:
            return HTMLResponse("<!doctype html><title>Error</title><p>Something went wrong.</p>", status_code=500)


def _openapi(app: FastAPI, kb: Knowledge) -> Any:
    from fastapi.openapi.utils import get_openapi

    from ..schemas import intake_schema

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        doc = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes,
        )
        comps = doc.setdefault("components", {}).setdefault("schemas", {})
        intake = json.loads(json.dumps(intake_schema(kb)))
        for key in ("$schema", "$id"):
            intake.pop(key, None)
        defs = intake.pop("$defs", {})
        text = json.dumps(intake)
        for name in defs:
            text = text.replace(f'"#/$defs/{name}"', f'"#/components/schemas/Intake{name}"')
        comps["IntakeDoc"] = json.loads(text)
        for name, sub in defs.items():
            sub_text = json.dumps(sub)
            for other in defs:
                sub_text = sub_text.replace(f'"#/$defs/{other}"', f'"#/components/schemas/Intake{other}"')
            comps[f"Intake{name}"] = json.loads(sub_text)
        app.openapi_schema = doc
        return doc

    return openapi


def create_app(clinic: bool | None = None, kb: Knowledge | None = None, allowed_hosts: list[str] | None = None,
               database_url: str | None = None, body_timeout: float | None = None) -> FastAPI:
    """The triggermap web app. ``clinic`` (default: env ``TRIGGERMAP_CLINIC=1``) opens the
    clinician section by default, shows scores and trigger-point details, and puts the diary
    and every record behind a log-in (accounts, roles, audit log: see :mod:`.accounts`).

    ``database_url`` (default: env ``TRIGGERMAP_DATABASE_URL``, else the SQLite file in the
    user's data directory) is where the diary and clinic records live; nothing is opened
    until a diary page is used.

    ``allowed_hosts`` (default: env ``TRIGGERMAP_ALLOWED_HOSTS``, comma-separated) refuses requests
    whose ``Host`` header names another host: ``triggermap serve`` on loopback sets it to
    ``127.0.0.1,localhost``, so a web page cannot reach the app through DNS rebinding.

    ``body_timeout`` (default: env ``TRIGGERMAP_BODY_TIMEOUT``, else 30 s): a request body not
    complete that many seconds after its headers is answered 408."""
    from ..knowledge import load
    from ..present.views import vocab_all, vocab_items
    from ..schemas import schemas
    from ..store.db import resolve_url
    from . import account_pages, accounts, api, diary, pages
    from . import clinic as clinic_pages

    if clinic is None:
        clinic = os.environ.get("TRIGGERMAP_CLINIC", "") in ("1", "true", "yes")
    if allowed_hosts is None and os.environ.get("TRIGGERMAP_ALLOWED_HOSTS"):
        allowed_hosts = [h.strip() for h in os.environ["TRIGGERMAP_ALLOWED_HOSTS"].split(",") if h.strip()]
    kb = kb if kb is not None else load()
    app = TriggermapApp(
        title="triggermap",
        version="1",
        description="From a pain drawing to red-flag triage, likely myofascial trigger-point sources, "
        "conditions to rule out and self-care. Education and decision support, not a diagnosis.",
        docs_url=None,  # Swagger UI would load from a CDN: the OpenAPI document is at /openapi.json
        redoc_url=None,
    )
    app.state.kb = kb
    app.state.clinic = bool(clinic)
    app.state.allowed_hosts = list(allowed_hosts or [])  # also checked by the fast path (.fastpath)
    if body_timeout is None:
        from .server import BODY_TIMEOUT

        body_timeout = float(os.environ.get("TRIGGERMAP_BODY_TIMEOUT") or BODY_TIMEOUT)
    app.state.body_timeout = body_timeout if body_timeout > 0 else None
    app.state.envs = _environments()
    app.state.cache = {
        "vocab": api.dumps(vocab_all(kb)),
        "muscles": api.dumps(vocab_items(kb, "muscles")),
        "schemas": schemas(kb),
    }
    app.include_router(api.meta)
    app.include_router(api.router)
    app.include_router(pages.router)
    app.state.db_url = resolve_url(database_url)
    accounts.install(app)
    account_pages.install(app)
    app.include_router(diary.router)
    app.include_router(clinic_pages.router)
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
    _install_error_handlers(app)
    if allowed_hosts:
        from starlette.middleware.trustedhost import TrustedHostMiddleware

        app.add_middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts)
    app.openapi = _openapi(app, kb)  # type: ignore[method-assign]
    return app
