"""Alembic migration scripts of the store (shipped inside the package).

``HEAD`` is the newest revision; :func:`triggermap.store.db.ensure_schema` compares it with
the database's version with one query, without importing Alembic. A test checks that it
matches the scripts in ``versions/``. When adding a migration: add it to ``REVISIONS`` and
move ``HEAD``.

Developers can also run Alembic by hand::

    alembic -c src/triggermap/store/alembic.ini revision --autogenerate -m "..."
    TRIGGERMAP_DATABASE_URL=... alembic -c src/triggermap/store/alembic.ini upgrade head
"""

REVISIONS = ("0001", "0002", "0003", "0004", "0005")
HEAD = REVISIONS[-1]
