"""Fixtures of the web tests: the app, a TestClient, and the real app served by uvicorn on a free
loopback port (for the browser tests), and pages of the browser (tests/conftest.py's Playwright
driving Debian's chromium)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from webhelpers import serve_in_thread


@pytest.fixture
def db_url(sqlite_template: Path, tmp_path: Path) -> Iterator[str]:
    """A fresh copy of the migrated SQLite template (tests/conftest.py) for one test."""
    from triggermap.store import db

    path = tmp_path / "diary.sqlite3"
    shutil.copyfile(sqlite_template, path)
    yield f"sqlite:///{path}"
    db.dispose_engines()


@pytest.fixture
def diary_app(kb: Any, db_url: str) -> Any:
    """The app with a diary on its own database, serving TestClient as a local client."""
    from triggermap.web.app import create_app

    app = create_app(kb=kb, database_url=db_url)
    app.state.local_clients = {"testclient"}  # TestClient's peer stands in for 127.0.0.1
    return app


@pytest.fixture
def c(diary_app: Any) -> Iterator[Any]:
    """A TestClient of :func:`diary_app` (server errors come back as responses)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # starlette prefers httpx2; nothing to act on here
        from fastapi.testclient import TestClient
    with TestClient(diary_app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture(scope="session")
def app(kb: Any) -> Any:
    from triggermap.web.app import create_app

    return create_app(kb=kb)


@pytest.fixture(scope="session")
def session_client(app: Any) -> Iterator[Any]:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from fastapi.testclient import TestClient

    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture()
def client(session_client: Any) -> Iterator[Any]:
    """The TestClient, with no cookie left over from another test (the language cookie)."""
    session_client.cookies.clear()
    yield session_client
    session_client.cookies.clear()


@pytest.fixture(scope="session")
def live_server(kb: Any) -> Iterator[str]:
    """The real app under uvicorn in a background thread; yields its base URL."""
    from triggermap.web.app import create_app

    with serve_in_thread(create_app(kb=kb)) as base:
        yield base


@pytest.fixture()
def page_factory(browser: Any) -> Iterator[Any]:
    """New pages with their own context; every console error and CSP violation is collected."""
    contexts: list[Any] = []

    def make(width: int = 1280, height: int = 900, locale: str = "en-US", js: bool = True, **kw: Any) -> Any:
        ctx = browser.new_context(viewport={"width": width, "height": height}, locale=locale,
                                  java_script_enabled=js, **kw)
        contexts.append(ctx)
        page = ctx.new_page()
        page.errors = []  # type: ignore[attr-defined]
        page.on("console", lambda m: m.type == "error" and page.errors.append(m.text))
        page.on("pageerror", lambda e: page.errors.append(str(e)))
        return page

    yield make
    for ctx in contexts:
        ctx.close()


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    # starlette's TestClient warns that it prefers httpx2; nothing to act on here
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`"))
