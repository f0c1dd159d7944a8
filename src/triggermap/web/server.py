"""How ``triggermap serve`` runs uvicorn: which proxies are trusted, and how long a client may
take to send a request.

* **Forwarded headers** (``X-Forwarded-For``, ``X-Forwarded-Proto``) say who the client is
  and whether it came over HTTPS, but any client can send them. They are believed only from
  the proxy addresses given with ``--forwarded-allow-ips`` (off by default: uvicorn's own
  default trusts 127.0.0.1, so every local process, or a proxy that passes the header on,
  could pick any address and escape the per-client log-in and PDF limits).
* **Header timeout**: a connection must deliver a request's complete headers within
  ``--header-timeout`` seconds of opening (or of the previous response); a half-sent request
  no longer holds a connection for ever (uvicorn's keep-alive timeout covers only idle
  connections, and is cancelled by the first byte of a new request).
* **Body timeout**: :class:`~triggermap.web.security.BodyLimit` answers 408 when a request's
  body is not complete within ``--body-timeout`` seconds.
"""

from __future__ import annotations

import asyncio
from typing import Any

HEADER_TIMEOUT = 10.0
BODY_TIMEOUT = 30.0
KEEP_ALIVE_TIMEOUT = 5


def protocol_class(header_timeout: float = HEADER_TIMEOUT, impl: str = "auto") -> type[asyncio.Protocol]:
    """uvicorn's HTTP protocol (``impl``: ``auto`` is httptools when installed, else h11) that
    closes a connection whose request headers are not complete ``header_timeout`` seconds after
    it opened or after its last response."""
    if impl == "auto":
        try:
            import httptools  # noqa: F401
        except ImportError:  # pragma: no cover - uvicorn[standard] installs it
            impl = "h11"
        else:
            impl = "httptools"
    if impl == "h11":
        from uvicorn.protocols.http.h11_impl import H11Protocol as Base
    else:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as Base  # type: ignore[assignment]

    class HeaderTimeoutProtocol(Base):
        _tm_timer: asyncio.TimerHandle | None = None
        _tm_cycle: Any = None

        def _tm_arm(self) -> None:
            self._tm_disarm()
            self._tm_cycle = self.cycle  # a new request's headers replace the cycle
            self._tm_timer = self.loop.call_later(header_timeout, self._tm_expired)

        def _tm_disarm(self) -> None:
            if self._tm_timer is not None:
                self._tm_timer.cancel()
                self._tm_timer = None

        def _tm_expired(self) -> None:
            self._tm_timer = None
            if self.cycle is self._tm_cycle and not self.transport.is_closing():
                self.transport.close()

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            self._tm_arm()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing():
                self._tm_arm()

        def connection_lost(self, exc: Exception | None) -> None:
            self._tm_disarm()
            super().connection_lost(exc)

    HeaderTimeoutProtocol.__name__ = f"HeaderTimeout{Base.__name__}"
    return HeaderTimeoutProtocol


def parse_allow_ips(value: str | None) -> str:
    """``--forwarded-allow-ips``: comma-separated addresses or networks (``*`` trusts anyone;
    ``""`` nobody). Checked here so a typo fails at start-up, not silently."""
    import ipaddress

    items = [v.strip() for v in (value or "").split(",") if v.strip()]
    for item in items:
        if item == "*" or item.startswith("unix:"):
            continue
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise ValueError(f"--forwarded-allow-ips: {item!r} is not an IP address or network") from None
    return ",".join(items)


def uvicorn_options(*, forwarded_allow_ips: str | None = None, header_timeout: float = HEADER_TIMEOUT) -> dict[str, Any]:
    """The keyword arguments of ``uvicorn.run`` besides the app, host and port."""
    allow = parse_allow_ips(forwarded_allow_ips)
    return {
        "proxy_headers": bool(allow),
        "forwarded_allow_ips": allow,
        "http": protocol_class(header_timeout),
        "timeout_keep_alive": KEEP_ALIVE_TIMEOUT,
        "server_header": False,
        "log_level": "warning",
        "access_log": False,
    }
