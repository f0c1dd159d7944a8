"""Security headers and the request size limit, as plain ASGI middleware (no per-request task
overhead, unlike Starlette's ``BaseHTTPMiddleware``)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: A contract intake is a few hundred bytes and the intake form a few kilobytes.
MAX_BODY_BYTES = 64 * 1024

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
SECURITY_HEADERS: list[tuple[bytes, bytes]] = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (
        b"permissions-policy",
        b"camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()",
    ),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
]
NO_STORE = (b"cache-control", b"no-store")
STATIC_CACHE = (b"cache-control", b"public, max-age=3600")


def too_large_message(limit: int = MAX_BODY_BYTES) -> str:
    return f"the request body is larger than {limit // 1024} KiB; an intake is a small document"


class HeadAsGet:
    """HEAD wherever GET is allowed (FastAPI's routes take only the methods they name): a HEAD
    request is answered as the GET, with the GET's headers and no body."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body"):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_headers_only)


class SecurityHeaders:
    """Adds the security headers to every response; ``Cache-Control: no-store`` on everything but
    static files (pages and API answers may carry health data)."""

    def __init__(self, app: ASGIApp, static_prefix: str = "/static/"):
        self.app = app
        self.static_prefix = static_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope.get("path", "").startswith(self.static_prefix)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if k.lower() not in (b"cache-control", b"server")
                ]
                headers.extend(SECURITY_HEADERS)
                headers.append(STATIC_CACHE if static else NO_STORE)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


#: HTTP 415 for a request body sent compressed (the app reads bodies as sent)
ENCODING_MESSAGE = "request bodies must be sent uncompressed (no Content-Encoding, or identity)"


class BodyLimit:
    """Refuses request bodies over ``limit`` bytes with HTTP 413 (declared or streamed), and
    bodies not complete ``timeout`` seconds after the request's headers with HTTP 408 (a
    half-sent request must not hold a connection and a worker for ever)."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES, timeout: float | None = None):
        self.app = app
        self.limit = limit
        self.timeout = timeout

    async def _reject(self, scope: Scope, send: Send, status: int = 413) -> None:
        path = scope.get("path", "")
        message = {413: too_large_message(self.limit), 415: ENCODING_MESSAGE}.get(status, TIMEOUT_MESSAGE)
        field = "Content-Encoding" if status == 415 else "(document)"
        if path.startswith("/api/"):
            body = json.dumps({"field": field, "message": message}).encode()
            ctype = b"application/json"
        else:
            title = {413: "Too much data", 415: "Not readable"}.get(status, "Too slow")
            body = (
                f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{status}</title>"
                "<link rel=\"stylesheet\" href=\"/static/app.css\"></head><body><main class=\"page\">"
                f"<h1>{title}</h1><p>{message}.</p>"
                "<p><a href=\"/\">Start again</a></p>"
                "</main></body></html>"
            ).encode()
            ctype = b"text/html; charset=utf-8"
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", ctype), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for k, v in scope.get("headers", []):
            if (k == b"content-encoding" and v.strip().lower() not in (b"", b"identity")
                    and scope.get("method") not in ("GET", "HEAD", "OPTIONS")):
                await self._reject(scope, send, 415)  # a compressed body would be read as if it were plain
                return
            if k == b"content-length":
                try:
                    declared = int(v)
                except ValueError:
                    declared = self.limit + 1
                if declared > self.limit:
                    await self._reject(scope, send)
                    return
        received = 0
        too_big = timed_out = False
        body_done = False
        loop = asyncio.get_running_loop()
        deadline = None if self.timeout is None else loop.time() + self.timeout

        async def limited_receive() -> Message:
            nonlocal received, too_big, timed_out, body_done
            if body_done or deadline is None:
                message = await receive()
            else:
                try:
                    # a deadline for the whole body, not per read; no task per read (unlike wait_for)
                    async with asyncio.timeout_at(deadline):
                        message = await receive()
                except TimeoutError:
                    timed_out = True
                    raise RequestTimeout() from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if not message.get("more_body", False):
                    body_done = True
                if received > self.limit:
                    too_big = True
                    raise RequestTooLarge()
            else:  # http.disconnect: nothing more will come
                body_done = True
            return message

        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except RequestTooLarge:
            if not started:
                await self._reject(scope, send)
        except RequestTimeout:
            if not started:
                await self._reject(scope, send, 408)
        except Exception:
            if (too_big or timed_out) and not started:
                await self._reject(scope, send, 413 if too_big else 408)
            else:
                raise


class RequestTooLarge(Exception):
    """Raised from ``receive`` when a streamed body passes the limit (the app maps it to 413)."""


class RequestTimeout(Exception):
    """Raised from ``receive`` when the body is not complete in time (the app maps it to 408)."""


TIMEOUT_MESSAGE = "the request body did not arrive in time"


class GzipPages:
    """Gzip for pages and static files (a body map page is ~250 KB of SVG, ~40 KB gzipped: it matters
    on a phone); the JSON API and /healthz skip it (small answers, every microsecond counts)."""

    def __init__(self, app: ASGIApp, minimum_size: int = 1024):
        from starlette.middleware.gzip import GZipMiddleware

        self.app = app
        self.gzip = GZipMiddleware(app, minimum_size=minimum_size)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not path or path.startswith("/api/") or path == "/healthz" or path.endswith(".pdf"):
            await self.app(scope, receive, send)
        else:
            await self.gzip(scope, receive, send)
