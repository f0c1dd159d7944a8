"""Issue 13, against real ``triggermap serve`` processes: log-in throttling shared by several
servers on one database (a clinic behind a load balancer), forwarded headers believed only from
configured proxies, half-sent requests timed out, client disconnects not logged as errors."""

from __future__ import annotations

import os
import signal
import socket
import time

import httpx
import pytest

from tmhelpers import csrf_of
from triggermap.store import db, repo

from .test_web_durability import serving

PW = "correct horse battery staple"


def login(base: str, password: str, forwarded_for: str | None = None) -> httpx.Response:
    headers = {"x-forwarded-for": forwarded_for} if forwarded_for else {}
    with httpx.Client(base_url=base, timeout=60, headers=headers) as http:
        token = csrf_of(http.get("/login").text)
        return http.post("/login", data={"username": "dr.who", "password": password, "csrf": token})


def test_two_servers_share_the_login_throttle_and_ignore_forged_forwarded_for(db_url):
    """Two clinic servers on one database (PostgreSQL: the load-balanced clinic). Wrong passwords
    sent to the first, each with a new forged X-Forwarded-For, all count for the one real client:
    the second server makes that client wait too, even with the right password. The owner, coming
    through a trusted proxy from another address (a third server with --forwarded-allow-ips), logs
    in at once: there is no lock of the account itself."""
    with db.session_scope(db_url) as s:
        repo.create_account(s, "dr.who", PW, "clinician")
    with serving(db_url, ["--clinic"], ["--clinic"], ["--clinic", "--forwarded-allow-ips", "127.0.0.1"]) as procs:
        (_, first), (_, second), (_, behind_proxy) = procs
        for i in range(repo.FREE_FAILURES_PER_CLIENT):
            assert login(first, "wrong password!!", forwarded_for=f"203.0.113.{i + 1}").status_code == 401
        r = login(second, PW, forwarded_for="203.0.113.200")
        assert r.status_code == 429, r.text[:300]
        assert int(r.headers["retry-after"]) >= 1
        # through the trusted proxy, the forwarded address is the client: another client, no wait
        assert login(behind_proxy, PW, forwarded_for="198.51.100.7").status_code == 303  # logged in
    with db.session_scope(db_url, readonly=True) as s:
        ips = {a.ip for a in repo.list_audit(s) if a.action in ("login-failed", "login-blocked", "login")}
    assert ips == {"127.0.0.1", "198.51.100.7"}


def _read_all(sock: socket.socket, timeout: float) -> bytes:
    sock.settimeout(timeout)
    chunks = []
    try:
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    except TimeoutError:
        chunks.append(b"<still open>")
    return b"".join(chunks)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_half_sent_requests_time_out_and_disconnects_are_not_errors(db_url):
    """Half-sent headers are cut off after --header-timeout; a half-sent body is answered 408 after
    --body-timeout; a client that goes away mid-request leaves no traceback in the log."""
    with serving(db_url, ["--header-timeout", "1", "--body-timeout", "1"]) as [(proc, base)]:
        port = int(base.rsplit(":", 1)[1])
        start = time.monotonic()
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            assert _read_all(sock, 10) == b""  # closed by the server, without an answer
        assert time.monotonic() - start < 8
        # a keep-alive connection whose second request stalls is cut off too
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            time.sleep(0.3)
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            answer = _read_all(sock, 10)
            assert answer.count(b"HTTP/1.1 200") == 1 and not answer.endswith(b"<still open>")
        start = time.monotonic()
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.sendall(b"POST /api/v1/assess HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                         b"Content-Length: 500\r\n\r\n{\"pain\": [")
            answer = _read_all(sock, 10)
        assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
        assert time.monotonic() - start < 8
        for path in ("/api/v1/assess", "/results", "/handout.pdf"):  # the client hangs up mid-body
            with socket.create_connection(("127.0.0.1", port)) as sock:
                sock.sendall(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                             "application/x-www-form-urlencoded\r\nContent-Length: 5000\r\n\r\nintake=".encode())
                time.sleep(0.2)
        time.sleep(0.5)
        assert httpx.get(f"{base}/healthz").status_code == 200
        os.killpg(proc.pid, signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    log = (out + err).decode()
    assert "Traceback" not in log and "ERROR" not in log, log[-3000:]


def test_pdf_handout_limit_per_client_is_shared_through_the_database(db_url, kb, monkeypatch):
    """Issue 13: the PDF handout costs about 1 s of CPU and had no limit. One client gets
    PDF_LIMIT per window, counted in the database: a second app (server) on the same database
    refuses that client too (429, Retry-After); another client is served."""
    import warnings

    from triggermap.web import limits
    from triggermap.web.app import create_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    monkeypatch.setattr(limits, "PDF_LIMIT", 2)
    one, two = create_app(kb=kb, database_url=db_url), create_app(kb=kb, database_url=db_url)
    with TestClient(one) as a, TestClient(two) as b, TestClient(two, client=("10.1.1.1", 1000)) as other:
        # (an empty form is refused cheaply, but counts: the limit comes before any work)
        assert a.post("/handout.pdf", data={}).status_code != 429
        assert b.post("/handout.pdf", data={}).status_code != 429
        r = b.post("/handout.pdf", data={})
        assert r.status_code == 429
        assert 0 < int(r.headers["retry-after"]) <= limits.PDF_WINDOW.total_seconds()
        assert "Please wait" in r.text
        assert a.post("/handout.pdf", data={}).status_code == 429
        assert other.post("/handout.pdf", data={}).status_code != 429


def test_uvicorn_options_trust_no_proxy_by_default():
    """uvicorn's own default believes X-Forwarded-For from 127.0.0.1 (the bypass of issue 13);
    `triggermap serve` turns proxy headers off unless --forwarded-allow-ips names a proxy."""
    from triggermap.web.server import parse_allow_ips, uvicorn_options

    off = uvicorn_options()
    assert off["proxy_headers"] is False and off["forwarded_allow_ips"] == ""
    assert off["timeout_keep_alive"] > 0 and off["http"].__name__.startswith("HeaderTimeout")
    on = uvicorn_options(forwarded_allow_ips=" 127.0.0.1, 10.0.0.0/8 ")
    assert on["proxy_headers"] is True and on["forwarded_allow_ips"] == "127.0.0.1,10.0.0.0/8"
    with pytest.raises(ValueError, match="not an IP"):
        parse_allow_ips("127.0.0.1,proxy.local")


@pytest.mark.parametrize("impl", ["h11", "httptools"])
def test_header_timeout_with_both_http_implementations(impl):
    """The header timeout works whichever HTTP parser uvicorn runs (h11 without uvicorn[standard])."""
    import threading

    import uvicorn

    from triggermap.web.server import protocol_class

    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off",
                            http=protocol_class(0.5, impl), timeout_keep_alive=30)
    server = uvicorn.Server(config)
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started:
            assert time.monotonic() < deadline and thread.is_alive()
            time.sleep(0.02)
        start = time.monotonic()
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
            assert _read_all(sock, 5) == b""
        assert time.monotonic() - start < 4
        with socket.create_connection(("127.0.0.1", port)) as sock:  # a complete request is answered
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            assert _read_all(sock, 5).startswith(b"HTTP/1.1 200")
    finally:
        server.should_exit = True
        thread.join(timeout=10)
