"""Per-client limits on expensive requests (the PDF handout), counted in the database so that
every app process and every server on one database shares them.

A sliding window: each allowed use is one :class:`~triggermap.store.models.RateHit` row; a
client that has had ``limit`` uses within ``window`` is told how long to wait until the oldest
one leaves the window. Refused uses are not recorded (hammering does not extend the wait).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


def hit(
    session: Session,
    bucket: str,
    key: str,
    *,
    limit: int,
    window: dt.timedelta,
    now: dt.datetime | None = None,
) -> int:
    """Record one use of ``bucket`` by ``key`` (a client address); 0 when allowed, else the
    seconds to wait (nothing recorded). The caller commits."""
    from sqlalchemy import delete, func, select, text

    from .models import RateHit, utcnow

    now = now or utcnow()
    key = key[:200]
    if session.get_bind().dialect.name == "postgresql":  # one count-and-record at a time per client
        session.execute(text("SELECT pg_advisory_xact_lock(1953327473, hashtext(:k))"), {"k": f"{bucket}|{key}"})
    since = now - window
    session.execute(delete(RateHit).where(RateHit.bucket == bucket, RateHit.key == key, RateHit.at < since))
    n, oldest = session.execute(
        select(func.count(RateHit.id), func.min(RateHit.at)).where(
            RateHit.bucket == bucket, RateHit.key == key, RateHit.at >= since
        )
    ).one()
    if n >= limit and oldest is not None:
        return max(1, math.ceil((oldest + window - now).total_seconds()))
    session.add(RateHit(bucket=bucket, key=key, at=now))
    session.flush()
    return 0
