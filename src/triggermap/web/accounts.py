"""Who is asking: the local user or a clinic account; log-in, log-out, session cookies, CSRF.

Two modes
---------
* **Single-user** (``triggermap serve``, the default): the diary belongs to one local,
  pseudonymous person (code ``me``, created on first use). There are no accounts, so the
  diary answers only clients on this computer (loopback addresses); ``triggermap serve``
  on loopback also pins the ``Host`` header, so a web page elsewhere cannot reach it
  through DNS rebinding.
* **Clinic** (``triggermap serve --clinic``): every diary and record route needs a log-in.
  Accounts (``triggermap account add``) are clinicians or patients; passwords are stored
  only as argon2id hashes (:mod:`triggermap.store.auth`). A patient sees only their own
  records, a clinician only the patients assigned to them; anything else is answered
  404, exactly like an id that does not exist, and the refusal is written to the audit
  log. Every read and change of a record is audited (:func:`repo.record_audit`).
  An administrator (``account.is_admin``, ``triggermap account admin``) also manages the
  accounts on the web, and everyone changes their own password (:mod:`.account_pages`).

Session cookie
--------------
``tm_session`` holds a random 256-bit token; the database keeps only its SHA-256
(:class:`~triggermap.store.models.AuthSession`), so a copy of the database cannot be used to
log in, and logging out ends the session in every app process at once. The cookie is
``HttpOnly; SameSite=Strict; Path=/`` and ``Secure`` whenever the request came over HTTPS
(directly, or through a reverse proxy that sets ``X-Forwarded-Proto``, believed only from the
addresses given to ``triggermap serve --forwarded-allow-ips``) or ``TRIGGERMAP_SECURE_COOKIES=1``
is set.
On plain-HTTP loopback (``http://127.0.0.1:8000``, the default) it is not ``Secure``:
browsers would refuse to store a ``Secure`` cookie sent over plain HTTP to an IP address,
and the traffic never leaves the computer. A clinic on a network must be served over
HTTPS; ``triggermap serve --clinic`` on a non-loopback address says so at start-up.

CSRF
----
Every state-changing form carries a ``csrf`` field. Logged in (clinic mode), it must equal
the session's own token (``AuthSession.csrf_token``, compared in constant time). Otherwise
(single-user mode, the log-in form) it is a double-submit token: the form field must equal
the ``tm_csrf`` cookie (``HttpOnly; SameSite=Strict``), which another site can neither read
nor set. After log-in the ``tm_csrf`` cookie carries the session's token, so pages render
the right token without a database query. A request that a browser marks as coming from
another site (``Sec-Fetch-Site: cross-site`` / ``same-site``) is refused as well.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException

from .app import render, ui_gettext
from .forms import FormData, FormError
from .security import ASGIApp, Message, Receive, Scope, Send

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ..store.models import Account, Person

log = logging.getLogger("triggermap.web")

SESSION_COOKIE = "tm_session"
CSRF_COOKIE = "tm_csrf"
CSRF_FIELD = "csrf"
LOCAL_CODE = "me"
LOCAL_ACTOR = "local"
LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})
SECURE_ENV = "TRIGGERMAP_SECURE_COOKIES"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32,128}$")

router = APIRouter(include_in_schema=False)


# --- cookies ------------------------------------------------------------------------------


def secure_scope(scope: Scope) -> bool:
    """Cookies get ``Secure`` over HTTPS (or when the deployment says it is behind HTTPS)."""
    return scope.get("scheme") == "https" or os.environ.get(SECURE_ENV, "") in ("1", "true", "yes")


def cookie_header(name: str, value: str, *, secure: bool, max_age: int | None = None) -> str:
    parts = [f"{name}={value}", "Path=/", "HttpOnly", "SameSite=Strict"]
    if max_age is not None:
        parts.append(f"Max-Age={max_age}")
    if secure:
        parts.append("Secure")
    return "; ".join(parts)


def set_cookie(resp: Response, request: Request, name: str, value: str, max_age: int | None = None) -> None:
    resp.headers.append("set-cookie", cookie_header(name, value, secure=secure_scope(request.scope), max_age=max_age))


def clear_cookie(resp: Response, request: Request, name: str) -> None:
    resp.headers.append("set-cookie", cookie_header(name, "", secure=secure_scope(request.scope), max_age=0))


def csrf_token(request: Request) -> str:
    """The CSRF token for the forms of this page (a jinja global: ``{{ csrf_token(request) }}``).

    The session's token when logged in, else the ``tm_csrf`` cookie's, else a new one; a new
    or changed token is sent as a cookie with the response (:class:`CsrfCookie`).
    """
    state = request.state
    token = getattr(state, "csrf", None)
    if token:
        return str(token)
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if _TOKEN.match(cookie):
        token = cookie
    else:
        token = secrets.token_urlsafe(32)
        state.csrf_set = token
    state.csrf = token
    return str(token)


class CsrfCookie:
    """Sends the ``tm_csrf`` cookie when a page handed out a new CSRF token (ASGI middleware)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                token = (scope.get("state") or {}).get("csrf_set")
                if token:
                    header = cookie_header(CSRF_COOKIE, token, secure=secure_scope(scope))
                    message["headers"] = [*message.get("headers", []), (b"set-cookie", header.encode())]
            await send(message)

        await self.app(scope, receive, send_cookie)


def check_csrf(request: Request, form: FormData, expected: str | None = None) -> None:
    """403 unless the form's token matches ``expected`` (the session's) or the double-submit cookie."""
    from ..store.auth import tokens_equal

    _ = ui_gettext(request)
    site = request.headers.get("sec-fetch-site")
    if site in ("cross-site", "same-site"):
        raise HTTPException(403, _("This form was sent from another site, so it was refused."))
    given = form.get(CSRF_FIELD)
    want = expected if expected is not None else request.cookies.get(CSRF_COOKIE, "")
    if not given or not want or not tokens_equal(given, want):
        raise HTTPException(
            403,
            _("The form has expired or did not come from this site, so nothing was saved. "
              "Please go back, reload the page and try again."),
        )


# --- who is asking ----------------------------------------------------------------------


@dataclass
class Viewer:
    """The local user (single-user mode) or a logged-in account (clinic mode)."""

    kind: str  # "local", "clinician" or "patient"
    account: Account | None = None
    csrf: str | None = None  # the session's CSRF token (clinic mode)

    @property
    def actor(self) -> Account | str:
        return self.account if self.account is not None else LOCAL_ACTOR

    @property
    def name(self) -> str:
        return self.account.username if self.account is not None else ""


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def is_clinic(request: Request) -> bool:
    return bool(request.app.state.clinic)


def local_client_allowed(request: Request) -> bool:
    allowed = getattr(request.app.state, "local_clients", LOOPBACK)
    return client_ip(request) in allowed


def db_url(request: Request) -> str:
    return str(request.app.state.db_url)


def current_viewer(request: Request, session: Session) -> Viewer | None:
    """Who is asking (None: not logged in, clinic mode). Single-user mode answers only loopback clients."""
    if not is_clinic(request):
        if not local_client_allowed(request):
            _ = ui_gettext(request)
            raise HTTPException(
                403,
                _("The diary is kept on the computer that runs triggermap and is only shown there. "
                  "To share records over a network, run triggermap in clinic mode, with accounts."),
            )
        return Viewer("local")
    from ..store import repo

    row = repo.session_for_token(session, request.cookies.get(SESSION_COOKIE))
    if row is None:
        return None
    account = row.account
    request.state.viewer_role = (account.role, bool(account.is_admin))  # the page's menu (account_pages.menu_of)
    request.state.csrf = row.csrf_token
    if request.cookies.get(CSRF_COOKIE) != row.csrf_token:
        request.state.csrf_set = row.csrf_token  # re-send it (a page renders forms with it)
    return Viewer(account.role, account=account, csrf=row.csrf_token)


def require_viewer(request: Request, session: Session, *, page: bool = True) -> Viewer:
    """The viewer, or (not logged in) a redirect to the log-in page for a page, 401 for anything else."""
    viewer = current_viewer(request, session)
    if viewer is not None:
        return viewer
    if page and request.method == "GET":
        raise LoginRequired(request.url.path)
    _ = ui_gettext(request)
    raise HTTPException(401, _("Please log in first."))


class LoginRequired(Exception):
    def __init__(self, next_path: str):
        self.next_path = next_path


def login_redirect(request: Request, exc: LoginRequired) -> Response:
    return RedirectResponse(f"/login?next={quote(exc.next_path, safe='/')}", status_code=303)


#: The largest id a record can have: the databases' 64-bit signed INTEGER (a larger number in a
#: URL cannot even be looked up: SQLite's driver refuses it with OverflowError).
MAX_ID = 2**63 - 1


def record_id(raw: str) -> int | None:
    """The record id a URL's path names (ASCII digits, 1 to :data:`MAX_ID`), or None when it names
    none: answer 404, as for an id that does not exist."""
    if not raw.isascii() or not raw.isdigit() or len(raw) > len(str(MAX_ID)):
        return None
    n = int(raw)
    return n if 1 <= n <= MAX_ID else None


def person_for(session: Session, request: Request, viewer: Viewer, pid: str, action: str) -> Person:
    """The person of a URL's ``pid`` if the viewer may see it, else :class:`AccessError` (404); the
    access is audited, refusals too. What is no id at all (letters, or a number no database row can
    have) reaches the store as text, which it refuses as "not an id" without asking the database."""
    from ..store import repo

    ip = client_ip(request)
    n = record_id(pid)
    if viewer.kind == "local":
        from ..store.errors import NotFound

        me = local_person(session)
        if n != me.id:
            raise NotFound("no such person")
        repo.record_audit(session, LOCAL_ACTOR, action, "person", me.id, person_id=me.id, ip=ip)
        return me
    return repo.get_person_for(session, viewer.account, n if n is not None else f"not an id: {pid}",
                               action=action, ip=ip)


def check_form(request: Request, viewer: Viewer, form: FormData) -> None:
    check_csrf(request, form, viewer.csrf if viewer.account is not None else None)


def local_person(session: Session) -> Person:
    from ..store import repo

    return repo.get_or_create_person(session, LOCAL_CODE, actor=LOCAL_ACTOR)[0]


def own_person(session: Session, viewer: Viewer) -> Person | None:
    """The viewer's own diary: the local person, or a patient's person (clinicians have none)."""
    if viewer.kind == "local":
        return local_person(session)
    if viewer.kind == "patient" and viewer.account is not None and viewer.account.person is not None:
        return viewer.account.person
    return None


@contextmanager
def record_scope(request: Request) -> Iterator[Session]:
    """One transaction for a request on the records. A refused access (no such record, or not
    this account's) rolls it back, is written to the audit log in a fresh transaction, and
    becomes a plain 404, the same answer as for an id that does not exist."""
    from ..store import db, repo
    from ..store.errors import AccessError

    url = db_url(request)
    try:
        with db.session_scope(url) as session:
            yield session
    except AccessError as exc:
        if getattr(exc, "audit", None):
            with db.session_scope(url) as session:
                repo.record_denial(session, exc)
        raise HTTPException(404) from None


async def read_form(request: Request) -> FormData:
    from .formbody import read_form as read

    return await read(request, max_fields=1000)


#: A route parameter with the submitted form (parsed before a plain ``def`` route runs in the thread pool).
Form = Annotated[FormData, Depends(read_form)]


def safe_next(value: str | None) -> str | None:
    """A local path to go back to after logging in (never another site)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return None
    if any(ord(c) < 32 for c in value):
        return None
    return value


# --- jinja globals ----------------------------------------------------------------------


def signed_in(request: Request) -> bool:
    return is_clinic(request) and bool(request.cookies.get(SESSION_COOKIE))


# --- log-in / log-out -------------------------------------------------------------------


def _login_page(request: Request, status: int = 200, errors: list[FormError] | None = None,
                username: str = "", next_path: str | None = None, headers: dict[str, str] | None = None) -> Response:
    if not is_clinic(request):
        return RedirectResponse("/diary", status_code=303)
    resp = render(request, "login.html", status=status, errors=errors or [], username=username,
                  next_path=next_path or "")
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    return _login_page(request, next_path=safe_next(next))


@router.post("/login")
def login(request: Request, form: Form) -> Response:
    from ..store import auth, db, repo
    from ..store.errors import RateLimited

    if not is_clinic(request):
        return RedirectResponse("/diary", status_code=303)
    check_csrf(request, form)
    _ = ui_gettext(request)
    username = form.get("username").strip()[:150]
    password = auth.Password(form.get("password"))
    next_path = safe_next(form.get("next"))
    ip = client_ip(request)
    url = db_url(request)
    token = csrf = role = None
    person_id: int | None = None
    try:
        with db.session_scope(url) as session:
            old = request.cookies.get(SESSION_COOKIE)
            if old:
                repo.end_auth_session(session, old)
            repo.purge_expired(session)
            account = repo.authenticate(session, username, password, ip=ip)
            if account is not None:
                token, row = repo.create_auth_session(session, account)
                csrf, role, person_id = row.csrf_token, account.role, account.person_id
    except RateLimited as exc:
        with db.session_scope(url) as session:
            repo.record_denial(session, exc)
        return _login_page(
            request, 429, [FormError("username", _("Too many failed log-ins from here. Please wait %(seconds)d "
                                                   "seconds and try again.") % {"seconds": exc.retry_after})],
            username=username, next_path=next_path, headers={"retry-after": str(exc.retry_after)},
        )
    if token is None or csrf is None:
        return _login_page(request, 401, [FormError("password", _("The user name or the password is wrong."))],
                           username=username, next_path=next_path)
    default = "/patients" if role == "clinician" else f"/diary/{person_id}"
    resp = RedirectResponse(next_path or default, status_code=303)
    set_cookie(resp, request, SESSION_COOKIE, token, max_age=int(repo.SESSION_TTL.total_seconds()))
    request.state.csrf_set = csrf  # the page after log-in renders its forms with the session's token
    return resp


@router.post("/logout")
def logout(request: Request, form: Form) -> Response:
    from ..store import db, repo

    token = request.cookies.get(SESSION_COOKIE)
    if is_clinic(request) and token:
        with db.session_scope(db_url(request)) as session:
            row = repo.session_for_token(session, token)
            if row is not None:
                check_csrf(request, form, row.csrf_token)
                repo.record_audit(session, row.account, "logout", "account", row.account_id,
                                  ip=client_ip(request))
                repo.end_auth_session(session, token)
    resp = RedirectResponse("/login" if is_clinic(request) else "/", status_code=303)
    clear_cookie(resp, request, SESSION_COOKIE)
    request.state.csrf_set = secrets.token_urlsafe(32)
    return resp


def install(app: FastAPI) -> None:
    """Routes, the CSRF cookie middleware, the log-in redirect and the template globals."""

    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, exc: LoginRequired) -> Response:
        return login_redirect(request, exc)

    app.add_middleware(CsrfCookie)
    app.include_router(router)
    for env in app.state.envs.values():
        env.globals.update(csrf_token=csrf_token, signed_in=signed_in)  # menu_of, diary_available: account_pages
