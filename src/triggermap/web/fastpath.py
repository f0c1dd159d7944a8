"""The hot route without the framework: ``POST /api/v1/assess`` straight to its handler.

Measured in-process (bench/bench_web.py, docs in the README), Starlette's routing (trying the
page routes one by one), FastAPI's request handling (dependency solving, the endpoint wrapper)
and four middleware layers cost about as much CPU per assessment request as everything uvicorn
does for ``/healthz``. This ASGI layer sits inside the security headers and the body limits
(:class:`~triggermap.web.security.SecurityHeaders`, :class:`~triggermap.web.security.BodyLimit`,
which still apply), recognises the one route, and calls the same handler
(:func:`triggermap.web.api.api_assess`) with a Starlette ``Request``, so the answers are the same
bytes: 200, 415 and 422 from the handler, 413/408/400 and 500 from the app's own exception
handlers, looked up as Starlette looks them up. A request with a ``Host`` the app does not allow
(``allowed_hosts``) goes the usual way, to be refused there. Every other request goes the usual way,
and so does this one when ``app.state.fast_assess`` is false (the tests compare both ways).
"""

from __future__ import annotations

from typing import Any

from .security import ASGIApp, Receive, Scope, Send

PATH = "/api/v1/assess"


class FastAssess:
    def __init__(self, app: ASGIApp, asgi_app: Any):
        self.app = app  # the full stack (middleware, routing, FastAPI)
        self.asgi_app = asgi_app  # the FastAPI application (state, exception handlers)

    def _host_allowed(self, scope: Scope) -> bool:
        hosts: list[str] | None = getattr(self.asgi_app.state, "allowed_hosts", None)
        if not hosts or "*" in hosts:
            return True
        host = ""
        for k, v in scope.get("headers", ()):
            if k == b"host":
                host = v.decode("latin-1").split(":")[0]
                break
        # the same matching as Starlette's TrustedHostMiddleware
        return any(host == p or (p.startswith("*") and host.endswith(p[1:])) for p in hosts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] != "http" or scope.get("path") != PATH or scope.get("method") != "POST"
                or not getattr(self.asgi_app.state, "fast_assess", True) or not self._host_allowed(scope)):
            await self.app(scope, receive, send)
            return
        from starlette.requests import Request

        from .api import api_assess

        scope.setdefault("app", self.asgi_app)
        scope.setdefault("path_params", {})
        request = Request(scope, receive)
        try:
            response = await api_assess(request)
        except Exception as exc:  # noqa: BLE001 - answered by the app's own handler, as on the usual path
            handler = self._handler(exc)
            if handler is None:
                raise
            response = await handler(request, exc)
            await response(scope, receive, send)
            if self._handler(exc, server_only=True) is not None:
                raise  # as Starlette's ServerErrorMiddleware does: the server logs it too
            return
        await response(scope, receive, send)

    def _handler(self, exc: Exception, server_only: bool = False) -> Any:
        handlers: dict[Any, Any] = self.asgi_app.exception_handlers
        if server_only:  # the 500 handler (registered for Exception / 500)
            specific = any(cls in handlers for cls in type(exc).__mro__ if cls is not Exception)
            return None if specific else handlers.get(Exception) or handlers.get(500)
        for cls in type(exc).__mro__:
            if cls in handlers:
                return handlers[cls]
        return handlers.get(500)
