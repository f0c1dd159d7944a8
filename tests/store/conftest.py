"""Fixtures of the store tests: the same suite runs on SQLite and on PostgreSQL.

PostgreSQL: ``$TRIGGERMAP_TEST_PG_URL`` (an admin URL) if set; else a server answering on
127.0.0.1:5432 (user postgres, trust auth); else a throwaway cluster started here with
Debian's ``initdb``/``pg_ctl`` on a free port (as the ``postgres`` user when running as
root). ``TRIGGERMAP_TEST_PG=spawn`` forces the throwaway cluster; ``=skip`` skips the
PostgreSQL half. Each test session works in its own ``triggermap_test_<random>`` database,
dropped at the end.
"""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from triggermap.store import db
from triggermap.store import vocab as vocab_mod
from triggermap.store.vocab import Vocab

HERE = Path(__file__).parent
KB_DATA = Path(__file__).parents[2] / "src" / "triggermap" / "knowledge" / "data"


# --- PostgreSQL server ------------------------------------------------------------------


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _can_connect(url: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(
            url.replace("postgresql+psycopg://", "postgresql://"), connect_timeout=3
        ) as conn:
            conn.execute("SELECT 1")
        return True
    except psycopg.Error:
        return False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pg_bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4]))
    return found[-1] if found else shutil.which(name)


class _Cluster:
    """A throwaway PostgreSQL cluster in a temporary directory."""

    def __init__(self) -> None:
        initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
        if not initdb or not pg_ctl:
            pytest.skip("PostgreSQL tests skipped: no server on 127.0.0.1:5432 and no initdb/pg_ctl binaries")
        self.pg_ctl = pg_ctl
        self.dir = Path(tempfile.mkdtemp(prefix="triggermap-pg-"))
        self.data = self.dir / "data"
        self.port = _free_port()
        self.prefix: list[str] = []
        if os.geteuid() == 0:  # postgres refuses to run as root
            import pwd

            try:
                pw = pwd.getpwnam("postgres")
            except KeyError:
                pytest.skip("PostgreSQL tests skipped: running as root and there is no 'postgres' user")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
            runuser = shutil.which("runuser")
            self.prefix = (
                [runuser, "-u", "postgres", "--"] if runuser else ["su", "postgres", "-s", "/bin/sh", "-c"]
            )
        self._run([initdb, "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"])
        opts = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1"
        self._run([pg_ctl, "-D", str(self.data), "-o", opts, "-l", str(self.dir / "log"), "-w", "start"])
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, cmd: list[str]) -> None:
        if self.prefix and self.prefix[0] == "su":
            import shlex

            full = [*self.prefix, shlex.join(cmd)]
        else:
            full = [*self.prefix, *cmd]
        subprocess.run(full, check=True, capture_output=True, timeout=120)

    def stop(self) -> None:
        try:
            self._run([self.pg_ctl, "-D", str(self.data), "-m", "immediate", "-w", "stop"])
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_admin_url() -> Iterator[str]:
    """A superuser URL of a running PostgreSQL server (database ``postgres`` or ``test``)."""
    mode = os.environ.get("TRIGGERMAP_TEST_PG", "")
    if mode == "skip":
        pytest.skip("PostgreSQL tests skipped: TRIGGERMAP_TEST_PG=skip")
    env_url = os.environ.get("TRIGGERMAP_TEST_PG_URL")
    if env_url:
        yield db.resolve_url(env_url)
        return
    if mode != "spawn" and _port_open("127.0.0.1", 5432):
        for name in ("postgres", "test"):
            url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
            if _can_connect(url):
                yield url
                return
    cluster = _Cluster()
    try:
        yield cluster.url
    finally:
        cluster.stop()


def _admin_exec(admin_url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(
        admin_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True
    ) as conn:
        conn.execute(sql)


def _with_database(admin_url: str, name: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def new_pg_database(admin_url: str) -> tuple[str, str]:
    name = f"triggermap_test_{secrets.token_hex(6)}"
    _admin_exec(admin_url, f'CREATE DATABASE "{name}"')
    return name, _with_database(admin_url, name)


def drop_pg_database(admin_url: str, name: str) -> None:
    db.dispose_engines()
    _admin_exec(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def pg_session_db(pg_admin_url: str) -> Iterator[str]:
    """The session's PostgreSQL database, migrated to head."""
    name, url = new_pg_database(pg_admin_url)
    try:
        engine = db.create_engine_for(url)
        try:
            db.upgrade(engine)
        finally:
            engine.dispose()
        yield url
    finally:
        cleaner = _cleaners.pop(url, None)
        if cleaner is not None:
            cleaner.dispose()  # type: ignore[attr-defined]
        drop_pg_database(pg_admin_url, name)


_cleaners: dict[str, object] = {}


def _clear_all(url: str) -> None:
    """Empty every table (DELETE is much faster than TRUNCATE on tables this small)."""
    from sqlalchemy import text

    from triggermap.store.models import TABLE_ORDER

    engine = _cleaners.get(url)
    if engine is None:
        engine = _cleaners[url] = db.create_engine_for(url)
    with engine.begin() as conn:  # type: ignore[attr-defined]
        for table in reversed(TABLE_ORDER):
            conn.execute(text(f"DELETE FROM {table}"))


BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(autouse=True)
def _fast_argon2_always(fast_argon2: None) -> None:
    """Every store test hashes with the cheap parameters (tests/conftest.py's fast_argon2)."""


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """An empty, migrated-on-first-use database of each backend; also $TRIGGERMAP_DATABASE_URL."""
    if request.param == "sqlite":
        path = tmp_path / "store.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("pg_session_db")
        _clear_all(url)
    monkeypatch.setenv(db.ENV_URL, url)
    try:
        yield url
    finally:
        db.dispose_engines()


@pytest.fixture(params=BACKENDS)
def fresh_db_url(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """A brand-new, NOT migrated database of each backend (migrations, first-use races)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
        monkeypatch.setenv(db.ENV_URL, url)
        try:
            yield url
        finally:
            db.dispose_engines()
        return
    admin = request.getfixturevalue("pg_admin_url")
    name, url = new_pg_database(admin)
    monkeypatch.setenv(db.ENV_URL, url)
    try:
        yield url
    finally:
        drop_pg_database(admin, name)


@pytest.fixture(params=BACKENDS)
def other_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A second empty database of each backend (restore targets)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'other.sqlite3'}"
        return
    admin = request.getfixturevalue("pg_admin_url")
    name, url = new_pg_database(admin)
    try:
        yield url
    finally:
        drop_pg_database(admin, name)


# --- the knowledge base's vocabulary ---------------------------------------------------


def _stub_vocab() -> Vocab:
    """Region and exercise ids read straight from the data files (while the KB is incomplete)."""
    import yaml

    regions: dict[str, bool] = {}
    labels: dict[str, dict[str, str]] = {}
    path = KB_DATA / "regions.yaml"
    if path.exists():
        for r in yaml.safe_load(path.read_text(encoding="utf-8"))["regions"]:
            regions[r["id"]] = bool(r["midline"])
            labels[r["id"]] = dict(r.get("label") or {})
    for rid, midline in {"low-back": False, "coccyx": True, "buttock-lower-inner": False}.items():
        regions.setdefault(rid, midline)
    items: set[str] = set()
    for p in sorted((KB_DATA / "exercises").glob("*.yaml")):
        try:
            doc = yaml.safe_load(p.read_text(encoding="utf-8"))
        except yaml.YAMLError:
            continue
        if isinstance(doc, dict) and isinstance(doc.get("id"), str):
            items.add(doc["id"])
    items |= {"figure-four-stretch", "glute-bridge"}
    return Vocab(regions=regions, plan_items=frozenset(items), kb_version="stub", region_labels=labels)


@pytest.fixture(scope="session")
def session_vocab() -> Vocab:
    from triggermap.knowledge import KnowledgeError, load

    try:
        return vocab_mod.from_knowledge(load())
    except (KnowledgeError, OSError) as exc:
        warnings.warn(
            f"knowledge base does not load yet ({type(exc).__name__}); store tests use ids read from the "
            "data files instead",
            stacklevel=1,
        )
        return _stub_vocab()


@pytest.fixture
def kb_vocab(session_vocab: Vocab, monkeypatch: pytest.MonkeyPatch) -> Vocab:
    """The vocabulary the store validates against (the real KB when it loads)."""
    monkeypatch.setattr(vocab_mod, "_CURRENT", session_vocab)
    return session_vocab


@pytest.fixture
def lateral_region(kb_vocab: Vocab) -> str:
    return (
        "low-back"
        if kb_vocab.regions.get("low-back") is False
        else next(r for r, m in kb_vocab.regions.items() if not m)
    )


@pytest.fixture
def midline_region(kb_vocab: Vocab) -> str:
    return "coccyx" if kb_vocab.regions.get("coccyx") else next(r for r, m in kb_vocab.regions.items() if m)


@pytest.fixture
def plan_item(kb_vocab: Vocab) -> str:
    return sorted(kb_vocab.plan_items)[0]
