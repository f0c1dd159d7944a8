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
