"""Clinic mode: the accounts pages of the clinic's administrator, and a password change for everyone.

``/accounts`` (administrators only: ``account.is_admin``, made with ``triggermap account admin``)
lists every account and lets the administrator add one, disable or enable it, set a new password
and assign or unassign a clinician to a person: the same store functions as ``triggermap account``,
each audited with the administrator as the actor. Anyone else (logged in, not an administrator)
is answered 404, as for a record that is not theirs (:mod:`.accounts`), and the refusal is
written to the audit log. In single-user mode there are no accounts, so these pages do not exist.

``/account/password`` lets every logged-in account change its own password: the current
password is checked (with the log-in rate limit), and every other session of the account ends.

:func:`menu_of` tells ``base.html`` which menu fits the viewer (a clinician's "My patients",
a patient's "My diary", an administrator's "Accounts"), with one query per page at most.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException

from .accounts import (
    SESSION_COOKIE,
    Form,
    Viewer,
    check_form,
    client_ip,
    db_url,
    is_clinic,
    local_client_allowed,
    record_id,
    record_scope,
    require_viewer,
    set_cookie,
)
from .app import render, ui_gettext
from .forms import FormError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ..store.errors import ValidationError
    from .present import Gettext

log = logging.getLogger("triggermap.web")

router = APIRouter(include_in_schema=False)

# --- the menu ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Menu:
    """What the menu offers: ``role`` is "local" (single-user), "clinician", "patient" or ""
    (clinic mode, not logged in); ``admin``: the account may manage accounts."""

    role: str
    admin: bool = False


def menu_of(request: Request) -> Menu:
    """The viewer's menu (a jinja global): from the request when a route already looked the viewer
    up, else one read-only query of the session cookie; nothing in single-user mode."""
    cached = getattr(request.state, "menu", None)
    if isinstance(cached, Menu):
        return cached
    known = getattr(request.state, "viewer_role", None)  # set by accounts.current_viewer
    if not is_clinic(request):
        menu = Menu("local")
    elif isinstance(known, tuple):
        menu = Menu(str(known[0]), bool(known[1]))
    else:
        menu = _menu_from_cookie(request)
    request.state.menu = menu
    return menu


def _menu_from_cookie(request: Request) -> Menu:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return Menu("")
    from sqlalchemy import select

    from ..store import auth, db
    from ..store.models import Account, AuthSession, utcnow

    try:
        with db.session_scope(db_url(request), readonly=True) as s:
            row = s.execute(
                select(Account.role, Account.is_admin)
                .join(AuthSession, AuthSession.account_id == Account.id)
                .where(AuthSession.token_hash == auth.token_hash(token), AuthSession.expires_at > utcnow(),
                       Account.is_active.is_(True))
            ).first()
    except Exception:  # the menu must never break a page: show the logged-out menu
        log.exception("menu: could not look up the session")
        return Menu("")
    return Menu(str(row[0]), bool(row[1])) if row is not None else Menu("")


def diary_available(request: Request) -> bool:
    """Whether a page may offer "Save to my diary": only the local user and patients have a diary
    (a clinician's "save" would be refused)."""
    if not is_clinic(request):
        return local_client_allowed(request)
    return menu_of(request).role == "patient"


# --- helpers ----------------------------------------------------------------------------


def _admin(request: Request, s: Session, *, page: bool = True) -> Viewer:
    """The logged-in administrator; 404 for everyone else (audited), like a record not theirs."""
    from ..store.errors import Forbidden

    if not is_clinic(request):
        raise HTTPException(404)
    viewer = require_viewer(request, s, page=page)
    if viewer.account is None or not viewer.account.is_admin:
        exc = Forbidden("not an administrator")
        name, account_id = (f"{viewer.account.role}:{viewer.account.username}", viewer.account.id) \
            if viewer.account else ("anonymous", None)  # as repo.record_audit names an account
        exc.audit = {"actor": name, "account_id": account_id, "action": "admin-denied", "record_type": "account",
                     "record_id": None, "person_id": None, "ip": client_ip(request),
                     "detail": {"path": request.url.path[:200]}}
        raise exc
    return viewer


def _lang_suffix(request: Request, sep: str = "?") -> str:
    q = request.query_params.get("lang")
    return f"{sep}lang={q}" if q in ("en", "es") else ""


def _done(request: Request, what: str) -> Response:
    return RedirectResponse(f"/accounts?done={what}{_lang_suffix(request, '&')}", status_code=303)


def account_error(exc: ValidationError, _: Gettext) -> FormError:
    """A store :class:`ValidationError` about an account as a sentence naming the field."""
    from ..store.auth import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH

    fld, problem = str(exc.field), str(exc.problem)
    value = str(exc.value)[:60]
    if fld == "username":
        if problem == "this user name is taken":
            return FormError("username", _("User name: “%(value)s” is taken; choose another.") % {"value": value})
        if problem == "no such account":
            return FormError("username", _("User name: there is no account “%(value)s”.") % {"value": value})
        return FormError("username", _("User name: use 3 to 150 of a-z, 0-9 and . _ @ + - (starting with a "
                                       "letter or digit)."))
    if fld == "password":
        return FormError("password", _("Password: use %(min)d to %(max)d characters.")
                         % {"min": MIN_PASSWORD_LENGTH, "max": MAX_PASSWORD_LENGTH})
    if fld == "role":
        return FormError("role", _("Role: choose clinician or patient."))
    if fld == "person":
        if "already has an account" in problem:
            return FormError("person", _("Patient id: %(value)s already has an account (one account per "
                                         "person).") % {"value": value})
        return FormError("person", _("Patient id: use 1 to 64 letters, digits, “.”, “_” or “-”, starting with "
                                     "a letter or digit. A patient account needs one."))
    if fld == "clinician":
        return FormError("clinician", _("Clinician: choose a clinician's account."))
    if fld == "name":
        return FormError("name", _("Name: one line of text, without tabs or line breaks."))
    return FormError(fld, _("This answer could not be used: %(value)s") % {"value": value})


def _accounts_page(request: Request, s: Session, viewer: Viewer, *, status: int = 200,
                   errors: list[FormError] | None = None, values: dict[str, str] | None = None) -> Response:
    from ..store import repo

    _ = ui_gettext(request)
    accounts = repo.list_accounts(s)
    rows: list[dict[str, Any]] = []
    for a in accounts:
        if a.role == "clinician":
            links = [{"code": p.code, "name": p.display_name or ""} for p in repo.patients_of(s, a)]
        elif a.person is not None:
            links = [{"username": c.username} for c in repo.clinicians_of(s, a.person)]
        else:
            links = []
        rows.append({"id": a.id, "username": a.username, "role": a.role, "active": a.is_active,
                     "admin": a.is_admin, "self": a.id == (viewer.account.id if viewer.account else None),
                     "code": a.person.code if a.person else "",
                     "name": (a.person.display_name or "") if a.person else "", "links": links})
    clinicians = [r["username"] for r in rows if r["role"] == "clinician"]
    codes = repo.person_codes(s)
    repo.record_audit(s, viewer.actor, "list", "account", None, ip=client_ip(request),
                      detail={"count": len(rows)})
    done = request.query_params.get("done")
    messages = {
        "added": _("The account was added."),
        "disabled": _("The account was disabled: it can no longer log in, and its sessions have ended."),
        "enabled": _("The account was enabled again."),
        "password": _("The new password was set; every session of that account has ended."),
        "assigned": _("The clinician now sees that patient's records."),
        "unassigned": _("The clinician no longer sees that patient's records."),
    }
    return render(request, "accounts.html", status=status, rows=rows, clinicians=clinicians, codes=codes,
                  errors=errors or [], values=values or {}, flash=messages.get(done or ""))


# --- /accounts (administrators) ---------------------------------------------------------


@router.get("/accounts")
def accounts_page(request: Request) -> Response:
    with record_scope(request) as s:
        viewer = _admin(request, s)
        return _accounts_page(request, s, viewer)


def _refused(request: Request, viewer_errors: list[FormError], values: dict[str, str]) -> Response:
    """The accounts page again with the errors (422); nothing was changed."""
    with record_scope(request) as s:
        viewer = _admin(request, s, page=False)
        return _accounts_page(request, s, viewer, status=422, errors=viewer_errors, values=values)


@router.post("/accounts/add")
def add_account(request: Request, form: Form) -> Response:
    from ..store import auth, repo
    from ..store.errors import ValidationError

    _ = ui_gettext(request)
    values = {k: form.get(k).strip()[:200] for k in ("username", "role", "person", "name")}
    try:
        with record_scope(request) as s:
            viewer = _admin(request, s, page=False)
            check_form(request, viewer, form)
            if any(c in values["name"] for c in "\t\r\n"):  # other control characters: .formbody
                raise ValidationError("name", values["name"], "is not one line of text")
            person = None
            if values["role"] == "patient":
                if not values["person"]:
                    raise ValidationError("person", "", "a patient account needs a person")
                code = repo.check_person_code(values["person"])
                person = repo.get_or_create_person(s, code, actor=viewer.actor)[0]
                if values["name"] and not person.display_name:
                    person.display_name = values["name"]
            repo.create_account(s, values["username"], auth.Password(form.get("password")), values["role"],
                                person=person, actor=viewer.actor)
    except ValidationError as exc:
        return _refused(request, [account_error(exc, _)], values)
    return _done(request, "added")


def _target(s: Session, aid: str) -> Any:
    from ..store.models import Account

    n = record_id(aid)
    account = s.get(Account, n) if n is not None else None
    if account is None:
        raise HTTPException(404)
    return account


@router.post("/accounts/{aid}/active")
def set_active(request: Request, aid: str, form: Form) -> Response:
    from ..store import repo

    _ = ui_gettext(request)
    active = form.get("active")
    with record_scope(request) as s:
        viewer = _admin(request, s, page=False)
        check_form(request, viewer, form)
        if active not in ("0", "1"):
            raise HTTPException(422, _("Active: must be 1 (enable) or 0 (disable)."))
        account = _target(s, aid)
        if account.id == viewer.account.id and active == "0":  # type: ignore[union-attr]
            raise HTTPException(422, _("You cannot disable your own account: another administrator "
                                       "(or triggermap account disable) can."))
        repo.set_active(s, account, active == "1", actor=viewer.actor)
    return _done(request, "enabled" if active == "1" else "disabled")


@router.post("/accounts/{aid}/password")
def reset_password(request: Request, aid: str, form: Form) -> Response:
    from ..store import auth, repo
    from ..store.errors import ValidationError

    _ = ui_gettext(request)
    try:
        with record_scope(request) as s:
            viewer = _admin(request, s, page=False)
            check_form(request, viewer, form)
            account = _target(s, aid)
            own = account.id == viewer.account.id  # type: ignore[union-attr]
            repo.set_password(s, account, auth.Password(form.get("password")), actor=viewer.actor)
    except ValidationError as exc:
        err = account_error(exc, _)
        return _refused(request, [FormError(f"password-{aid}", err.message)], {})
    if own:  # its own sessions ended as well: log in again with the new password
        return RedirectResponse("/login?next=/accounts", status_code=303)
    return _done(request, "password")


def _assignment(request: Request, form: Any, assign: bool) -> Response:
    from sqlalchemy import select

    from ..store import repo
    from ..store.errors import NotFound, ValidationError
    from ..store.models import Account

    _ = ui_gettext(request)
    values = {"clinician": form.get("clinician").strip()[:150], "patient": form.get("patient").strip()[:64]}
    try:
        with record_scope(request) as s:
            viewer = _admin(request, s, page=False)
            check_form(request, viewer, form)
            clinician = s.scalar(select(Account).where(Account.username == repo.normalise_username(
                values["clinician"])))
            if clinician is None or clinician.role != "clinician":
                raise ValidationError("clinician", values["clinician"], "no such clinician account")
            try:
                person = repo.get_person(s, values["patient"])
            except NotFound:
                raise ValidationError("patient", values["patient"], "no such person") from None
            change = repo.assign_patient if assign else repo.unassign_patient
            change(s, clinician, person, actor=viewer.actor)
    except ValidationError as exc:
        if exc.field == "patient":
            err = FormError("patient", _("Patient id: there is no patient “%(value)s”.") % {"value": values["patient"]})
        else:
            err = account_error(exc, _)
        return _refused(request, [err], values)
    return _done(request, "assigned" if assign else "unassigned")


@router.post("/accounts/assign")
def assign(request: Request, form: Form) -> Response:
    return _assignment(request, form, True)


@router.post("/accounts/unassign")
def unassign(request: Request, form: Form) -> Response:
    return _assignment(request, form, False)


# --- /account/password (everyone) -------------------------------------------------------


def _password_page(request: Request, status: int = 200, errors: list[FormError] | None = None,
                   done: bool = False, headers: dict[str, str] | None = None) -> Response:
    resp = render(request, "password.html", status=status, errors=errors or [], done=done)
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


@router.get("/account/password")
def password_form(request: Request) -> Response:
    if not is_clinic(request):
        raise HTTPException(404)
    with record_scope(request) as s:
        require_viewer(request, s)
    return _password_page(request, done=request.query_params.get("done") == "1")


@router.post("/account/password")
def change_password(request: Request, form: Form) -> Response:
    """Check the current password (rate-limited like a log-in), set the new one, end every session of
    the account and start a new one for this browser."""
    from ..store import auth, db, repo
    from ..store.errors import RateLimited, ValidationError

    if not is_clinic(request):
        raise HTTPException(404)
    _ = ui_gettext(request)
    current, new = auth.Password(form.get("current")), auth.Password(form.get("password"))
    url = db_url(request)
    errors: list[FormError] = []
    token = csrf = None
    try:
        with record_scope(request) as s:
            viewer = require_viewer(request, s, page=False)
            check_form(request, viewer, form)
            account = viewer.account
            assert account is not None  # clinic mode: a logged-in account
            if new.reveal() != form.get("confirm"):
                errors.append(FormError("confirm", _("Repeat the new password: the two new passwords differ.")))
            else:
                try:
                    auth.check_password_policy(new)
                except ValidationError as exc:
                    errors.append(account_error(exc, _))
            if not errors:
                ok = repo.authenticate(s, account.username, current, ip=client_ip(request))
                if ok is None:
                    errors.append(FormError("current", _("Current password: this is not the password of "
                                                         "this account.")))
                else:
                    repo.set_password(s, account, new, actor=account)  # every session ends
                    token, row = repo.create_auth_session(s, account)
                    csrf = row.csrf_token
    except RateLimited as exc:
        with db.session_scope(url) as s2:
            repo.record_denial(s2, exc)
        return _password_page(request, 429, [FormError("current", _(
            "Too many failed log-ins from here. Please wait %(seconds)d seconds and try again.")
            % {"seconds": exc.retry_after})], headers={"retry-after": str(exc.retry_after)})
    if errors or token is None or csrf is None:
        return _password_page(request, 422, errors)
    resp = RedirectResponse(f"/account/password?done=1{_lang_suffix(request, '&')}", status_code=303)
    set_cookie(resp, request, SESSION_COOKIE, token, max_age=int(repo.SESSION_TTL.total_seconds()))
    request.state.csrf_set = csrf
    return resp


def install(app: FastAPI) -> None:
    """The routes and the template globals (after :func:`.accounts.install`)."""
    app.include_router(router)
    for env in app.state.envs.values():
        env.globals.update(menu_of=menu_of, diary_available=diary_available)

