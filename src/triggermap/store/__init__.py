"""The pain diary and clinic records: SQLite by default, PostgreSQL for clinics.

Importing this package is cheap: SQLAlchemy, Alembic and matplotlib are only imported
by the submodules that need them (``db``, ``models``, ``repo``, ``plot`` ...), so the
CLI can mount :mod:`triggermap.store.cli` without slowing ``triggermap`` start-up.

Modules
-------
``db``       engine, pragmas, ``session_scope()``, ``upgrade()`` / ``downgrade()``
``models``   SQLAlchemy 2 typed models
``repo``     repository functions (all take a session), role checks, audit log
``auth``     argon2 password hashing
``vocab``    validation of region and plan-item ids against the knowledge base
``export``   CSV and FHIR R4 JSON
``plot``     pain over time and adherence (matplotlib, Agg)
``backup``   backup / restore (SQLite online backup API, JSON dump for any backend)
``cli``      ``triggermap diary ...``, ``backup``, ``restore``, ``account``
"""
