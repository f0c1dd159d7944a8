"""Engines, sessions and schema migrations.

Where the data lives
--------------------
``TRIGGERMAP_DATABASE_URL`` (or an explicit ``url``) names the database; without it the
diary is a SQLite file ``triggermap.sqlite3`` in ``platformdirs.user_data_dir("triggermap")``.
``postgresql://`` and ``postgres://`` URLs are run through psycopg 3; a bare path means a
SQLite file.

Durability
----------
SQLite runs in WAL mode with ``synchronous=FULL``. In WAL mode ``NORMAL`` already survives
a killed process, but a transaction committed just before a power cut or an OS crash can be
rolled back on recovery; ``FULL`` syncs the WAL on every commit, so an entry the user was
told is saved stays saved. Diary writes are a few per day per person, so the fsync per
commit costs nothing that matters. ``busy_timeout`` makes writers from several processes
queue instead of failing, and every write transaction starts with ``BEGIN IMMEDIATE`` so
it takes the write lock up front: a deferred transaction that reads, then writes, can
otherwise fail with "database is locked" without ever waiting.

On PostgreSQL commits are durable with the server's default ``synchronous_commit=on``; a
connection that finds it switched ``off`` turns it back on for itself.

Migrations
----------
Alembic scripts ship inside the package (``triggermap/store/migrations``). The first
session of a process checks the schema version with one query and runs ``upgrade()`` when
the database is new or older than this code; concurrent processes serialise on the write
lock (SQLite) or an advisory lock (PostgreSQL), so only one of them migrates.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..vocabulary import INTENSITY_MAX, INTENSITY_MIN
from .errors import SchemaError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlalchemy.orm import Session, sessionmaker

ENV_URL = "TRIGGERMAP_DATABASE_URL"
DEFAULT_FILENAME = "triggermap.sqlite3"
BUSY_TIMEOUT_MS = 30_000
# advisory lock key for migrations on PostgreSQL (any constant; "tmap" in ASCII)
PG_MIGRATION_LOCK = 0x746D6170

_lock = threading.RLock()
_migrate_lock = threading.RLock()  # one migration at a time in this process (see ensure_schema)
_engines: dict[str, Engine] = {}
_makers: dict[tuple[str, bool], sessionmaker[Session]] = {}
_checked: set[str] = set()


def _after_fork_in_child() -> None:
    """A forked worker must not share pooled connections with its parent."""
    global _lock, _migrate_lock
    _lock = threading.RLock()
    _migrate_lock = threading.RLock()
    for engine in _engines.values():
        engine.dispose(close=False)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def default_sqlite_path() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("triggermap", appauthor=False)) / DEFAULT_FILENAME


def resolve_url(url: str | None = None) -> str:
    """The database URL: ``url``, else ``$TRIGGERMAP_DATABASE_URL``, else the default SQLite file."""
    url = (url or os.environ.get(ENV_URL) or "").strip()
    if not url:
        return "sqlite:///" + str(default_sqlite_path())
    if re.match(r"^(postgres|postgresql)://", url):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    if "://" not in url:  # a plain path: a SQLite file
        return "sqlite:///" + str(Path(url).expanduser().absolute())
    return url


def display_url(url: str) -> str:
    """The URL with any password masked (safe to print or log)."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def is_sqlite(url_or_engine: str | Engine) -> bool:
    url = url_or_engine if isinstance(url_or_engine, str) else str(url_or_engine.url)
    return url.startswith("sqlite")


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (None for in-memory or non-SQLite)."""
    from sqlalchemy.engine import make_url

    u = make_url(url)
    if not u.drivername.startswith("sqlite") or not u.database or u.database == ":memory:":
        return None
    return Path(u.database)


#: the database kinds a URL may name (``postgres://`` is read as postgresql)
URL_SCHEMES = ("sqlite", "postgresql")
SQLITE_MAGIC = b"SQLite format 3\x00"  # the first 16 bytes of every SQLite file


def check_url(url: str) -> None:
    """Refuse a URL this store cannot use (bad input, exit code 2 / a start-up error naming --db):
    another kind of database, a SQLite path that is a folder, or a file that is not SQLite."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    from .errors import ValidationError

    allowed = "sqlite:///FILE, postgresql://... or a SQLite file path"
    try:
        backend = make_url(url).get_backend_name()
    except ArgumentError:
        raise ValidationError("db", display_safe(url), "not a database URL", allowed=allowed) from None
    if backend not in URL_SCHEMES:
        raise ValidationError("db", display_safe(url), f"unsupported database {backend!r}", allowed=allowed)
    path = sqlite_path(url)
    if path is None:
        return
    if path.is_dir():
        raise ValidationError("db", str(path), "is a folder, not a SQLite file", allowed=allowed)
    try:
        with open(path, "rb") as fh:
            head = fh.read(len(SQLITE_MAGIC))
    except FileNotFoundError:
        return  # created on first use
    except OSError as exc:
        raise ValidationError("db", str(path), f"cannot be read ({exc.strerror or exc})", allowed=allowed) from None
    if head and head != SQLITE_MAGIC:
        raise ValidationError("db", str(path), "is not a SQLite database file", allowed=allowed)


def display_safe(url: str) -> str:
    """``url`` with a password masked, or the text up to its scheme when it does not parse."""
    try:
        return display_url(url)
    except Exception:  # noqa: BLE001 - an unreadable URL is shown by its scheme only
        return url.split("://", 1)[0] + "://..."


def _prepare_sqlite_file(path: Path) -> None:
    """Health data: the directory is private (0700) and the file is 0600 when we create them."""
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=0o700, exist_ok=True)
    if not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
        os.close(fd)


def _sqlite_connect(dbapi_connection: Any, connection_record: Any) -> None:
    # Let SQLAlchemy (not the sqlite3 module) emit BEGIN, see _sqlite_begin.
    dbapi_connection.isolation_level = None
    cur = dbapi_connection.cursor()
    cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    _ensure_wal(cur)
    cur.execute("PRAGMA synchronous = FULL")
    cur.execute("PRAGMA foreign_keys = ON")
    cur.close()


def _ensure_wal(cur: Any) -> None:
    """Switch the file to WAL (a persistent setting), retrying while another process holds it.

    Changing the journal mode can fail at once with "database is locked" without waiting on
    busy_timeout (for example while a second server is migrating the new file), so a process
    that starts beside another retries instead of failing its first request.
    """
    import sqlite3
    import time

    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    delay = 0.01
    while True:
        try:
            mode = cur.execute("PRAGMA journal_mode").fetchone()[0]
            if str(mode).lower() != "wal":
                cur.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.25)


def _sqlite_begin(conn: Any) -> None:
    if conn.get_execution_options().get("triggermap_readonly"):
        conn.exec_driver_sql("BEGIN")
    else:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def _pg_connect(dbapi_connection: Any, connection_record: Any) -> None:
    with dbapi_connection.cursor() as cur:
        cur.execute("SHOW synchronous_commit")
        row = cur.fetchone()
        if row and row[0] == "off":
            cur.execute("SET synchronous_commit TO on")
    dbapi_connection.commit()


def create_engine_for(url: str) -> Engine:
    """A new engine with the store's pragmas and transaction rules (not cached)."""
    from sqlalchemy import create_engine, event

    check_url(url)
    if is_sqlite(url):
        path = sqlite_path(url)
        if path is not None:
            _prepare_sqlite_file(path)
            engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
        else:  # in-memory: one shared connection, or every session would see its own empty database
            from sqlalchemy.pool import StaticPool

            engine = create_engine(url, connect_args={"check_same_thread": False}, poolclass=StaticPool)
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
    else:
        engine = create_engine(url, pool_pre_ping=True)
        if engine.dialect.name == "postgresql":
            event.listen(engine, "connect", _pg_connect)
    return engine


def get_engine(url: str | None = None) -> Engine:
    """The process-wide engine for ``url`` (created on first use)."""
    key = resolve_url(url)
    with _lock:
        engine = _engines.get(key)
        if engine is None:
            engine = _engines[key] = create_engine_for(key)
        return engine


def dispose_engines() -> None:
    """Close every pooled connection (tests; before restore; after fork)."""
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
        _makers.clear()
        _checked.clear()


def get_sessionmaker(url: str | None = None, *, readonly: bool = False) -> sessionmaker[Session]:
    """A sessionmaker bound to the engine; the schema is brought up to date on first use.

    ``readonly=True`` sessions start a deferred transaction on SQLite, so they do not take
    the write lock (reads never block anyway in WAL mode). Use them for pages that only read.
    """
    from sqlalchemy.orm import sessionmaker

    key = resolve_url(url)
    engine = get_engine(key)
    ensure_schema(engine)
    with _lock:
        maker = _makers.get((key, readonly))
        if maker is None:
            bind = engine.execution_options(triggermap_readonly=True) if readonly else engine
            maker = _makers[(key, readonly)] = sessionmaker(bind=bind, expire_on_commit=False)
        return maker


@contextmanager
def session_scope(url: str | None = None, *, readonly: bool = False) -> Iterator[Session]:
    """A session in one transaction: committed when the block ends, rolled back on any error.

    When the block has ended without error, the data is committed (durably).
    """
    session = get_sessionmaker(url, readonly=readonly)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


# --- migrations -----------------------------------------------------------------------


def head_revision() -> str:
    from .migrations import HEAD

    return HEAD


def current_revision(engine: Engine) -> str | None:
    """The schema version recorded in the database (None for an empty database)."""
    from sqlalchemy import inspect, text

    with engine.execution_options(triggermap_readonly=True).connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        rows = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    if not rows:  # after a downgrade to base
        return None
    if len(rows) != 1:
        raise SchemaError(f"unexpected alembic_version rows: {rows!r}")
    return str(rows[0])


def ensure_schema(engine: Engine) -> None:
    """Upgrade the schema if needed; one cheap query per engine and process once up to date."""
    key = str(engine.url)
    if key in _checked:
        return
    # Alembic keeps its running context in module globals, so two threads migrating at once
    # trample each other (KeyError 'config'): one thread of a process migrates, the others
    # wait here and then find the schema current; other processes wait on the database lock.
    with _migrate_lock:
        if key in _checked:
            return
        rev = current_revision(engine)
        head = head_revision()
        if rev != head:
            from .migrations import REVISIONS

            if rev is not None and rev not in REVISIONS:
                raise SchemaError(
                    f"the database has schema version {rev!r}, unknown to this triggermap "
                    f"(newest known: {head!r}); install a newer triggermap"
                )
            upgrade(engine)
        _checked.add(key)


def alembic_config(engine: Engine) -> Any:
    from alembic.config import Config

    cfg = Config()
    # configparser reads "%" as interpolation: a path or password holding one is escaped
    cfg.set_main_option("script_location", str(Path(__file__).with_name("migrations")).replace("%", "%%"))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine | str | None = None, revision: str = "head") -> None:
    """Run the Alembic migrations up to ``revision`` (programmatically, no alembic.ini needed)."""
    from alembic import command

    eng = engine if engine is not None and not isinstance(engine, str) else get_engine(engine)
    with _migrate_lock:
        command.upgrade(alembic_config(eng), revision)
        _checked.discard(str(eng.url))


def downgrade(engine: Engine | str | None = None, revision: str = "base") -> None:
    """Run the Alembic migrations down to ``revision`` (``base`` drops every table)."""
    from alembic import command

    eng = engine if engine is not None and not isinstance(engine, str) else get_engine(engine)
    with _migrate_lock:
        command.downgrade(alembic_config(eng), revision)
        _checked.discard(str(eng.url))


def integrity_check(engine: Engine) -> list[str]:
    """Problems found in the database (empty list = consistent).

    SQLite: ``PRAGMA integrity_check`` and ``foreign_key_check``. Both backends: rows whose
    parent is missing and values outside the constraints (which the database should already
    prevent; this is a belt-and-braces check after a crash).
    """
    from sqlalchemy import text

    problems: list[str] = []
    with engine.connect() as conn:
        if is_sqlite(engine):
            rows = [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check").fetchall()]
            if rows != ["ok"]:
                problems.extend(f"integrity_check: {r}" for r in rows)
            fk = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            problems.extend(f"foreign_key_check: {tuple(r)}" for r in fk)
        checks = {
            "diary region without entry": "SELECT count(*) FROM diary_region r "
            "LEFT JOIN diary_entry e ON e.id = r.entry_id WHERE e.id IS NULL",
            "diary done-item without entry": "SELECT count(*) FROM diary_done d "
            "LEFT JOIN diary_entry e ON e.id = d.entry_id WHERE e.id IS NULL",
            "diary entry without person": "SELECT count(*) FROM diary_entry e "
            "LEFT JOIN person p ON p.id = e.person_id WHERE p.id IS NULL",
            "pain out of range": "SELECT count(*) FROM diary_entry "
            f"WHERE pain < {INTENSITY_MIN} OR pain > {INTENSITY_MAX}",
            "two entries for one date": "SELECT count(*) FROM (SELECT person_id, entry_date FROM diary_entry "
            "GROUP BY person_id, entry_date HAVING count(*) > 1) dup",
        }
        for what, sql in checks.items():
            n = conn.execute(text(sql)).scalar_one()
            if n:
                problems.append(f"{what}: {n}")
    return problems
