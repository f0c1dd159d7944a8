"""Alembic environment: used programmatically by ``triggermap.store.db.upgrade`` and by
the ``alembic`` command with ``src/triggermap/store/alembic.ini``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from triggermap.store.db import PG_MIGRATION_LOCK, create_engine_for, resolve_url
from triggermap.store.models import Base

config = context.config
target_metadata = Base.metadata


def run_offline() -> None:
    context.configure(
        url=resolve_url(config.get_main_option("sqlalchemy.url") or None),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    engine = config.attributes.get("engine")
    if engine is None:
        engine = create_engine_for(resolve_url(config.get_main_option("sqlalchemy.url") or None))
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            # SQLite cannot ALTER most things: later migrations copy-and-move tables
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            # SQLite's DDL is transactional once pysqlite's implicit commits are off (db.py
            # does that), so the whole upgrade is one transaction on both backends.
            # NB: a future batch migration that must switch foreign_keys off needs its own
            # handling (the pragma is a no-op inside a transaction).
            transactional_ddl=True,
        )
        # On SQLite the transaction begins with BEGIN IMMEDIATE (see db._sqlite_begin), so
        # a second process wanting to migrate waits, then finds the schema up to date.
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PG_MIGRATION_LOCK})
            context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
