"""No data lost through the web app, against real server processes (``triggermap serve``):

* a server killed with SIGKILL in the middle of a burst of diary writes loses no entry it had
  acknowledged (answered 303 "saved"), and leaves the database consistent;
* two server processes writing to one database at once lose nothing and never overwrite;
* a real uvicorn at its most verbose logging never logs a password.

Each runs on SQLite and on PostgreSQL (the ``db_url`` fixtures).
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from tmhelpers import csrf_of
from triggermap.store import db, repo
from triggermap.store.models import DiaryDone, DiaryEntry, DiaryRegion

REGIONS = ["low-back:left", "coccyx"]
DONE = ["figure-four-stretch"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_up(proc: subprocess.Popen[bytes], base: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if proc.poll() is not None:
            err = proc.stderr.read().decode() if proc.stderr else ""
            raise AssertionError(f"server exited ({proc.returncode}): {err}")
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)


def start_server(url: str, cmd: list[str] | None = None, env: dict[str, str] | None = None,
                 ) -> tuple[subprocess.Popen[bytes], str]:
    """``triggermap serve`` (single-user mode, loopback) on a free port, on database ``url``."""
    port = _free_port()
    cmd = cmd or [sys.executable, "-m", "triggermap", "serve", "--port", str(port)]
    cmd = [c.replace("{port}", str(port)) for c in cmd]
    full_env = {**os.environ, db.ENV_URL: url, "PYTHONUNBUFFERED": "1", **(env or {})}
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=full_env,
                            start_new_session=True)
    return proc, f"http://127.0.0.1:{port}"


@contextmanager
def serving(url: str, *argsets: list[str]) -> Iterator[list[tuple[subprocess.Popen[bytes], str]]]:
    """One ``triggermap serve`` per argument list, all on database ``url``, started together
    (they race to migrate and to create "me"), stopped at the end."""
    procs = [start_server(url, [sys.executable, "-m", "triggermap", "serve", "--port", "{port}", *args])
             for args in argsets]
    try:
        for proc, base in procs:
            _wait_up(proc, base)
        yield procs
    finally:
        for proc, _ in procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
            proc.communicate(timeout=30)


def servers(url: str, n: int = 1) -> Any:
    """``n`` plain single-user servers on ``url`` (see :func:`serving`)."""
    return serving(url, *([] for _ in range(n)))


class DiaryClient:
    """A browser-like client of the local diary: its own CSRF cookie, the form posts of the page."""

    def __init__(self, base: str):
        self.http = httpx.Client(base_url=base, timeout=30)
        r = self.http.get("/diary")
        assert r.status_code == 303, r.text
        self.path = r.headers["location"]
        page = self.http.get(self.path)
        self.token = csrf_of(page.text)

    def add(self, day: str, pain: int) -> str:
        """``ok`` (acknowledged: saved and committed) or ``dup`` (the date already has an entry)."""
        r = self.http.post(f"{self.path}/entries", data={"csrf": self.token, "date": day, "pain": str(pain),
                                                         "region": REGIONS, "done": DONE})
        if r.status_code == 303 and r.headers["location"].endswith(f"?saved={day}"):
            return "ok"
        if r.status_code == 422 and "there is already an entry for" in r.text:
            return "dup"
        raise AssertionError(f"unexpected answer {r.status_code}: {r.text[:300]}")

    def close(self) -> None:
        self.http.close()


def stored(url: str) -> dict[str, int]:
    with db.session_scope(url, readonly=True) as s:
        person = repo.get_person(s, "me")
        return {e.entry_date.isoformat(): e.pain for e in repo.list_entries(s, person)}


def check_consistent(url: str) -> None:
    engine = db.create_engine_for(url)
    try:
        assert db.integrity_check(engine) == []
    finally:
        engine.dispose()
    with db.session_scope(url, readonly=True) as s:
        ids = list(s.scalars(select(DiaryEntry.id)))
        regions = dict(s.execute(select(DiaryRegion.entry_id, func.count()).group_by(DiaryRegion.entry_id)).all())
        done = dict(s.execute(select(DiaryDone.entry_id, func.count()).group_by(DiaryDone.entry_id)).all())
    # every entry is whole, even one whose request was cut off by the kill
    assert all(regions.get(i) == len(REGIONS) and done.get(i) == len(DONE) for i in ids)


def burst(base: str, days: Iterator[dt.date], acked: dict[str, int], kill: Any, kill_after: int,
          workers: int = 4) -> list[str]:
    """``workers`` clients post entries as fast as they can; ``kill()`` once ``kill_after`` are
    acknowledged. Returns the dates whose request got no answer (in flight at the kill)."""
    lock = threading.Lock()
    cut_off: list[str] = []
    clients = [DiaryClient(base) for _ in range(workers)]
    round_acked: list[str] = []

    def work(client: DiaryClient) -> None:
        while True:
            with lock:
                day = next(days).isoformat()
            pain = int(day[-2:]) % 11
            try:
                outcome = client.add(day, pain)
            except httpx.TransportError:
                with lock:
                    cut_off.append(day)
                return
            assert outcome == "ok"
            with lock:
                acked[day] = pain
                round_acked.append(day)

    threads = [threading.Thread(target=work, args=(cl,), daemon=True) for cl in clients]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 60
    while len(round_acked) < kill_after:
        assert time.monotonic() < deadline, "the burst did not get going"
        time.sleep(0.002)
    kill()  # while the other writers' requests are in flight
    for t in threads:
        t.join(timeout=30)
    for cl in clients:
        cl.close()
    return cut_off


def test_server_killed_mid_burst_loses_no_acknowledged_entry(db_url):
    acked: dict[str, int] = {}
    for round_no, kill_after in enumerate((5, 40)):
        proc, base = start_server(db_url)
        _wait_up(proc, base)
        first = dt.date.today() - dt.timedelta(days=6000 - 2000 * round_no)  # past days only
        days = (first + dt.timedelta(days=i) for i in range(100_000))
        cut_off = burst(base, days, acked, lambda p=proc: os.kill(p.pid, signal.SIGKILL), kill_after)
        proc.communicate(timeout=30)
        assert proc.returncode == -signal.SIGKILL
        assert cut_off, "the kill did not interrupt the burst"
        db.dispose_engines()
        have = stored(db_url)
        lost = {d: p for d, p in acked.items() if have.get(d) != p}
        assert not lost, f"acknowledged entries lost: {lost}"
        assert len(acked) >= kill_after
        check_consistent(db_url)
        # (the next round's server starts on the database the kill left behind)


def test_two_server_processes_lose_nothing(fresh_db_url):
    """Two servers start together on a new database (both migrate-or-wait and create the local
    person), then write at once: their own dates, and the same dates (one wins, the other is
    told the date is taken: nothing is overwritten)."""
    own, shared = 12, 8
    results: dict[int, dict[str, str]] = {0: {}, 1: {}}
    with servers(fresh_db_url, n=2) as procs:
        def writer(k: int, base: str) -> None:
            client = DiaryClient(base)
            for i in range(max(own, shared)):
                if i < own:
                    day = (dt.date(2021, 1, 1) + dt.timedelta(days=2 * i + k)).isoformat()
                    results[k][day] = client.add(day, 3 + k)
                if i < shared:
                    day = (dt.date(2022, 1, 1) + dt.timedelta(days=i)).isoformat()
                    results[k][day] = client.add(day, 3 + 5 * k)
            client.close()

        threads = [threading.Thread(target=writer, args=(k, base)) for k, (_, base) in enumerate(procs)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        for proc, _ in procs:
            assert proc.poll() is None, "a server died"
    expected: dict[str, int] = {}
    for k in (0, 1):
        for day, outcome in results[k].items():
            if outcome == "ok":
                assert day not in expected, f"{day} acknowledged to both servers"
                expected[day] = 3 + k if day.startswith("2021") else 3 + 5 * k
    assert len(expected) == 2 * own + shared
    shared_days = [d for d in results[0] if d.startswith("2022")]
    assert all({results[0][d], results[1][d]} == {"ok", "dup"} for d in shared_days)
    assert stored(fresh_db_url) == expected
    check_consistent(fresh_db_url)
    with db.session_scope(fresh_db_url, readonly=True) as s:
        assert repo.person_codes(s) == ["me"]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_uvicorn_never_logs_a_password(db_url):
    """uvicorn at log level ``trace`` with its access log: the log-in form body is never written."""
    password = "Zebra-Kangaroo-Secret-42"
    with db.session_scope(db_url) as s:
        person = repo.create_person(s, "pat-z")
        repo.create_account(s, "zoe", password, "patient", person=person)
    cmd = [sys.executable, "-m", "uvicorn", "--factory", "triggermap.web.app:create_app", "--port", "{port}",
           "--log-level", "trace", "--access-log"]
    proc, base = start_server(db_url, cmd, env={"TRIGGERMAP_CLINIC": "1"})
    try:
        _wait_up(proc, base)
        with httpx.Client(base_url=base, timeout=30) as http:
            token = csrf_of(http.get("/login").text)
            for pw in (password + "-wrong", password):
                http.post("/login", data={"username": "zoe", "password": pw, "csrf": token})
            page = http.get("/diary", follow_redirects=True)  # logged in: the form really reached the app
            assert page.status_code == 200 and "My pain diary" in page.text
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    log = (out + err).decode()
    assert "POST /login" in log and "TRACE" in log  # the access log and the trace log were on
    assert password not in log
    assert token not in log


def test_concurrent_first_requests_to_a_new_database_all_succeed(fresh_db_url):
    """Issue 13: eight first requests at once on a brand-new database used to give 500s
    (two threads migrating at once). Each must now answer normally."""
    with servers(fresh_db_url, 1) as [(_, base)]:
        barrier = threading.Barrier(8)
        codes: list[int] = []

        def first() -> None:
            with httpx.Client(base_url=base, timeout=60) as http:
                barrier.wait()
                codes.append(http.get("/diary").status_code)

        threads = [threading.Thread(target=first) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert codes == [303] * 8
