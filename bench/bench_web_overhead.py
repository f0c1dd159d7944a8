"""In-process CPU per request of the web app, without sockets: where ``POST /api/v1/assess`` spends
what the engine does not.

    python bench/bench_web_overhead.py [--requests 3000] [--rounds 5] [--json]

Calls the ASGI app directly (no uvicorn, no network) with the bodies bench/bench_web.py sends
(every one different), and reports the CPU time per request (process time, best of ``--rounds``
interleaved rounds, so other load on the machine counts as little as it can) of:

* ``GET /healthz`` through the whole app (middleware, routing);
* ``POST /api/v1/assess`` with the fast path (triggermap.web.fastpath) and through the usual FastAPI route
  (``app.state.fast_assess = False``);
* the engine and JSON alone (``assess_document`` + ``dumps_bytes`` on the same bodies);
* both assess paths again with the engine taken out (``assess_document`` replaced by a look-up of
  the documents it gave, computed beforehand): everything an assess request costs but the engine
  (reading, checking, JSON parse and encoding, framework), the steadiest figure on a busy machine.

The non-engine overhead of an assess request is assess minus engine. uvicorn's own HTTP work
(the same for both endpoints) comes on top in a real server: bench/bench_web.py measures that.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import bench_web  # noqa: E402


def scope_of(method: str, path: str, body: bytes) -> dict[str, Any]:
    return {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
            "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
            "headers": [(b"host", b"127.0.0.1:8000"), (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode())],
            "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 8000), "state": {}}


async def call(app: Any, method: str, path: str, body: bytes = b"") -> int:
    done = False

    async def receive() -> dict[str, Any]:
        nonlocal done
        if not done:
            done = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    status = 0

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope_of(method, path, body), receive, send)
    return status


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=3000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()

    from triggermap.documents import dumps_bytes
    from triggermap.web.api import assess_document
    from triggermap.web.app import create_app

    app = create_app()
    kb = app.state.kb
    bodies = [(t % (20 + i % 60, f"{1 + (i % 97) / 100:.3f}")).encode()
              for i, t in enumerate(bench_web.templates() * (a.requests // len(bench_web.templates()) + 1))][: a.requests]

    async def healthz() -> None:
        for _ in bodies:
            assert await call(app, "GET", "/healthz") == 200

    async def assess(fast: bool) -> None:
        app.state.fast_assess = fast
        for b in bodies:
            assert await call(app, "POST", "/api/v1/assess", b) == 200

    def engine() -> None:
        for b in bodies:
            dumps_bytes(assess_document(json.loads(b), kb, "en"))

    from triggermap.web import api

    answers = [assess_document(json.loads(b), kb, "en") for b in bodies]
    real = api.assess_document

    async def assess_no_engine(fast: bool) -> None:
        it = iter(answers)
        api.assess_document = lambda *_a, **_k: next(it)  # type: ignore[assignment]
        try:
            await assess(fast)
        finally:
            api.assess_document = real  # type: ignore[assignment]

    runs = {
        "healthz": lambda: asyncio.run(healthz()),
        "assess_fast": lambda: asyncio.run(assess(True)),
        "assess_usual": lambda: asyncio.run(assess(False)),
        "engine_json": engine,
        "fast_no_engine": lambda: asyncio.run(assess_no_engine(True)),
        "usual_no_engine": lambda: asyncio.run(assess_no_engine(False)),
    }
    for f in runs.values():  # warm-up
        f()
    best = {k: float("inf") for k in runs}
    for _ in range(a.rounds):
        for k, f in runs.items():
            t = time.process_time()
            f()
            best[k] = min(best[k], (time.process_time() - t) / len(bodies) * 1e3)
    out = {**{f"{k}_ms": v for k, v in best.items()},
           "overhead_fast_ms": best["assess_fast"] - best["engine_json"],
           "overhead_usual_ms": best["assess_usual"] - best["engine_json"]}
    if a.json:
        print(json.dumps(out, indent=2))
        return 0
    print(f"in-process CPU per request (best of {a.rounds} rounds of {len(bodies)} requests)")
    for k in runs:
        print(f"  {k:<16} {best[k]:.3f} ms")
    print(f"  non-engine overhead of assess: fast path {out['overhead_fast_ms']:.3f} ms, "
          f"usual route {out['overhead_usual_ms']:.3f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
