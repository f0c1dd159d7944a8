"""Repository functions: every read and write of the records goes through here.

Every function takes a SQLAlchemy ``Session`` (see :func:`triggermap.store.db.session_scope`)
and leaves committing to the caller, so a web request or CLI command is one transaction:
either everything it did is saved or nothing is. Validation happens before the first
write, so bad input writes nothing.

Role checks for clinic mode live here too (:func:`get_person_for`, :func:`can_access`),
so the web layer cannot forget them: a patient sees only their own person, a clinician only
the people assigned to them.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from ..vocabulary import BODY_SIDES, CONTROL_RE, INTENSITY_MAX, INTENSITY_MIN, LANGS
from . import auth
from .errors import AccessError, DuplicateEntry, Forbidden, NotFound, RateLimited, ValidationError
from .models import (
    ROLES,
    Account,
    Assessment,
    AuditLog,
    AuthSession,
    ClinicianPatient,
    DiaryDone,
    DiaryEntry,
    DiaryRegion,
    Examination,
    LoginAttempt,
    Person,
    Plan,
    PlanItem,
    utcnow,
)
from .vocab import Vocab, check_plan_item, closest, current_vocab, parse_region

PERSON_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@+-]{2,149}$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAX_NOTE = 4000
MIN_DATE = dt.date(1900, 1, 1)
#: how far ahead a diary date may be: a person east of the server may already be on tomorrow
MAX_FUTURE = dt.timedelta(days=1)


# Log-in throttling (see :func:`login_delay`): failed log-ins within the window are counted per
# (user name, client address) and per client address; past the free ones, each further
# failure doubles the wait before the next attempt from that client, up to LOGIN_MAX_DELAY.
# Nothing is counted per account alone, so wrong passwords from one client never lock the
# owner out on another.
LOGIN_WINDOW = dt.timedelta(hours=1)
FREE_FAILURES_PER_CLIENT = 3  # per (user name, address); a success from there starts again
FREE_FAILURES_PER_IP = 10  # per address, over every user name
LOGIN_BASE_DELAY = dt.timedelta(seconds=2)
LOGIN_MAX_DELAY = dt.timedelta(minutes=15)
SESSION_TTL = dt.timedelta(hours=8)

Actor = Account | str | None


# --- audit ------------------------------------------------------------------------------

_SECRET_KEYS = re.compile(r"pass|secret|token|hash", re.I)


def _actor_fields(actor: Actor) -> tuple[str, int | None]:
    if isinstance(actor, Account):
        return f"{actor.role}:{actor.username}", actor.id
    return (actor or "anonymous"), None


def record_audit(
    session: Session,
    actor: Actor,
    action: str,
    record_type: str,
    record_id: object = None,
    *,
    person_id: int | None = None,
    detail: Mapping[str, Any] | None = None,
    ip: str | None = None,
) -> AuditLog:
    """Append one row to the audit log: who did ``action`` to which record, when.

    Keys of ``detail`` that look like secrets (password, token, hash ...) are dropped.
    """
    name, account_id = _actor_fields(actor)
    clean = {k: v for k, v in (detail or {}).items() if not _SECRET_KEYS.search(k)} or None
    row = AuditLog(
        actor=name[:200],
        account_id=account_id,
        action=action,
        record_type=record_type,
        record_id=None if record_id is None else str(record_id)[:64],
        person_id=person_id,
        detail=clean,
        ip=ip,
    )
    session.add(row)
    session.flush()
    return row


def list_audit(session: Session, *, person_id: int | None = None, limit: int = 200) -> list[AuditLog]:
    q = select(AuditLog).order_by(AuditLog.id.desc()).limit(limit)
    if person_id is not None:
        q = q.where(AuditLog.person_id == person_id)
    return list(session.scalars(q))


# --- persons ----------------------------------------------------------------------------


def new_person_code() -> str:
    """A random pseudonymous code such as ``P-7KQ3X9MA`` (no names, nothing guessable)."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "P-" + "".join(secrets.choice(alphabet) for _ in range(8))


def check_person_code(code: str, field: str = "person") -> str:
    code = (code or "").strip()
    if not PERSON_CODE.match(code):
        raise ValidationError(
            field,
            code,
            "not a valid person id",
            allowed="1-64 letters, digits, '.', '_' or '-', starting with a letter or digit",
        )
    return code


def create_person(
    session: Session,
    code: str | None = None,
    *,
    display_name: str | None = None,
    lang: str | None = None,
    actor: Actor = None,
) -> Person:
    code = check_person_code(code) if code else new_person_code()
    if lang is not None and lang not in LANGS:
        raise ValidationError("lang", lang, "unknown language", allowed=", ".join(LANGS))
    if session.scalar(select(Person.id).where(Person.code == code)) is not None:
        raise ValidationError("person", code, "a person with this id already exists")
    person = Person(code=code, display_name=display_name, lang=lang)
    session.add(person)
    session.flush()
    if actor is not None:
        record_audit(session, actor, "create", "person", person.id, person_id=person.id)
    return person


def get_person(session: Session, code: str) -> Person:
    """The person with this pseudonymous code (NotFound otherwise). No access check: local use."""
    person = session.scalar(select(Person).where(Person.code == code))
    if person is None:
        raise NotFound(f"no person {code!r}")
    return person


def person_codes(session: Session) -> list[str]:
    return list(session.scalars(select(Person.code).order_by(Person.code)))


def unknown_person_error(session: Session, code: str, field: str = "person") -> ValidationError:
    codes = person_codes(session)
    return ValidationError(
        field,
        code,
        "no such person",
        allowed="an existing person id (`diary add` creates one)"
        if codes
        else "none yet: `diary add` creates one",
        suggestion=closest(code, codes),
    )


def get_or_create_person(session: Session, code: str, *, actor: Actor = None) -> tuple[Person, bool]:
    """The person with ``code``, created if new. Safe when two processes race to create it."""
    code = check_person_code(code)
    person = session.scalar(select(Person).where(Person.code == code))
    if person is not None:
        return person, False
    try:
        with session.begin_nested():
            person = Person(code=code)
            session.add(person)
            session.flush()
    except IntegrityError:
        # another process created it between our SELECT and INSERT
        person = session.scalar(select(Person).where(Person.code == code))
        if person is None:
            raise
        return person, False
    if actor is not None:
        record_audit(session, actor, "create", "person", person.id, person_id=person.id)
    return person, True


# --- diary ------------------------------------------------------------------------------


def parse_date(value: dt.date | str, field: str = "date") -> dt.date:
    """A real calendar date, ``YYYY-MM-DD`` when given as text."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        day = value
    else:
        text = str(value).strip()
        if not DATE_RE.match(text):
            raise ValidationError(field, value, "not a date", allowed="YYYY-MM-DD, e.g. 2024-03-15")
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            raise ValidationError(
                field, value, "this date does not exist", allowed="a real calendar date, YYYY-MM-DD"
            ) from None
    if day < MIN_DATE:
        raise ValidationError(field, value, "date too early", allowed=f"{MIN_DATE.isoformat()} or later")
    return day


PAIN_ALLOWED = f"a whole number from {INTENSITY_MIN} to {INTENSITY_MAX}"


def parse_pain(value: int | str, field: str = "pain") -> int:
    """Pain on the 0-10 numeric rating scale (the intake's intensity scale), a whole number."""
    if isinstance(value, bool):
        raise ValidationError(field, value, "not a whole number", allowed=PAIN_ALLOWED)
    if isinstance(value, int):
        pain = value
    else:
        text = str(value).strip()
        if not re.fullmatch(r"[+-]?\d+", text):
            raise ValidationError(field, value, "not a whole number", allowed=PAIN_ALLOWED)
        if len(text) > 6:  # int() refuses very long digit strings; any this long is out of range
            raise ValidationError(field, text, "out of range", allowed=PAIN_ALLOWED)
        pain = int(text)
    if not INTENSITY_MIN <= pain <= INTENSITY_MAX:
        raise ValidationError(field, value, "out of range", allowed=PAIN_ALLOWED)
    return pain


RegionInput = str | tuple[str, str | None] | Mapping[str, Any]


def parse_regions(
    regions: Iterable[RegionInput], vocab: Vocab, field: str = "region"
) -> list[tuple[str, str | None]]:
    """``"id"``, ``"id:side"``, ``(id, side)`` or ``{"region": id, "side": s}`` -> unique pairs."""
    out: list[tuple[str, str | None]] = []
    for item in regions:
        if isinstance(item, str):
            token = item
        elif isinstance(item, Mapping):
            side = item.get("side")
            token = f"{item.get('region', '')}:{side}" if side else str(item.get("region", ""))
        else:
            region, side = item
            token = f"{region}:{side}" if side else region
        pair = parse_region(token, vocab, field)
        if pair not in out:
            out.append(pair)
    return out


def _validate_entry(
    date: dt.date | str,
    pain: int | str,
    regions: Iterable[RegionInput],
    done: Iterable[str],
    note: str | None,
    vocab: Vocab,
) -> tuple[dt.date, int, list[tuple[str, str | None]], list[str], str | None]:
    day = parse_date(date)
    if day > dt.date.today() + MAX_FUTURE:
        raise ValidationError("date", day.isoformat(), "in the future", allowed="a day that has begun (at most tomorrow)")
    level = parse_pain(pain)
    pairs = parse_regions(regions, vocab)
    items: list[str] = []
    for item in done:
        value = check_plan_item(item, vocab)
        if value not in items:
            items.append(value)
    if note is not None:
        note = note.strip() or None
        if note is not None and len(note) > MAX_NOTE:
            raise ValidationError(
                "note", note[:40] + "...", "too long", allowed=f"at most {MAX_NOTE} characters"
            )
        if note is not None and "\x00" in note:
            raise ValidationError("note", note[:40], "contains a NUL character", allowed="text")
        if note is not None and CONTROL_RE.search(note):
            raise ValidationError("note", note[:40], "contains a control character",
                                  allowed="text (line breaks and tabs are fine)")
    return day, level, pairs, items, note


def add_diary_entry(
    session: Session,
    person: Person,
    *,
    date: dt.date | str,
    pain: int | str,
    regions: Iterable[RegionInput] = (),
    done: Iterable[str] = (),
    note: str | None = None,
    replace: bool = False,
    vocab: Vocab | None = None,
    actor: Actor = None,
    ip: str | None = None,
) -> DiaryEntry:
    """Add the entry for ``date`` (one per person and date).

    Raises :class:`ValidationError` for bad input and :class:`DuplicateEntry` when the date
    already has an entry and ``replace`` is false; nothing is written in either case.
    With ``replace=True`` the existing entry is updated in place (same id).
    """
    regions, done = list(regions), list(done)
    if vocab is None:
        # the knowledge base is only needed to check ids
        vocab = current_vocab() if regions or done else Vocab(regions={}, plan_items=frozenset())
    day, level, pairs, items, note = _validate_entry(date, pain, regions, done, note, vocab)
    existing = session.scalar(
        select(DiaryEntry)
        .where(DiaryEntry.person_id == person.id, DiaryEntry.entry_date == day)
        .options(selectinload(DiaryEntry.regions), selectinload(DiaryEntry.done))
    )
    if existing is not None and not replace:
        raise _duplicate(day)
    if existing is not None:
        existing.pain = level
        existing.note = note
        existing.updated_at = utcnow()
        existing.regions.clear()
        existing.done.clear()
        session.flush()  # delete the old children before inserting new ones (unique keys)
        existing.regions.extend(DiaryRegion(region=r, side=s) for r, s in pairs)
        existing.done.extend(DiaryDone(item_id=i) for i in items)
        session.flush()
        entry, action = existing, "update"
    else:
        entry = DiaryEntry(
            person_id=person.id,
            entry_date=day,
            pain=level,
            note=note,
            regions=[DiaryRegion(region=r, side=s) for r, s in pairs],
            done=[DiaryDone(item_id=i) for i in items],
        )
        try:
            with session.begin_nested():
                session.add(entry)
                session.flush()
        except IntegrityError:
            # another writer added this date between our SELECT and INSERT (PostgreSQL)
            raise _duplicate(day) from None
        action = "create"
    if actor is not None:
        record_audit(
            session,
            actor,
            action,
            "diary_entry",
            entry.id,
            person_id=person.id,
            detail={"date": day.isoformat()},
            ip=ip,
        )
    return entry


def _duplicate(day: dt.date) -> DuplicateEntry:
    return DuplicateEntry(
        "date",
        day.isoformat(),
        "there is already an entry for this date",
        allowed="one entry per date; replace it with --replace (CLI) or replace=True",
    )


def list_entries(
    session: Session,
    person: Person,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> list[DiaryEntry]:
    """The person's entries in date order (``start``/``end`` inclusive)."""
    q = (
        select(DiaryEntry)
        .where(DiaryEntry.person_id == person.id)
        .options(selectinload(DiaryEntry.regions), selectinload(DiaryEntry.done))
        .order_by(DiaryEntry.entry_date)
    )
    if start is not None:
        q = q.where(DiaryEntry.entry_date >= start)
    if end is not None:
        q = q.where(DiaryEntry.entry_date <= end)
    return list(session.scalars(q))


def get_entry(session: Session, person: Person, date: dt.date | str) -> DiaryEntry:
    day = parse_date(date)
    entry = session.scalar(
        select(DiaryEntry)
        .where(DiaryEntry.person_id == person.id, DiaryEntry.entry_date == day)
        .options(selectinload(DiaryEntry.regions), selectinload(DiaryEntry.done))
    )
    if entry is None:
        raise NotFound(f"no entry on {day.isoformat()}")
    return entry


def delete_entry(
    session: Session, person: Person, date: dt.date | str, *, actor: Actor = None, ip: str | None = None
) -> None:
    entry = get_entry(session, person, date)
    entry_id = entry.id
    session.delete(entry)
    session.flush()
    if actor is not None:
        record_audit(
            session,
            actor,
            "delete",
            "diary_entry",
            entry_id,
            person_id=person.id,
            detail={"date": entry.entry_date.isoformat()},
            ip=ip,
        )


def region_dict(region: str, side: str | None) -> dict[str, str]:
    return {"region": region, "side": side} if side else {"region": region}


def entry_to_dict(entry: DiaryEntry) -> dict[str, Any]:
    """The JSON form of an entry (``diary list --format json``, web API)."""
    return {
        "id": entry.id,
        "date": entry.entry_date.isoformat(),
        "pain": entry.pain,
        "regions": [region_dict(r.region, r.side) for r in entry.regions],
        "done": [d.item_id for d in entry.done],
        "note": entry.note,
        "created_at": entry.created_at.isoformat(),
        "updated_at": entry.updated_at.isoformat(),
    }


def region_days(
    session: Session, person: Person, *, start: dt.date | None = None, end: dt.date | None = None
) -> tuple[Counter[tuple[str, str | None]], int]:
    """How many days each (region, side) hurt, and the number of diary days.

    ``both`` counts for ``left`` and ``right``; midline regions have side ``None``. Divide
    by the number of days for the body map's shading.
    """
    q = (
        select(DiaryRegion.region, DiaryRegion.side, func.count(func.distinct(DiaryEntry.id)))
        .join(DiaryEntry, DiaryEntry.id == DiaryRegion.entry_id)
        .where(DiaryEntry.person_id == person.id)
        .group_by(DiaryRegion.region, DiaryRegion.side)
    )
    nq = select(func.count(DiaryEntry.id)).where(DiaryEntry.person_id == person.id)
    if start is not None:
        q = q.where(DiaryEntry.entry_date >= start)
        nq = nq.where(DiaryEntry.entry_date >= start)
    if end is not None:
        q = q.where(DiaryEntry.entry_date <= end)
        nq = nq.where(DiaryEntry.entry_date <= end)
    counts: Counter[tuple[str, str | None]] = Counter()
    for region, side, n in session.execute(q):
        for s in BODY_SIDES if side == "both" else (side,):
            counts[(region, s)] += n
    return counts, int(session.scalar(nq) or 0)


def adherence(
    session: Session, person: Person, entries: Sequence[DiaryEntry] | None = None
) -> list[dict[str, Any]]:
    """Per diary date: plan items done, items in the plan current that day, and the share.

    Without a plan that day, ``planned`` and ``share`` are None.
    """
    entries = list_entries(session, person) if entries is None else entries
    plans = list(
        session.scalars(
            select(Plan)
            .where(Plan.person_id == person.id)
            .options(selectinload(Plan.items))
            .order_by(Plan.created_at)
        )
    )
    out = []
    for e in entries:
        current = [p for p in plans if p.created_at.date() <= e.entry_date]
        plan = current[-1] if current else None
        done = {d.item_id for d in e.done}
        if plan is not None and plan.items:
            ids = {i.item_id for i in plan.items}
            n_done = len(done & ids)
            out.append(
                {"date": e.entry_date, "done": n_done, "planned": len(ids), "share": n_done / len(ids)}
            )
        else:
            out.append({"date": e.entry_date, "done": len(done), "planned": None, "share": None})
    return out


# --- assessments and plans --------------------------------------------------------------


def save_assessment(
    session: Session,
    person: Person,
    *,
    intake: Mapping[str, Any],
    result: Mapping[str, Any],
    kb_version: str,
    lang: str = "en",
    neutral: Mapping[str, Any] | None = None,
    make_plan: bool = True,
    actor: Actor = None,
    ip: str | None = None,
) -> Assessment:
    """Keep an assessment exactly as it was given (and its plan as the current plan): the
    document in ``lang`` and, when given, the language-neutral assessment it was made from
    (``triggermap.Assessment.to_json()``), from which it can be shown in another language."""
    if lang not in LANGS:
        raise ValidationError("lang", lang, "unknown language", allowed=", ".join(LANGS))
    triage = result.get("triage")
    level = triage.get("level") if isinstance(triage, Mapping) else None
    a = Assessment(
        person_id=person.id,
        intake=dict(intake),
        result=dict(result),
        kb_version=kb_version,
        lang=lang,
        triage_level=level,
        neutral=dict(neutral) if neutral is not None else None,
    )
    session.add(a)
    session.flush()
    if actor is not None:
        record_audit(session, actor, "create", "assessment", a.id, person_id=person.id, ip=ip)
    plan_items = result.get("plan")
    if make_plan and isinstance(plan_items, list) and plan_items:
        save_plan(session, person, plan_items, assessment=a, lang=lang, actor=actor, ip=ip)
    return a


def list_assessments(session: Session, person: Person) -> list[Assessment]:
    return list(
        session.scalars(
            select(Assessment).where(Assessment.person_id == person.id).order_by(Assessment.created_at)
        )
    )


def get_assessment(session: Session, person: Person, assessment_id: int) -> Assessment:
    a = session.get(Assessment, assessment_id)
    if a is None or a.person_id != person.id:
        raise NotFound(f"no assessment {assessment_id}")
    return a


def save_plan(
    session: Session,
    person: Person,
    items: Sequence[Mapping[str, Any] | str],
    *,
    assessment: Assessment | None = None,
    lang: str = "en",
    actor: Actor = None,
    ip: str | None = None,
) -> Plan:
    """A new current plan. ``items`` are plan entries of an assessment (dicts with ``id``) or ids."""
    plan = Plan(person_id=person.id, assessment_id=assessment.id if assessment else None, lang=lang)
    seen: set[str] = set()
    for pos, item in enumerate(items):
        data = {"id": item} if isinstance(item, str) else dict(item)
        item_id = str(data.get("id") or "")
        if not item_id:
            raise ValidationError(f"plan[{pos}].id", item, "a plan item needs an id")
        if item_id in seen:
            continue
        seen.add(item_id)
        kind = data.get("kind")
        plan.items.append(
            PlanItem(position=pos, item_id=item_id, kind=kind if isinstance(kind, str) else None, data=data)
        )
    session.add(plan)
    session.flush()
    if actor is not None:
        record_audit(session, actor, "create", "plan", plan.id, person_id=person.id, ip=ip)
    return plan


def current_plan(session: Session, person: Person) -> Plan | None:
    return session.scalar(
        select(Plan)
        .where(Plan.person_id == person.id)
        .options(selectinload(Plan.items))
        .order_by(Plan.created_at.desc(), Plan.id.desc())
        .limit(1)
    )


# --- accounts and access ----------------------------------------------------------------


def normalise_username(username: str) -> str:
    return (username or "").strip().lower()


def create_account(
    session: Session,
    username: str,
    password: str | auth.Password,
    role: str,
    *,
    person: Person | None = None,
    actor: Actor = None,
) -> Account:
    """A clinic account. Patients are linked to their person; the password is stored hashed."""
    name = normalise_username(username)
    if not USERNAME.match(name):
        raise ValidationError(
            "username",
            username,
            "not a valid user name",
            allowed="3-150 of a-z, 0-9, '.', '_', '@', '+', '-'",
        )
    if role not in ROLES:
        raise ValidationError(
            "role", role, "unknown role", allowed=", ".join(ROLES), suggestion=closest(role, ROLES)
        )
    if role == "patient" and person is None:
        raise ValidationError("person", None, "a patient account needs a person", allowed="a person id")
    auth.check_password_policy(password)
    if session.scalar(select(Account.id).where(Account.username == name)) is not None:
        raise ValidationError("username", name, "this user name is taken")
    if person is not None:
        holder = session.scalar(select(Account.username).where(Account.person_id == person.id))
        if holder is not None:
            raise ValidationError(
                "person", person.code, f"this person already has an account ({holder})",
                allowed="one account per person",
            )
    account = Account(
        username=name,
        password_hash=auth.hash_password(password),
        role=role,
        person_id=person.id if person else None,
    )
    session.add(account)
    session.flush()
    record_audit(
        session,
        actor or "system",
        "create",
        "account",
        account.id,
        person_id=account.person_id,
        detail={"username": name, "role": role},
    )
    return account


def set_password(
    session: Session, account: Account, password: str | auth.Password, *, actor: Actor = None
) -> None:
    auth.check_password_policy(password)
    account.password_hash = auth.hash_password(password)
    account.password_changed_at = utcnow()
    # log out every session of this account
    session.execute(delete(AuthSession).where(AuthSession.account_id == account.id))
    session.flush()
    record_audit(session, actor or account, "update", "account", account.id, detail={"what": "password"})


def get_account(session: Session, username: str) -> Account:
    """The account with this user name (case-insensitive); :class:`ValidationError` otherwise."""
    name = normalise_username(username)
    account = session.scalar(select(Account).where(Account.username == name))
    if account is None:
        names = list(session.scalars(select(Account.username).order_by(Account.username)))
        raise ValidationError("username", username, "no such account", suggestion=closest(name, names))
    return account


def end_sessions_of(session: Session, account: Account) -> int:
    """Log the account out everywhere; the number of sessions ended."""
    result = session.execute(delete(AuthSession).where(AuthSession.account_id == account.id))
    return int(getattr(result, "rowcount", 0) or 0)


def set_active(session: Session, account: Account, active: bool, *, actor: Actor = None) -> None:
    """Disable (it can no longer log in, its sessions end at once) or enable an account."""
    account.is_active = active
    if not active:
        end_sessions_of(session, account)
    session.flush()
    record_audit(session, actor or "system", "enable" if active else "disable", "account", account.id,
                 person_id=account.person_id, detail={"username": account.username})


def set_admin(session: Session, account: Account, admin: bool, *, actor: Actor = None) -> None:
    """Let an account manage the clinic's accounts on the web (``/accounts``), or stop it."""
    account.is_admin = admin
    session.flush()
    record_audit(session, actor or "system", "grant-admin" if admin else "revoke-admin", "account", account.id,
                 person_id=account.person_id, detail={"username": account.username})


def list_accounts(session: Session) -> list[Account]:
    """Every account, by user name (with its person)."""
    return list(session.scalars(select(Account).options(selectinload(Account.person)).order_by(Account.username)))


def clinicians_of(session: Session, person: Person) -> list[Account]:
    """The clinician accounts assigned to ``person``, by user name."""
    return list(
        session.scalars(
            select(Account)
            .join(ClinicianPatient, ClinicianPatient.clinician_id == Account.id)
            .where(ClinicianPatient.person_id == person.id)
            .order_by(Account.username)
        )
    )


def delete_account(session: Session, account: Account, *, actor: Actor = None) -> None:
    """Delete an account: its sessions and clinician assignments go with it; the person and their
    records stay, and so does the audit log (which names the account), plus one row for this."""
    detail = {"username": account.username, "role": account.role}
    account_id, person_id = account.id, account.person_id
    end_sessions_of(session, account)
    session.execute(delete(ClinicianPatient).where(ClinicianPatient.clinician_id == account_id))
    session.delete(account)
    session.flush()
    record_audit(session, actor or "system", "delete", "account", account_id, person_id=person_id, detail=detail)


def login_failures(
    session: Session, *, username: str | None = None, ip: str | None = None, now: dt.datetime | None = None
) -> int:
    """Failed log-ins within the window, for a user name and/or an address."""
    return _failures(session, username=username, ip=ip, now=now)[0]


def _failures(
    session: Session, *, username: str | None = None, ip: str | None = None, now: dt.datetime | None = None
) -> tuple[int, dt.datetime | None]:
    """(number, time of the latest) of the failed log-ins within the window; for a user name
    and address together, only those since the last successful log-in from there."""
    since = (now or utcnow()) - LOGIN_WINDOW
    where = [LoginAttempt.at >= since]
    if username is not None:
        where.append(LoginAttempt.username == normalise_username(username))
    if ip is not None:
        where.append(LoginAttempt.ip == ip)
    if username is not None and ip is not None:
        last_ok = session.scalar(select(func.max(LoginAttempt.at)).where(*where, LoginAttempt.success.is_(True)))
        if last_ok is not None:
            where.append(LoginAttempt.at > last_ok)
    row = session.execute(
        select(func.count(LoginAttempt.id), func.max(LoginAttempt.at)).where(*where, LoginAttempt.success.is_(False))
    ).one()
    latest = row[1]  # max() keeps the column type: timezone-aware
    return int(row[0] or 0), latest


def progressive_delay(failures: int, free: int) -> dt.timedelta:
    """The wait after ``failures`` failed log-ins when ``free`` of them cost nothing:
    0 before, then 2 s, 4 s, 8 s ... up to :data:`LOGIN_MAX_DELAY`."""
    if failures < free:
        return dt.timedelta(0)
    return min(LOGIN_BASE_DELAY * (1 << min(failures - free, 20)), LOGIN_MAX_DELAY)  # 2**n, n >= 0


def login_delay(
    session: Session, username: str, ip: str | None, *, now: dt.datetime | None = None
) -> int:
    """Seconds this client must still wait before it may try to log in as ``username`` (0: now)."""
    now = now or utcnow()
    waits = [dt.timedelta(0)]
    checks: list[tuple[str | None, str | None, int]] = [(username, ip, FREE_FAILURES_PER_CLIENT)]
    if ip is not None:
        checks.append((None, ip, FREE_FAILURES_PER_IP))
    for name, addr, free in checks:
        n, latest = _failures(session, username=name, ip=addr, now=now)
        if latest is not None:
            waits.append(latest + progressive_delay(n, free) - now)
    wait = max(waits).total_seconds()
    return 0 if wait <= 0 else max(1, int(wait + 0.999))


def _lock_keys(session: Session, *keys: str) -> None:
    """Serialise log-ins of the same client on PostgreSQL (several servers): one transaction at a
    time counts, checks and records for each key. SQLite's write transactions are serial already."""
    from sqlalchemy import text

    if session.get_bind().dialect.name != "postgresql":
        return
    for key in sorted(set(keys)):
        session.execute(text("SELECT pg_advisory_xact_lock(1953327472, hashtext(:k))"), {"k": key})


def authenticate(
    session: Session, username: str, password: str | auth.Password, *, ip: str | None = None
) -> Account | None:
    """The account when the password is right; None otherwise.

    Raises :class:`RateLimited` while this client (user name and address, or the address
    alone) has to wait after failed log-ins (:func:`login_delay`; counted in the database, so
    every app process and server shares the count); the password is then not even checked,
    and the attempt does not count. Every checked attempt is recorded (never the password);
    the caller must commit even when this returns None, so the failure counts.
    """
    name = normalise_username(username)[:150]
    _lock_keys(session, f"login:{name}|{ip}", f"login-ip:{ip}")
    wait = login_delay(session, name, ip)
    if wait:
        blocked = RateLimited(wait)
        blocked.audit = {
            "actor": "anonymous",
            "action": "login-blocked",
            "record_type": "account",
            "ip": ip,
            "detail": {"username": name},
        }
        raise blocked
    account = session.scalar(select(Account).where(Account.username == name))
    if account is None:
        auth.verify_password(auth.dummy_hash(), password)  # same time as a real check
        ok = False
    else:
        ok = account.is_active and auth.verify_password(account.password_hash, password)
    session.add(LoginAttempt(username=name, ip=ip, success=ok))
    if ok and account is not None:
        if auth.needs_rehash(account.password_hash):
            account.password_hash = auth.hash_password(password)
        record_audit(session, account, "login", "account", account.id, ip=ip)
        return account
    record_audit(session, "anonymous", "login-failed", "account", None, detail={"username": name}, ip=ip)
    return None


def create_auth_session(
    session: Session, account: Account, *, ttl: dt.timedelta = SESSION_TTL
) -> tuple[str, AuthSession]:
    """A new log-in session: returns the cookie token (shown once, stored only hashed)."""
    token = auth.new_token()
    row = AuthSession(
        token_hash=auth.token_hash(token),
        account_id=account.id,
        expires_at=utcnow() + ttl,
        csrf_token=secrets.token_urlsafe(32),
    )
    session.add(row)
    session.flush()
    return token, row


def session_for_token(session: Session, token: str | None) -> AuthSession | None:
    """The live session of a cookie token (None if unknown, expired or the account is off)."""
    if not token:
        return None
    row = session.get(AuthSession, auth.token_hash(token))
    if row is None:
        return None
    if row.expires_at <= utcnow() or not row.account.is_active:
        session.delete(row)
        session.flush()
        return None
    return row


def end_auth_session(session: Session, token: str) -> None:
    session.execute(delete(AuthSession).where(AuthSession.token_hash == auth.token_hash(token)))


def purge_expired(session: Session) -> None:
    """Drop expired log-in sessions and log-in attempts older than a day."""
    now = utcnow()
    session.execute(delete(AuthSession).where(AuthSession.expires_at <= now))
    session.execute(delete(LoginAttempt).where(LoginAttempt.at < now - max(LOGIN_WINDOW, dt.timedelta(days=1))))


def _audit_assignment(session: Session, action: str, clinician: Account, person: Person, actor: Actor) -> None:
    record_audit(session, actor or "system", action, "person", person.id, person_id=person.id,
                 detail={"clinician": clinician.username})


def assign_patient(session: Session, clinician: Account, person: Person, *, actor: Actor = None) -> None:
    if clinician.role != "clinician":
        raise ValidationError("clinician", clinician.username, "not a clinician account")
    if session.get(ClinicianPatient, (clinician.id, person.id)) is None:
        session.add(ClinicianPatient(clinician_id=clinician.id, person_id=person.id))
        session.flush()
        _audit_assignment(session, "assign", clinician, person, actor)


def unassign_patient(session: Session, clinician: Account, person: Person, *, actor: Actor = None) -> None:
    session.execute(
        delete(ClinicianPatient).where(
            ClinicianPatient.clinician_id == clinician.id, ClinicianPatient.person_id == person.id
        )
    )
    _audit_assignment(session, "unassign", clinician, person, actor)


def patients_of(session: Session, clinician: Account) -> list[Person]:
    if clinician.role != "clinician":
        return []
    return list(
        session.scalars(
            select(Person)
            .join(ClinicianPatient, ClinicianPatient.person_id == Person.id)
            .where(ClinicianPatient.clinician_id == clinician.id)
            .order_by(Person.code)
        )
    )


def can_access(session: Session, account: Account | None, person: Person) -> bool:
    """A patient: only their own person. A clinician: only people assigned to them."""
    if account is None or not account.is_active:
        return False
    if account.role == "patient":
        return account.person_id == person.id
    if account.role == "clinician":
        return session.get(ClinicianPatient, (account.id, person.id)) is not None
    return False


def get_person_for(
    session: Session,
    account: Account | None,
    person_id: int | str,
    *,
    action: str = "read",
    ip: str | None = None,
) -> Person:
    """The person ``person_id`` (primary key) if ``account`` may see it (the read is audited).

    Raises :class:`NotFound` (no such id, or not an id at all) or :class:`Forbidden` (exists
    but not this account's). Answer 404 for both so that ids cannot be probed, and record
    the refusal with :func:`record_denial` in a fresh transaction.
    """
    try:
        pid = int(person_id)
    except (TypeError, ValueError):
        exc: AccessError = NotFound("no such person")
        exc.audit = _denial(account, action, str(person_id)[:64], None, ip, "not an id")
        raise exc from None
    person = session.get(Person, pid)
    if person is None:
        exc = NotFound("no such person")
        exc.audit = _denial(account, action, pid, None, ip, "not found")
        raise exc
    if not can_access(session, account, person):
        exc = Forbidden("no such person")
        exc.audit = _denial(account, action, pid, pid, ip, "not this account's")
        raise exc
    record_audit(session, account, action, "person", pid, person_id=pid, ip=ip)
    return person


def _denial(
    account: Account | None, action: str, record_id: object, person_id: int | None, ip: str | None, why: str
) -> dict[str, Any]:
    name, account_id = _actor_fields(account)
    return {
        "actor": name,
        "account_id": account_id,
        "action": f"{action}-denied",
        "record_type": "person",
        "record_id": str(record_id),
        "person_id": person_id,
        "ip": ip,
        "detail": {"why": why},
    }


def record_denial(session: Session, exc: BaseException) -> None:
    """Write the audit row of a refused access (:class:`AccessError` or :class:`RateLimited`).

    Refusals raise, and raising rolls the request's transaction back, so the web layer
    records them in a fresh transaction::

        except AccessError as exc:
            with session_scope() as s:
                repo.record_denial(s, exc)
            raise HTTPException(404)
    """
    audit = getattr(exc, "audit", None)
    if audit:
        session.add(AuditLog(**audit))
        session.flush()


# --- clinicians' examinations -----------------------------------------------------------


def save_examination(
    session: Session,
    person: Person,
    clinician: Account,
    *,
    intake: Mapping[str, Any],
    result: Mapping[str, Any],
    kb_version: str,
    lang: str = "en",
    neutral: Mapping[str, Any] | None = None,
    ip: str | None = None,
) -> Examination:
    """Keep a clinician's examination of ``person`` (audited). Only a clinician assigned to the
    person may examine them: anyone else gets :class:`Forbidden` (answered 404 on the web)."""
    if lang not in LANGS:
        raise ValidationError("lang", lang, "unknown language", allowed=", ".join(LANGS))
    if clinician.role != "clinician" or not can_access(session, clinician, person):
        exc = Forbidden("no such person")
        exc.audit = _denial(clinician, "examine", person.id, person.id, ip, "not this account's")
        raise exc
    triage = result.get("triage")
    level = triage.get("level") if isinstance(triage, Mapping) else None
    e = Examination(
        person_id=person.id, clinician_id=clinician.id, clinician_name=clinician.username,
        intake=dict(intake), result=dict(result), neutral=dict(neutral) if neutral is not None else None,
        kb_version=kb_version, lang=lang, triage_level=level,
    )
    session.add(e)
    session.flush()
    record_audit(session, clinician, "create", "examination", e.id, person_id=person.id, ip=ip)
    return e


def list_examinations(session: Session, person: Person) -> list[Examination]:
    return list(
        session.scalars(
            select(Examination).where(Examination.person_id == person.id)
            .order_by(Examination.created_at, Examination.id)
        )
    )


def get_examination(session: Session, person: Person, examination_id: int) -> Examination:
    e = session.get(Examination, examination_id)
    if e is None or e.person_id != person.id:
        raise NotFound(f"no examination {examination_id}")
    return e
