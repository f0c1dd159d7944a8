"""The fast path of ``POST /api/v1/assess`` (triggermap.web.fastpath) answers exactly as the
usual FastAPI route does: same status, headers and bytes, for good and bad requests."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import pytest

from tmhelpers import ARTICLE

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


def _client(kb: Any, fast: bool, **kw: Any) -> TestClient:
    from triggermap.web.app import create_app

    app = create_app(kb=kb, **kw)
    app.state.fast_assess = fast
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture(scope="module")
def both(kb: Any) -> Iterator[tuple[TestClient, TestClient]]:
    with _client(kb, True) as fast, _client(kb, False) as usual:
        yield fast, usual


JSON = {"content-type": "application/json"}
CASES: list[tuple[str, dict[str, Any]]] = [
    ("/api/v1/assess", {"json": ARTICLE}),
    ("/api/v1/assess?lang=es&who=self", {"json": ARTICLE}),
    ("/api/v1/assess?lean=1", {"json": ARTICLE}),
    ("/api/v1/assess", {"json": ARTICLE, "headers": {"accept-language": "es-MX,es;q=0.9"}}),
    ("/api/v1/assess?lang=fr", {"json": ARTICLE}),
    ("/api/v1/assess?who=nobody", {"json": ARTICLE}),
    ("/api/v1/assess?lean=2", {"json": ARTICLE}),
    ("/api/v1/assess", {"content": b'{"pain": [', "headers": JSON}),
    ("/api/v1/assess", {"content": b"", "headers": JSON}),
    ("/api/v1/assess", {"content": b"\xff\xfe", "headers": JSON}),
    ("/api/v1/assess", {"content": b"[" * 5000 + b"]" * 5000, "headers": JSON}),
    ("/api/v1/assess", {"content": b'{"age": 1' + b"0" * 5000 + b"}", "headers": JSON}),
    ("/api/v1/assess", {"json": {"findings": None, "pain": [{"region": "calf", "side": "left"}]}}),
    ("/api/v1/assess", {"json": {"pain": [{"region": "calff", "side": "left"}]}}),
    ("/api/v1/assess", {"json": [1, 2]}),
    ("/api/v1/assess", {"content": b"{}", "headers": {"content-type": "text/plain"}}),
    ("/api/v1/assess", {"content": b"{}"}),
    ("/api/v1/assess", {"content": b"{" + b" " * (70 * 1024) + b"}", "headers": JSON}),
]


@pytest.mark.parametrize(("url", "kw"), CASES, ids=[f"{i}" for i in range(len(CASES))])
def test_fast_path_answers_exactly_as_the_route(both, url, kw):
    fast, usual = both
    a, b = fast.post(url, **kw), usual.post(url, **kw)
    assert a.status_code == b.status_code
    assert a.content == b.content
    assert a.headers.items() == b.headers.items()


def test_fast_path_serves_the_route(kb, monkeypatch):
    """With the fast path on, the handler is reached without FastAPI's routing (no route in the
    request's scope); with it off, through the route."""
    from triggermap.web import api

    seen: list[Any] = []
    real = api.api_assess

    async def spy(request: Any) -> Any:
        seen.append(request.scope.get("route"))
        return await real(request)

    monkeypatch.setattr(api, "api_assess", spy)  # the fast path looks the handler up at each request
    for fast in (True, False):
        seen.clear()
        with _client(kb, fast) as c:
            assert c.post("/api/v1/assess", json=ARTICLE).status_code == 200
            assert c.get("/api/v1/assess").status_code == 405  # other methods: the usual way
        assert seen == ([None] if fast else [])


def test_a_host_that_is_not_allowed_is_refused_as_before(kb):
    for fast in (True, False):
        with _client(kb, fast, allowed_hosts=["127.0.0.1"]) as c:
            r = c.post("/api/v1/assess", json=ARTICLE)  # TestClient's Host is testserver
            assert r.status_code == 400 and r.text == "Invalid host header"
            ok = c.post("/api/v1/assess", json=ARTICLE, headers={"host": "127.0.0.1:8000"})
            assert ok.status_code == 200


def test_a_server_error_is_the_usual_500(kb, monkeypatch):
    from triggermap.web import api

    def boom(*_a: Any, **_k: Any) -> Any:
        raise RuntimeError("engine broke")

    monkeypatch.setattr(api, "assess_document", boom)
    answers = []
    for fast in (True, False):
        with _client(kb, fast) as c:
            r = c.post("/api/v1/assess", json=ARTICLE)
            answers.append((r.status_code, r.content, sorted(r.headers.items())))
    assert answers[0] == answers[1]
    assert answers[0][0] == 500 and b"(server)" in answers[0][1]


@pytest.mark.parametrize("fast", [True, False])
def test_a_trickled_body_gets_408_at_the_body_deadline(kb, fast):
    """The body timeout is one deadline for the whole body (asyncio.timeout_at), not per read: a
    client sending a byte every 0.1 s is answered 408 when the deadline passes, on both paths."""
    import asyncio
    import json
    import time

    from triggermap.web.app import create_app

    app = create_app(kb=kb, body_timeout=0.6)
    app.state.fast_assess = fast
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": "/api/v1/assess", "raw_path": b"/api/v1/assess", "query_string": b"", "root_path": "",
             "headers": [(b"host", b"127.0.0.1"), (b"content-type", b"application/json")],
             "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 8000), "state": {}}
    sent: list[Any] = []

    async def receive() -> dict[str, Any]:
        await asyncio.sleep(0.1)
        return {"type": "http.request", "body": b" ", "more_body": True}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    start = time.monotonic()
    asyncio.run(asyncio.wait_for(app(scope, receive, send), 10))
    took = time.monotonic() - start
    assert sent[0]["status"] == 408 and 0.5 < took < 3, (sent[0], took)
    assert json.loads(sent[1]["body"])["field"] == "(document)"
