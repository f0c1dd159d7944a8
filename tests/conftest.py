"""Shared fixtures. Each test run gets its own knowledge-base cache directory."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Keep the user's cache untouched and exercise the cold + warm cache paths.
os.environ.setdefault("TRIGGERMAP_CACHE_DIR", tempfile.mkdtemp(prefix="triggermap-cache-"))
# Never the user's diary: anything that opens the default database (a web app or `triggermap
# serve` started by a test) gets a throwaway SQLite file; tests that need another set their own.
os.environ["TRIGGERMAP_DATABASE_URL"] = os.path.join(
    tempfile.mkdtemp(prefix="triggermap-db-"), "triggermap.sqlite3"
)

#: Debian's chromium, which the browser tests drive through Playwright (never Playwright's download)
CHROMIUM = os.environ.get("TRIGGERMAP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One chromium for the whole run (web app and static atlas tests); skips where it is missing."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def fast_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap argon2id parameters for tests that make accounts (the production ones are checked in
    tests/store/test_auth.py); the store's tests use it always, web test files by marking."""
    from argon2 import PasswordHasher

    from triggermap.store import auth

    fast = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(auth, "hasher", lambda: fast)


@pytest.fixture(scope="session")
def kb():
    from triggermap.knowledge import load

    return load()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """A SQLite database migrated once; tests start from a copy (migrating takes ~0.1 s)."""
    from triggermap.store import db

    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    engine = db.create_engine_for(f"sqlite:///{path}")
    try:
        db.upgrade(engine)
    finally:
        engine.dispose()
    return path
