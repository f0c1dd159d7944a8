"""Per-client limits on expensive endpoints: the PDF handout costs about a second of CPU, so one
client may ask for :data:`PDF_LIMIT` of them per :data:`PDF_WINDOW` (answered 429 with
``Retry-After`` beyond that). The count is kept in the database (:mod:`triggermap.store.throttle`),
so several servers on one database share it. The client is the connecting address, or the one
a trusted proxy forwards (``triggermap serve --forwarded-allow-ips``)."""

from __future__ import annotations

import datetime as dt

from fastapi import Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

PDF_LIMIT = 10
PDF_WINDOW = dt.timedelta(minutes=5)


def _pdf_wait(url: str, client: str) -> int:
    from ..store import db, throttle

    with db.session_scope(url) as session:
        return throttle.hit(session, "pdf", client, limit=PDF_LIMIT, window=PDF_WINDOW)


async def pdf_limit(request: Request) -> Response | None:
    """None when this client may have another PDF now, else the 429 answer."""
    from .accounts import client_ip, db_url
    from .app import _error_page, ui_gettext

    wait = await run_in_threadpool(_pdf_wait, db_url(request), client_ip(request) or "unknown")
    if not wait:
        return None
    _ = ui_gettext(request)
    resp = _error_page(
        request, 429, _("Please wait"),
        _("Many handouts were asked for from here in a short time. Please wait %(seconds)d seconds "
          "and try again.") % {"seconds": wait},
    )
    resp.headers["retry-after"] = str(wait)
    return resp
