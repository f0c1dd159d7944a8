"""Backup and restore.

Two formats, chosen by the file name on backup and by the content on restore:

* a SQLite database file (``.sqlite3``, ``.sqlite``, ``.db`` or anything not ``.json``):
  from a SQLite store it is made with SQLite's online backup API (consistent while the app
  keeps writing); from PostgreSQL it is a new SQLite file filled from a JSON dump, so a
  clinic's database can be carried to a laptop.
* a JSON dump (``.json``, or ``.json.gz`` compressed) of every table, which works for
  both backends and between them.

Restore replaces all data in the target database, in one transaction, and refuses a
non-empty target unless ``force=True``. It never brings log-in sessions back (a session that
had ended by log-out, password change or disabling must stay ended): after a restore,
everyone logs in again. Files are written atomically (temporary file, then
rename) with mode 0600: they hold health data.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import sqlite3
import tempfile
import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import db
from .errors import BackupError, BadBackup

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

FORMAT = "triggermap-backup"
FORMAT_VERSION = 1
SQLITE_MAGIC = db.SQLITE_MAGIC
#: tables whose rows a restore drops: log-in sessions (see the module docstring)
NOT_RESTORED = ("auth_session",)


def _tables() -> list[Any]:
    from .models import TABLE_ORDER, Base

    return [Base.metadata.tables[name] for name in TABLE_ORDER]


def _json_value(v: Any) -> Any:
    if isinstance(v, dt.datetime | dt.date):
        return v.isoformat()
    return v


def _from_json(column: Any, v: Any) -> Any:
    if v is None:
        return None
    from sqlalchemy import Date

    from .models import UTCDateTime

    if isinstance(column.type, UTCDateTime):
        return dt.datetime.fromisoformat(v)
    if isinstance(column.type, Date):
        return dt.date.fromisoformat(v)
    return v


# --- dump / load (any backend) ----------------------------------------------------------


def dump(engine: Engine) -> dict[str, Any]:
    """Every table as JSON-ready rows, read in one consistent snapshot."""
    from sqlalchemy import select

    db.ensure_schema(engine)
    opts: dict[str, Any] = {"triggermap_readonly": True}
    if engine.dialect.name == "postgresql":
        opts["isolation_level"] = "REPEATABLE READ"
    tables: dict[str, list[dict[str, Any]]] = {}
    with engine.execution_options(**opts).connect() as conn, conn.begin():
        rev = _revision(conn)
        for table in _tables():
            pk = list(table.primary_key.columns)
            rows = conn.execute(select(table).order_by(*pk)).mappings()
            tables[table.name] = [{k: _json_value(v) for k, v in row.items()} for row in rows]
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "schema": rev,
        "created_at": dt.datetime.now(dt.UTC).isoformat(),
        "tables": tables,
    }


def _revision(conn: Connection) -> str | None:
    from sqlalchemy import text

    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def row_count(engine: Engine) -> int:
    from sqlalchemy import func, select

    db.ensure_schema(engine)
    with engine.execution_options(triggermap_readonly=True).connect() as conn:
        return sum(int(conn.execute(select(func.count()).select_from(t)).scalar_one()) for t in _tables())


def _checked_rows(data: Any) -> dict[str, list[dict[str, Any]]]:
    """The rows of a JSON backup, checked and converted before anything is written: the format,
    its version and schema, known tables and columns, rows as mappings, dates that parse.
    Raises :class:`BadBackup` (another schema revision included: this version cannot restore it)."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise BadBackup("not a triggermap backup (no 'format': 'triggermap-backup')")
    if data.get("format_version") != FORMAT_VERSION:
        raise BadBackup(f"unsupported backup format version {data.get('format_version')!r}")
    head = db.head_revision()
    if data.get("schema") != head:
        raise BadBackup(
            f"the backup has schema {data.get('schema')!r} but this triggermap writes {head!r}; "
            "restore it with the triggermap version that made it, then upgrade"
        )
    tables = data.get("tables")
    if not isinstance(tables, dict):
        raise BadBackup("backup has no tables")
    known = {t.name: t for t in _tables()}
    unknown = set(tables) - set(known)
    if unknown:
        raise BadBackup(f"backup has unknown tables: {sorted(unknown)}")
    out: dict[str, list[dict[str, Any]]] = {}
    for table in _tables():
        rows = [] if table.name in NOT_RESTORED else tables.get(table.name) or []
        if not isinstance(rows, list):
            raise BadBackup(f"{table.name}: must be a list of rows")
        cols = {c.name: c for c in table.columns}
        converted = []
        for n, row in enumerate(rows):
            if not isinstance(row, dict):
                raise BadBackup(f"{table.name}[{n}]: a row must be a mapping of column to value")
            extra = set(row) - set(cols)
            if extra:
                raise BadBackup(f"{table.name}: unknown columns {sorted(extra)}")
            try:
                converted.append({k: _from_json(cols[k], v) for k, v in row.items()})
            except (TypeError, ValueError) as exc:
                raise BadBackup(f"{table.name}[{n}]: a value cannot be read ({exc})") from None
        out[table.name] = converted
    return out


def load(engine: Engine, data: dict[str, Any], *, force: bool = False) -> dict[str, int]:
    """Replace every row of the database with ``data`` (from :func:`dump`); returns row counts."""
    return _load_rows(engine, _checked_rows(data), force=force)


def _load_rows(engine: Engine, converted: dict[str, list[dict[str, Any]]], *, force: bool) -> dict[str, int]:
    from sqlalchemy import delete, insert, text
    from sqlalchemy.exc import DBAPIError, StatementError

    db.ensure_schema(engine)
    if not force and row_count(engine) > 0:
        raise BackupError("the target database is not empty; use --force to replace its data")
    counts: dict[str, int] = {}
    with engine.begin() as conn:
        for table in reversed(_tables()):
            conn.execute(delete(table))
        for table in _tables():
            rows = converted[table.name]
            if rows:
                try:
                    conn.execute(insert(table), rows)
                except (StatementError, DBAPIError) as exc:  # rolled back: the database is as it was
                    detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()
                    raise BadBackup(f"{table.name}: rows the database refuses ({detail[0] if detail else exc})") from None
            counts[table.name] = len(rows)
        if engine.dialect.name == "postgresql":
            for table in _tables():
                if "id" in table.c and table.c.id.primary_key:
                    conn.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                            f"COALESCE((SELECT MAX(id) FROM {table.name}), 1), "
                            f"(SELECT MAX(id) FROM {table.name}) IS NOT NULL)"
                        )
                    )
    return counts


# --- files ------------------------------------------------------------------------------


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and os.path.samefile(a, b))
    except OSError:
        return False


def _is_json_name(path: Path) -> bool:
    name = path.name.lower()
    return name.endswith(".json") or name.endswith(".json.gz")


def check_output_path(path: Path, field: str = "output") -> None:
    """Refuse a place an output file cannot go, before anything is read or recorded: an existing
    folder, device or other non-regular file (a device would be replaced by the written file), or a
    parent path that holds a file. Missing parent folders are created when writing. Raises
    ValidationError naming ``field``."""
    from .errors import ValidationError

    allowed = "a file path (a new file, or a regular file to replace)"
    if str(path) in ("", "."):
        raise ValidationError(field, str(path), "no file name", allowed=allowed)
    if path.exists() and not path.is_file():
        kind = "a folder" if path.is_dir() else "not a regular file"
        raise ValidationError(field, str(path), f"is {kind}", allowed=allowed)
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise ValidationError(field, str(path), f"{parent} is a file, not a folder", allowed=allowed)
            break


def _atomic_target(path: Path) -> Path:
    check_output_path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    os.chmod(tmp, 0o600)
    return Path(tmp)


def _fsync_replace(tmp: Path, path: Path) -> None:
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    try:
        dirfd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dirfd)
        finally:
            os.close(dirfd)
    except OSError:
        pass


def write_json(data: dict[str, Any], path: Path) -> None:
    tmp = _atomic_target(path)
    try:
        opener = gzip.open if path.name.lower().endswith(".gz") else open
        with opener(tmp, "wt", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False)
        _fsync_replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def read_json(path: Path) -> dict[str, Any]:
    with open(path, "rb") as fh:
        head = fh.read(2)
    opener = gzip.open if head == b"\x1f\x8b" else open
    try:
        with opener(path, "rt", encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError, EOFError, zlib.error, RecursionError) as exc:
        raise BadBackup(f"{path}: not a readable JSON backup ({exc or type(exc).__name__})") from None
    if not isinstance(data, dict):
        raise BadBackup(f"{path}: not a triggermap backup")
    return data


def is_sqlite_file(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(16) == SQLITE_MAGIC


def _check_sqlite_copy(conn: sqlite3.Connection, what: str) -> str:
    rows = [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall()]
    if rows != ["ok"]:
        raise BadBackup(f"{what}: integrity check failed: {rows[:5]}")
    try:
        rev = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError:
        raise BadBackup(f"{what}: not a triggermap database (no schema version)") from None
    if rev is None:
        raise BadBackup(f"{what}: not a triggermap database (no schema version)")
    from .migrations import REVISIONS

    if rev[0] not in REVISIONS:
        raise BadBackup(f"{what}: schema {rev[0]!r} is newer than this triggermap")
    return str(rev[0])


def sqlite_online_backup(source: Path, dest: Path) -> None:
    """Copy a live SQLite database with the online backup API into a self-contained file."""
    tmp = _atomic_target(dest)
    try:
        src = sqlite3.connect(source, timeout=db.BUSY_TIMEOUT_MS / 1000)
        try:
            out = sqlite3.connect(tmp)
            try:
                src.backup(out)
                out.execute("PRAGMA journal_mode = DELETE")  # one file, no -wal beside it
                _check_sqlite_copy(out, str(dest))
            finally:
                out.close()
        finally:
            src.close()
        _fsync_replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)


def backup(url: str | None, path: str | Path) -> str:
    """Back the database up into ``path``; returns a one-line description."""
    path = Path(path)
    engine = db.get_engine(url)
    db.ensure_schema(engine)
    if _is_json_name(path):
        write_json(dump(engine), path)
        return f"JSON dump written to {path}"
    src = db.sqlite_path(str(engine.url)) if db.is_sqlite(engine) else None
    if src is not None and _same_file(src, path):
        raise BackupError(f"{path} is the database itself; choose another file")
    if src is not None:
        sqlite_online_backup(src, path)
        return f"SQLite online backup written to {path}"
    # any other backend -> a new SQLite file
    data = dump(engine)
    tmp = _atomic_target(path)
    try:
        tmp.unlink()
        eng = db.create_engine_for("sqlite:///" + str(tmp))
        try:
            db.upgrade(eng)
            load(eng, data, force=True)
        finally:
            eng.dispose()  # the last connection to close checkpoints the WAL into the file
        conn2 = sqlite3.connect(tmp)
        try:
            conn2.execute("PRAGMA journal_mode = DELETE")
        finally:
            conn2.close()
        for extra in (Path(str(tmp) + "-wal"), Path(str(tmp) + "-shm")):
            extra.unlink(missing_ok=True)
        os.chmod(tmp, 0o600)
        _fsync_replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return f"SQLite file written to {path}"


def restore(url: str | None, path: str | Path, *, force: bool = False) -> str:
    """Replace the database's data with the backup in ``path`` (SQLite file or JSON).

    The backup is read and checked before the target is touched; when the restore fails, the
    target is as it was, and a SQLite file that the restore itself created is removed."""
    path = Path(path)
    if not path.is_file():
        raise BadBackup(f"{path}: no such file")
    target = db.sqlite_path(db.resolve_url(url))
    created = target is not None and not target.exists()
    try:
        return _restore(url, path, force)
    except BaseException:
        if created and target is not None:
            db.dispose_engines()
            for extra in ("", "-wal", "-shm", "-journal"):
                Path(str(target) + extra).unlink(missing_ok=True)
        raise


def _restore(url: str | None, path: Path, force: bool) -> str:
    if is_sqlite_file(path):
        try:
            src = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                _check_sqlite_copy(src, str(path))
            finally:
                src.close()
        except sqlite3.DatabaseError as exc:
            raise BadBackup(f"{path}: not a readable SQLite backup ({exc})") from None
        engine = db.get_engine(url)
        target = db.sqlite_path(str(engine.url)) if db.is_sqlite(engine) else None
        if target is not None and _same_file(target, path):
            raise BackupError(f"{path} is the database itself")
        if target is not None:
            db.ensure_schema(engine)
            if not force and row_count(engine) > 0:
                raise BackupError("the target database is not empty; use --force to replace its data")
            engine.dispose()
            src = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                dst = sqlite3.connect(target, timeout=db.BUSY_TIMEOUT_MS / 1000)
                try:
                    src.backup(dst)
                    for name in NOT_RESTORED:
                        dst.execute(f"DELETE FROM {name}")
                    dst.commit()
                    dst.execute("PRAGMA journal_mode = WAL")
                finally:
                    dst.close()
            finally:
                src.close()
            db.dispose_engines()
            db.ensure_schema(db.get_engine(url))  # a backup of an older schema is upgraded
            return f"restored {path} (SQLite backup API)"
        with tempfile.TemporaryDirectory() as tmpdir:
            copy = Path(tmpdir) / "copy.sqlite3"
            sqlite_online_backup(path, copy)  # never open the user's file read-write
            src_engine = db.create_engine_for("sqlite:///" + str(copy))
            try:
                rows = _checked_rows(dump(src_engine))
            finally:
                src_engine.dispose()
    else:
        rows = _checked_rows(read_json(path))  # before the target database is opened (or created)
        engine = db.get_engine(url)
    counts = _load_rows(engine, rows, force=force)
    return f"restored {path}: " + ", ".join(f"{n} {t}" for t, n in counts.items() if n)
