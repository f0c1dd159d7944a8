"""Alembic migrations: upgrade head / downgrade base round trip, models match the scripts."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect

from triggermap.store import db
from triggermap.store.models import TABLE_ORDER, Base


def _tables(url: str) -> set[str]:
    engine = db.create_engine_for(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_head_constant_matches_scripts():
    from alembic.script import ScriptDirectory

    from triggermap.store import migrations

    script = ScriptDirectory(str(Path(migrations.__file__).parent))
    assert migrations.HEAD == "0005"  # 0005_account_admin
    assert script.get_current_head() == migrations.HEAD
    assert [r.revision for r in reversed(list(script.walk_revisions()))] == list(migrations.REVISIONS)


def test_upgrade_downgrade_round_trip(fresh_db_url):
    engine = db.get_engine(fresh_db_url)
    assert db.current_revision(engine) is None
    db.upgrade(engine)
    assert db.current_revision(engine) == db.head_revision()
    assert set(TABLE_ORDER) <= _tables(fresh_db_url)

    db.downgrade(engine, "base")
    assert db.current_revision(engine) is None
    assert not (set(TABLE_ORDER) & _tables(fresh_db_url))

    db.upgrade(engine)
    assert db.current_revision(engine) == db.head_revision()
    assert set(TABLE_ORDER) <= _tables(fresh_db_url)
    assert db.integrity_check(engine) == []


def test_models_match_migrations(fresh_db_url):
    """The schema the scripts build is the schema the models describe (no pending autogenerate)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    engine = db.get_engine(fresh_db_url)
    db.upgrade(engine)
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == []


def test_first_session_migrates(fresh_db_url):
    from triggermap.store import repo

    with db.session_scope(fresh_db_url) as s:
        repo.create_person(s, "first-use")
    assert db.current_revision(db.get_engine(fresh_db_url)) == db.head_revision()


def test_newer_schema_is_refused(fresh_db_url):
    import pytest
    from sqlalchemy import text

    from triggermap.store.errors import SchemaError

    engine = db.get_engine(fresh_db_url)
    db.upgrade(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    db.dispose_engines()
    with pytest.raises(SchemaError, match="9999"), db.session_scope(fresh_db_url):
        pass


def test_0002_one_account_per_person_round_trip(fresh_db_url):
    """Issue 13: two patient accounts could share one person's diary. Revision 0002 keeps the
    oldest account of each person, deletes the others (audited, sessions ended), makes
    ``account.person_id`` unique and adds the ``rate_hit`` table; its downgrade undoes both."""
    import datetime as dt

    import pytest
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    engine = db.get_engine(fresh_db_url)
    db.upgrade(engine, "0001")
    now = dt.datetime(2026, 1, 1, 12, 0)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO person (id, code, created_at) VALUES (1, 'p1', :t), (2, 'p2', :t)"),
                     {"t": now})
        for i, (name, person) in enumerate([("first", 1), ("second", 1), ("other", 2), ("dr", None)], 1):
            conn.execute(
                text("INSERT INTO account (id, username, password_hash, role, person_id, is_active, created_at, "
                     "password_changed_at) VALUES (:i, :n, 'x', :r, :p, true, :t, :t)"),
                {"i": i, "n": name, "r": "patient" if person else "clinician", "p": person, "t": now})
        conn.execute(text("INSERT INTO auth_session (token_hash, account_id, created_at, expires_at, csrf_token) "
                          "VALUES ('h2', 2, :t, :t, 'c')"), {"t": now})
    db.upgrade(engine)
    with engine.connect() as conn:
        names = conn.execute(text("SELECT username FROM account ORDER BY id")).scalars().all()
        sessions = conn.execute(text("SELECT count(*) FROM auth_session")).scalar_one()
        audit = conn.execute(text("SELECT actor, action, record_id, person_id FROM audit_log")).all()
    assert names == ["first", "other", "dr"]
    assert sessions == 0
    assert [tuple(r) for r in audit] == [("migration:0002", "delete", "2", 1)]
    assert "rate_hit" in _tables(fresh_db_url)
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text("INSERT INTO account (username, password_hash, role, person_id, is_active, created_at, "
                          "password_changed_at) VALUES ('again', 'x', 'patient', 1, true, :t, :t)"), {"t": now})

    db.downgrade(engine, "0001")
    assert db.current_revision(engine) == "0001"
    assert "rate_hit" not in _tables(fresh_db_url)
    with engine.begin() as conn:  # no longer unique
        conn.execute(text("INSERT INTO account (username, password_hash, role, person_id, is_active, created_at, "
                          "password_changed_at) VALUES ('again', 'x', 'patient', 1, true, :t, :t)"), {"t": now})
        conn.execute(text("DELETE FROM account WHERE username = 'again'"))
    db.upgrade(engine)
    assert db.current_revision(engine) == db.head_revision()
    assert db.integrity_check(engine) == []


def test_0004_examinations_round_trip(fresh_db_url):
    """Revision 0004 adds the ``examination`` table (cascading with its person, keeping the
    clinician's name when the account goes); its downgrade drops it and nothing else."""
    import datetime as dt

    from sqlalchemy import text

    engine = db.get_engine(fresh_db_url)
    db.upgrade(engine, "0003")
    assert "examination" not in _tables(fresh_db_url)
    db.upgrade(engine, "0004")
    assert "examination" in _tables(fresh_db_url)
    now = dt.datetime(2026, 1, 1, 12, 0)
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(text("PRAGMA foreign_keys = ON"))
        conn.execute(text("INSERT INTO person (id, code, created_at) VALUES (1, 'p1', :t)"), {"t": now})
        conn.execute(text("INSERT INTO account (id, username, password_hash, role, is_active, created_at, "
                          "password_changed_at) VALUES (1, 'dr', 'x', 'clinician', true, :t, :t)"), {"t": now})
        conn.execute(text("INSERT INTO examination (person_id, clinician_id, clinician_name, created_at, intake, "
                          "result, kb_version, lang) VALUES (1, 1, 'dr', :t, '{}', '{}', 'v', 'en')"), {"t": now})
        conn.execute(text("DELETE FROM account WHERE id = 1"))
        assert conn.execute(text("SELECT clinician_id, clinician_name FROM examination")).one() == (None, "dr")
        conn.execute(text("DELETE FROM person WHERE id = 1"))
        assert conn.execute(text("SELECT count(*) FROM examination")).scalar_one() == 0
    db.downgrade(engine, "0003")
    assert db.current_revision(engine) == "0003"
    assert "examination" not in _tables(fresh_db_url)
    assert "assessment" in _tables(fresh_db_url)
    db.upgrade(engine)
    assert db.current_revision(engine) == db.head_revision()


def test_0005_account_admin_round_trip(fresh_db_url):
    """Revision 0005 adds ``account.is_admin``: accounts made before it are not administrators;
    its downgrade drops the column and keeps the accounts."""
    import datetime as dt

    from sqlalchemy import text

    engine = db.get_engine(fresh_db_url)
    db.upgrade(engine, "0004")
    now = dt.datetime(2026, 1, 1, 12, 0)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO account (id, username, password_hash, role, is_active, created_at, "
                          "password_changed_at) VALUES (1, 'dr', 'x', 'clinician', true, :t, :t)"), {"t": now})
    db.upgrade(engine, "0005")
    with engine.begin() as conn:
        assert conn.execute(text("SELECT is_admin FROM account WHERE id = 1")).scalar_one() in (False, 0)
        conn.execute(text("UPDATE account SET is_admin = true WHERE id = 1"))
        assert conn.execute(text("SELECT is_admin FROM account WHERE id = 1")).scalar_one() in (True, 1)
    db.downgrade(engine, "0004")
    cols = {c["name"] for c in inspect(engine).get_columns("account")}
    assert "is_admin" not in cols
    with engine.connect() as conn:
        assert conn.execute(text("SELECT username FROM account")).scalars().all() == ["dr"]
    db.upgrade(engine)
    assert db.integrity_check(engine) == []
