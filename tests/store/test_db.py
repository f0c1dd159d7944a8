"""Engine set-up: URL resolution, SQLite pragmas and file permissions, session scope."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from triggermap.store import db, repo


def test_resolve_url(monkeypatch, tmp_path):
    monkeypatch.delenv(db.ENV_URL, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert db.resolve_url(None) == f"sqlite:///{tmp_path / 'xdg' / 'triggermap' / 'triggermap.sqlite3'}"
    monkeypatch.setenv(db.ENV_URL, "postgresql://u:pw@h:5/d")
    assert db.resolve_url(None) == "postgresql+psycopg://u:pw@h:5/d"
    assert db.resolve_url("postgres://h/d") == "postgresql+psycopg://h/d"
    assert db.resolve_url(str(tmp_path / "x.db")) == f"sqlite:///{tmp_path / 'x.db'}"
    assert db.resolve_url("sqlite:///a.db") == "sqlite:///a.db"
    assert "pw" not in db.display_url("postgresql+psycopg://u:pw@h:5/d")


def test_default_database_is_created_in_user_data_dir(monkeypatch, tmp_path):
    monkeypatch.delenv(db.ENV_URL, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    try:
        with db.session_scope() as s:
            repo.create_person(s, "me")
    finally:
        db.dispose_engines()
    path = tmp_path / "xdg" / "triggermap" / "triggermap.sqlite3"
    assert path.is_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_sqlite_pragmas(tmp_path):
    url = f"sqlite:///{tmp_path / 'p.sqlite3'}"
    try:
        with db.session_scope(url) as s:
            got = {
                name: s.execute(text(f"PRAGMA {name}")).scalar()
                for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
            }
    finally:
        db.dispose_engines()
    assert got == {
        "journal_mode": "wal",
        "synchronous": 2,
        "foreign_keys": 1,
        "busy_timeout": db.BUSY_TIMEOUT_MS,
    }


def test_session_scope_rolls_back_on_error(db_url):
    with pytest.raises(RuntimeError), db.session_scope(db_url) as s:
        repo.create_person(s, "ghost")
        raise RuntimeError("boom")
    with db.session_scope(db_url) as s:
        assert repo.person_codes(s) == []


def test_readonly_session_reads(db_url):
    with db.session_scope(db_url) as s:
        repo.create_person(s, "r1")
    with db.session_scope(db_url, readonly=True) as s:
        assert repo.person_codes(s) == ["r1"]


def test_constraints_hold_in_the_database(db_url):
    """The database itself refuses what validation would refuse (pain range, one entry per date)."""
    import datetime as dt

    from sqlalchemy.exc import IntegrityError

    from triggermap.store.models import DiaryEntry

    with db.session_scope(db_url) as s:
        pid = repo.create_person(s, "c1").id
    with pytest.raises(IntegrityError), db.session_scope(db_url) as s:
        s.add(DiaryEntry(person_id=pid, entry_date=dt.date(2024, 1, 1), pain=11))
        s.flush()
    with pytest.raises(IntegrityError), db.session_scope(db_url) as s:
        s.add(DiaryEntry(person_id=pid, entry_date=dt.date(2024, 1, 1), pain=1))
        s.add(DiaryEntry(person_id=pid, entry_date=dt.date(2024, 1, 1), pain=2))
        s.flush()
    with pytest.raises(IntegrityError), db.session_scope(db_url) as s:
        s.add(DiaryEntry(person_id=pid + 1000, entry_date=dt.date(2024, 1, 2), pain=2))
        s.flush()


def test_cli_module_imports_nothing_heavy():
    code = (
        "import sys, triggermap.store.cli; "
        "heavy = [m for m in ('sqlalchemy', 'alembic', 'matplotlib', 'psycopg', 'argon2') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_alembic_ini_ships_with_package():
    import triggermap.store

    here = Path(triggermap.store.__file__).parent
    assert (here / "alembic.ini").is_file()
    assert (here / "migrations" / "env.py").is_file()
    assert (here / "migrations" / "script.py.mako").is_file()


def test_in_memory_sqlite_is_one_database():
    try:
        with db.session_scope("sqlite://") as s:
            repo.create_person(s, "mem")
        with db.session_scope("sqlite://") as s:
            assert repo.person_codes(s) == ["mem"]
    finally:
        db.dispose_engines()
