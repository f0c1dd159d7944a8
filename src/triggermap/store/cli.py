"""``triggermap diary ...``, ``triggermap backup`` / ``restore`` and ``triggermap account ...``.

Mounted by the main CLI::

    app.add_typer(store_cli.app, name="diary")
    app.add_typer(store_cli.account_app, name="account")
    app.command("backup")(store_cli.backup_command)
    app.command("restore")(store_cli.restore_command)

Importing this module imports only typer and the standard library; SQLAlchemy, Alembic
and matplotlib are imported when a command runs.

Exit codes: 0 ok; 2 bad input (the message names the option, the bad value and what is
allowed; nothing is written); 1 any other failure (database unreachable, ...). Never a
traceback.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from .errors import BadBackup, StoreError, ValidationError

ENV_URL = "TRIGGERMAP_DATABASE_URL"
_DB_HELP = (
    "Database URL (sqlite:///FILE, postgresql://...) or a SQLite file path. "
    "Default: $TRIGGERMAP_DATABASE_URL, else triggermap.sqlite3 in your user data directory."
)

app = typer.Typer(
    name="diary",
    help="Pain diary: add entries, list them, plot progress, export CSV or FHIR.",
    no_args_is_help=True,
    add_completion=False,
)
account_app = typer.Typer(
    name="account",
    help="Clinic-mode accounts (clinicians and patients).",
    no_args_is_help=True,
    add_completion=False,
)

DbOption = Annotated[str | None, typer.Option("--db", envvar=ENV_URL, help=_DB_HELP, show_envvar=True)]
PersonOption = Annotated[str, typer.Option("--person", "-p", help="Person id (pseudonymous code).")]


class ListFormat(StrEnum):
    text = "text"
    json = "json"


class ExportFormat(StrEnum):
    csv = "csv"
    fhir = "fhir"


class Lang(StrEnum):
    en = "en"
    es = "es"


# options that name a field in error messages
_FIELD_OPTION = {
    "date": "--date",
    "pain": "--pain",
    "region": "--region",
    "done": "--done",
    "note": "--note",
    "person": "--person",
    "output": "--output",
    "username": "--username",
    "role": "--role",
    "password": "password",
    "from": "--from",
    "to": "--to",
    "db": "--db",
    "file": "FILE",
    "clinician": "--clinician",
}


def _fail(message: str, code: int) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


@app.callback()
def _diary_group(
    ctx: typer.Context,
    db: DbOption = None,
) -> None:
    """Pain diary: add entries, list them, plot progress, export CSV or FHIR."""
    ctx.meta["triggermap.db"] = db


def _url(ctx: typer.Context | None, db: str | None) -> str | None:
    if db:
        return db
    if ctx is not None:
        return ctx.meta.get("triggermap.db")
    return None


@contextmanager
def _errors(url: str | None = None) -> Iterator[None]:
    """Turn the store's errors into exit codes and one-line messages."""
    try:
        yield
    except typer.Exit:
        raise
    except ValidationError as exc:
        _fail(exc.message(_FIELD_OPTION.get(exc.field, exc.field)), 2)
    except BadBackup as exc:
        _fail(f"FILE: {exc}", 2)
    except StoreError as exc:
        _fail(str(exc), 1)
    except KeyboardInterrupt:
        _fail("interrupted", 130)
    except Exception as exc:  # never a traceback
        from sqlalchemy.exc import SQLAlchemyError

        if isinstance(exc, SQLAlchemyError):
            from .db import display_url, resolve_url

            where = display_url(resolve_url(url))
            detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()
            _fail(f"database error ({where}): {detail[0] if detail else type(exc).__name__}", 1)
        if isinstance(exc, OSError):
            _fail(f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc), 1)
        _fail(f"{type(exc).__name__}: {exc}", 1)


def _actor() -> str:
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except Exception:
        return "cli"


def _person(session: Any, code: str) -> Any:
    from . import repo
    from .errors import NotFound

    repo.check_person_code(code)
    try:
        return repo.get_person(session, code)
    except NotFound:
        raise repo.unknown_person_error(session, code) from None


def _optional_vocab() -> Any:
    from .vocab import current_vocab

    try:
        return current_vocab()
    except StoreError:
        return None  # labels fall back to ids


def _date_option(value: str | None, field: str) -> dt.date | None:
    if value is None:
        return None
    from . import repo

    return repo.parse_date(value, field)


def _check_output(output: Path | None) -> None:
    if output is not None and str(output) != "-":
        from .backup import check_output_path

        check_output_path(output)


def _write_output(data: bytes | str, output: Path | None) -> None:
    if output is None or str(output) == "-":
        if isinstance(data, bytes):
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
        else:
            typer.echo(data, nl=not data.endswith("\n"))
        return
    import os

    output.parent.mkdir(parents=True, exist_ok=True)  # the place was checked first (_check_output)
    tmp = output.with_name(f".{output.name}.{os.getpid()}.tmp")
    payload = data if isinstance(data, bytes) else data.encode("utf-8")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # health data: private
    try:
        with open(fd, "wb") as fh:
            fh.write(payload)
        os.replace(tmp, output)
    finally:
        if tmp.exists():
            tmp.unlink()


# --- diary ------------------------------------------------------------------------------


@app.command("add")
def add_command(
    ctx: typer.Context,
    person: PersonOption,
    pain: Annotated[str, typer.Option("--pain", help="Pain today, 0 (none) to 10 (worst imaginable).")],
    date: Annotated[
        str | None, typer.Option("--date", help="YYYY-MM-DD (default: today).", show_default=False)
    ] = None,
    region: Annotated[
        list[str] | None,
        typer.Option(
            "--region",
            "-r",
            help="Where it hurt: a region id, with :left, :right or :both for a lateral region "
            "(no side = both). Repeat for several.",
        ),
    ] = None,
    done: Annotated[
        list[str] | None, typer.Option("--done", help="A plan item (exercise id) done today. Repeatable.")
    ] = None,
    note: Annotated[str | None, typer.Option("--note", help="A short note.")] = None,
    replace: Annotated[
        bool, typer.Option("--replace", help="Replace the entry if this date already has one.")
    ] = False,
    fmt: Annotated[ListFormat, typer.Option("--format", help="Output: text or json.")] = ListFormat.text,
    db: DbOption = None,
) -> None:
    """Add a diary entry (one per date). The person is created on first use."""
    url = _url(ctx, db)
    with _errors(url):
        from . import repo
        from .db import session_scope

        day = repo.parse_date(date if date is not None else dt.date.today().isoformat())
        level = repo.parse_pain(pain)
        code = repo.check_person_code(person)
        actor = _actor()
        with session_scope(url) as session:
            who, created = repo.get_or_create_person(session, code, actor=actor)
            entry = repo.add_diary_entry(
                session,
                who,
                date=day,
                pain=level,
                regions=region or [],
                done=done or [],
                note=note,
                replace=replace,
                actor=actor,
            )
            out = repo.entry_to_dict(entry)
        # committed: only now is the entry acknowledged
        if fmt is ListFormat.json:
            typer.echo(json.dumps(out, ensure_ascii=False))
        else:
            if created:
                typer.echo(f"new person {code}", err=True)
            typer.echo(f"saved entry {out['id']}: {code} {out['date']} pain {out['pain']}")


@app.command("list")
def list_command(
    ctx: typer.Context,
    person: PersonOption,
    fmt: Annotated[ListFormat, typer.Option("--format", help="Output: text or json.")] = ListFormat.text,
    since: Annotated[str | None, typer.Option("--from", help="First date, YYYY-MM-DD.")] = None,
    until: Annotated[str | None, typer.Option("--to", help="Last date, YYYY-MM-DD.")] = None,
    db: DbOption = None,
) -> None:
    """List a person's diary entries in date order (JSON: a list of entries with date and pain)."""
    url = _url(ctx, db)
    with _errors(url):
        from . import repo
        from .db import session_scope

        start, end = _date_option(since, "from"), _date_option(until, "to")
        with session_scope(url) as session:
            who = _person(session, person)
            entries = [repo.entry_to_dict(e) for e in repo.list_entries(session, who, start=start, end=end)]
            repo.record_audit(session, _actor(), "read", "diary", None, person_id=who.id)
        if fmt is ListFormat.json:
            typer.echo(json.dumps(entries, ensure_ascii=False, indent=2))
            return
        if not entries:
            typer.echo(f"no entries for {person}")
        for e in entries:
            where = ", ".join(
                f"{r['region']}:{r['side']}" if "side" in r else r["region"] for r in e["regions"]
            )
            line = f"{e['date']}  pain {e['pain']:>2}"
            if where:
                line += f"  {where}"
            if e["done"]:
                line += f"  done: {', '.join(e['done'])}"
            if e["note"]:  # a note stored before control characters were refused is shown escaped
                from ..vocabulary import CONTROL_RE

                note = CONTROL_RE.sub(lambda m: repr(m.group())[1:-1], e["note"])
                line += f"  \u2014 {note}"
            typer.echo(line)


@app.command("delete")
def delete_command(
    ctx: typer.Context,
    person: PersonOption,
    date: Annotated[str, typer.Option("--date", help="YYYY-MM-DD.")],
    db: DbOption = None,
) -> None:
    """Delete the entry of one date."""
    url = _url(ctx, db)
    with _errors(url):
        from . import repo
        from .db import session_scope
        from .errors import NotFound

        day = repo.parse_date(date)
        with session_scope(url) as session:
            who = _person(session, person)
            try:
                repo.delete_entry(session, who, day, actor=_actor())
            except NotFound:
                raise ValidationError("date", date, "no entry on this date") from None
        typer.echo(f"deleted {person} {day.isoformat()}")


@app.command("persons")
def persons_command(ctx: typer.Context, db: DbOption = None) -> None:
    """List the person ids in the database."""
    url = _url(ctx, db)
    with _errors(url):
        from . import repo
        from .db import session_scope

        with session_scope(url, readonly=True) as session:
            codes = repo.person_codes(session)
        for code in codes:
            typer.echo(code)


@app.command("plot")
def plot_command(
    ctx: typer.Context,
    person: PersonOption,
    output: Annotated[Path, typer.Option("--output", "-o", help="Output file: .png, .svg or .pdf.")],
    lang: Annotated[Lang, typer.Option("--lang", help="Language of the labels.")] = Lang.en,
    db: DbOption = None,
) -> None:
    """Plot pain over time and plan adherence."""
    url = _url(ctx, db)
    with _errors(url):
        from . import plot, repo
        from .db import session_scope

        fmt = plot.format_for(output)
        if fmt is None:
            raise ValidationError(
                "output", str(output), "unknown file type", allowed="a file name ending in .png, .svg or .pdf"
            )
        _check_output(output)  # before the diary is read (and the read recorded)
        with session_scope(url) as session:
            who = _person(session, person)
            entries = repo.list_entries(session, who)
            points = plot.points_from(repo.adherence(session, who, entries), entries)
            repo.record_audit(
                session, _actor(), "read", "diary", None, person_id=who.id, detail={"as": "plot"}
            )
        title = ("Pain diary" if lang is Lang.en else "Diario del dolor") + f" \u2014 {person}"
        _write_output(plot.render(points, fmt, lang=lang.value, title=title), output)
        n = len(points)
        typer.echo(f"wrote {output} ({n} {'entry' if n == 1 else 'entries'})", err=True)


@app.command("export")
def export_command(
    ctx: typer.Context,
    person: PersonOption,
    fmt: Annotated[ExportFormat, typer.Option("--format", help="csv (the diary) or fhir (R4 JSON Bundle).")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Output file (default: stdout).")
    ] = None,
    lang: Annotated[Lang, typer.Option("--lang", help="Language of display texts (FHIR).")] = Lang.en,
    include_name: Annotated[
        bool,
        typer.Option("--include-name", help="Put the display name in the FHIR Patient (off: pseudonymous)."),
    ] = False,
    db: DbOption = None,
) -> None:
    """Export a person's diary as CSV, or all their records as a FHIR R4 Bundle."""
    url = _url(ctx, db)
    with _errors(url):
        from . import export, repo
        from .db import session_scope

        _check_output(output)
        with session_scope(url) as session:
            who = _person(session, person)
            if fmt is ExportFormat.csv:
                data = export.export_csv(session, who)
            else:
                bundle = export.export_fhir(
                    session, who, vocab=_optional_vocab(), lang=lang.value, include_name=include_name
                )
                data = json.dumps(bundle, ensure_ascii=False, indent=2) + "\n"
            repo.record_audit(
                session, _actor(), "export", "person", who.id, person_id=who.id, detail={"format": fmt.value}
            )
        _write_output(data, output)


# --- backup / restore (mounted at the top level by the main CLI) -------------------------


def backup_command(
    file: Annotated[
        Path, typer.Argument(help="Backup file: .sqlite3/.db (SQLite copy) or .json / .json.gz (JSON dump).")
    ],
    db: DbOption = None,
) -> None:
    """Back up the database (safe while the app is running)."""
    with _errors(db):
        from . import backup, repo
        from .db import session_scope

        backup.check_output_path(file, "file")  # before the backup is recorded
        with session_scope(db) as session:
            repo.record_audit(session, _actor(), "backup", "database", None, detail={"file": file.name})
        typer.echo(backup.backup(db, file), err=True)


def restore_command(
    file: Annotated[Path, typer.Argument(help="A file written by `triggermap backup`.")],
    force: Annotated[bool, typer.Option("--force", help="Replace the data of a non-empty database.")] = False,
    db: DbOption = None,
) -> None:
    """Restore a backup, replacing all data in the database."""
    with _errors(db):
        from . import backup, repo
        from .db import session_scope

        message = backup.restore(db, file, force=force)
        with session_scope(db) as session:
            repo.record_audit(session, _actor(), "restore", "database", None, detail={"file": file.name})
        typer.echo(message, err=True)


# --- accounts ---------------------------------------------------------------------------


def _read_password(from_stdin: bool) -> Any:
    from .auth import Password

    if from_stdin:
        raw = sys.stdin.buffer.readline(4 * 1024 + 2)  # a password is at most 1,024 characters
        try:
            line = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ValidationError("password", "********", f"not UTF-8 text (byte {exc.start})") from None
        return Password(line.rstrip("\r\n"))
    if not sys.stdin.isatty():  # getpass would abort (exit 1) with a warning
        raise ValidationError("password", "", "no terminal to ask for it", allowed="the password on standard input with --password-stdin")
    return Password(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


@account_app.command("add")
def account_add_command(
    username: Annotated[str, typer.Option("--username", "-u", help="Log-in name.")],
    role: Annotated[str, typer.Option("--role", help="clinician or patient.")],
    person: Annotated[
        str | None, typer.Option("--person", "-p", help="The patient's person id (created if new).")
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from the first line of stdin.")
    ] = False,
    admin: Annotated[
        bool, typer.Option("--admin", help="May manage the clinic's accounts on the web (/accounts).")
    ] = False,
    db: DbOption = None,
) -> None:
    """Create an account; the password is asked for (hidden) and stored only as an argon2 hash."""
    with _errors(db):
        from . import repo
        from .db import session_scope

        password = _read_password(password_stdin)
        with session_scope(db) as session:
            who = repo.get_or_create_person(session, person, actor=_actor())[0] if person else None
            account = repo.create_account(session, username, password, role, person=who, actor=_actor())
            if admin:
                repo.set_admin(session, account, True, actor=_actor())
            name, account_role = account.username, account.role
        typer.echo(f"created {account_role} account {name}{' (administrator)' if admin else ''}")


def _set_assignment(clinician: str, person: str, db: str | None, assign: bool) -> None:
    """Let the clinician account ``clinician`` see (or stop seeing) ``person``'s records; a name that
    is not a clinician's is a :class:`ValidationError` on ``clinician`` (exit code 2)."""
    with _errors(db):
        from sqlalchemy import select

        from . import repo
        from .db import session_scope
        from .models import Account

        with session_scope(db) as session:
            account = session.scalar(
                select(Account).where(Account.username == repo.normalise_username(clinician))
            )
            if account is None or account.role != "clinician":
                raise ValidationError("clinician", clinician, "no such clinician account")
            change = repo.assign_patient if assign else repo.unassign_patient
            change(session, account, _person(session, person), actor=_actor())
        typer.echo(f"{clinician} {'now sees' if assign else 'no longer sees'} {person}")


ClinicianOption = Annotated[str, typer.Option("--clinician", help="The clinician's user name.")]


@account_app.command("assign")
def account_assign_command(clinician: ClinicianOption, person: PersonOption, db: DbOption = None) -> None:
    """Let a clinician see a person's records."""
    _set_assignment(clinician, person, db, assign=True)


@account_app.command("unassign")
def account_unassign_command(clinician: ClinicianOption, person: PersonOption, db: DbOption = None) -> None:
    """Stop a clinician seeing a person's records."""
    _set_assignment(clinician, person, db, assign=False)


UsernameOption = Annotated[str, typer.Option("--username", "-u", help="Log-in name.")]


def _set_active(username: str, active: bool, db: str | None) -> None:
    with _errors(db):
        from . import repo
        from .db import session_scope

        with session_scope(db) as session:
            account = repo.get_account(session, username)
            repo.set_active(session, account, active, actor=_actor())
            name = account.username
        typer.echo(f"{'enabled' if active else 'disabled'} account {name}")


@account_app.command("disable")
def account_disable_command(username: UsernameOption, db: DbOption = None) -> None:
    """Disable an account: it can no longer log in, and its sessions end at once."""
    _set_active(username, False, db)


@account_app.command("enable")
def account_enable_command(username: UsernameOption, db: DbOption = None) -> None:
    """Enable a disabled account again."""
    _set_active(username, True, db)


@account_app.command("admin")
def account_admin_command(
    username: UsernameOption,
    revoke: Annotated[bool, typer.Option("--revoke", help="Take the right away again.")] = False,
    db: DbOption = None,
) -> None:
    """Let an account manage the clinic's accounts on the web (/accounts): add, disable, reset
    passwords, assign clinicians. The first administrator is made here."""
    with _errors(db):
        from . import repo
        from .db import session_scope

        with session_scope(db) as session:
            account = repo.get_account(session, username)
            repo.set_admin(session, account, not revoke, actor=_actor())
            name = account.username
        typer.echo(f"{name} {'is no longer' if revoke else 'is now'} an administrator")


@account_app.command("reset-password")
def account_reset_password_command(
    username: UsernameOption,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the new password from the first line of stdin.")
    ] = False,
    db: DbOption = None,
) -> None:
    """Set a new password (asked for, hidden); every session of the account ends."""
    with _errors(db):
        from . import repo
        from .db import session_scope

        with session_scope(db, readonly=True) as session:
            repo.get_account(session, username)  # before asking: a typo fails at once
        password = _read_password(password_stdin)
        with session_scope(db) as session:
            account = repo.get_account(session, username)
            repo.set_password(session, account, password, actor=_actor())
            name = account.username
        typer.echo(f"new password set for {name}; its sessions have ended")


@account_app.command("delete")
def account_delete_command(
    username: UsernameOption,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    db: DbOption = None,
) -> None:
    """Delete an account (the person's records and the audit log are kept)."""
    with _errors(db):
        from . import repo
        from .db import session_scope

        with session_scope(db, readonly=True) as session:
            name = repo.get_account(session, username).username
        if not yes and not typer.confirm(f"Delete account {name}? Its records and the audit log are kept"):
            _fail("not deleted", 1)
        with session_scope(db) as session:
            repo.delete_account(session, repo.get_account(session, username), actor=_actor())
        typer.echo(f"deleted account {name}")


@account_app.command("list")
def account_list_command(db: DbOption = None) -> None:
    """List accounts (never their passwords)."""
    with _errors(db):
        from sqlalchemy import select

        from .db import session_scope
        from .models import Account

        with session_scope(db, readonly=True) as session:
            rows = [
                (a.username, a.role, a.person.code if a.person else "", a.is_active, a.is_admin)
                for a in session.scalars(select(Account).order_by(Account.username))
            ]
        for username, role, code, active, admin in rows:
            typer.echo(f"{username}\t{role}\t{code}\t{'active' if active else 'disabled'}"
                       + ("\tadmin" if admin else ""))


if __name__ == "__main__":  # pragma: no cover
    app()
