"""Helpers of the web tests (importable as a plain module)."""

from __future__ import annotations

import contextlib
import os
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
# The committed gallery is refreshed on request (TRIGGERMAP_SAVE_SCREENSHOTS=1), so an ordinary
# test run never rewrites tracked files; otherwise screenshots still get taken (they exercise
# rendering) into a temporary folder.
SCREENSHOTS = (
    ROOT / "docs" / "screenshots"
    if os.environ.get("TRIGGERMAP_SAVE_SCREENSHOTS") == "1"
    else Path(tempfile.mkdtemp(prefix="triggermap-shots-"))
)


def shot(page: Any, name: str, full_page: bool = True) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def serve_in_thread(app: Any) -> Iterator[str]:
    """Run ``app`` under a real uvicorn server in a background thread; yields its base URL."""
    import uvicorn

    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", server_header=False,
                            lifespan="off")
    server = uvicorn.Server(config)
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def mark_area(page: Any, area: Any, touch: bool = True) -> None:
    """Mark one body-map area as a person would: tap it, or, on a phone where the area is drawn
    too small to be a target of its own (``data-small``), tap its spot and choose it in the
    picker of nearby areas."""
    if area.get_attribute("data-small") is None:
        area.tap() if touch else area.click()
        return
    area.scroll_into_view_if_needed()
    b = area.bounding_box()
    page.touchscreen.tap(b["x"] + b["width"] / 2, b["y"] + b["height"] / 2)
    region, side = area.get_attribute("data-region"), area.get_attribute("data-side")
    key = f"{region}:{side}" if side else region
    choice = page.locator(f"[data-picker] button.picker-area[data-key='{key}']")
    choice.tap()
    page.locator("[data-picker-close]").tap()


# --- the browser tests of the phone-first intake ----------------------------------------

PHONE_WIDTH = 600  # narrower than this is a phone: 740 px high, touch, taps instead of clicks


def sized_page(page_factory: Any, width: int, lang: str, js: bool = True) -> Any:
    """A page ``width`` px wide in ``lang``'s locale: a touch phone below :data:`PHONE_WIDTH`."""
    locale = "es-ES" if lang == "es" else "en-US"
    if width < PHONE_WIDTH:
        return page_factory(width, 740, locale=locale, is_mobile=True, has_touch=True, js=js)
    return page_factory(width, 900, locale=locale, js=js)


def tap(page: Any, target: Any, width: int) -> None:
    """Tap ``target`` (a selector or a locator) on a phone, click it on a wider page."""
    loc = page.locator(target) if isinstance(target, str) else target
    loc.tap() if width < PHONE_WIDTH else loc.click()


def map_area(page: Any, view: str, rid: str, side: str | None) -> Any:
    """A region's area on one view of the body map (``side=None``: a midline area)."""
    sel = f"[data-view-panel={view}] [data-region='{rid}']" + (f"[data-side='{side}']" if side else ":not([data-side])")
    return page.locator(sel).first


def open_map(page: Any, base: str, width: int) -> None:
    """Go from the start page, with no safety answer, to the body map."""
    page.goto(base + "/")
    tap(page, "#safety-form button[type=submit]", width)
    page.wait_for_selector("[data-bodymap]:not([hidden])")


def new_client(clinic: Any) -> Any:
    """A test client of a clinic-mode app (``clinic.app``), over HTTPS (secure cookies), answering
    server errors as responses (so that a test sees a 500 instead of an exception)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Starlette's TestClient deprecation notice
        from fastapi.testclient import TestClient

    return TestClient(clinic.app, base_url="https://testserver", raise_server_exceptions=False)


def login(c: Any, username: str, password: str) -> Any:
    """Post the log-in form (with its CSRF token); the response."""
    from tmhelpers import csrf_of

    token = csrf_of(c.get("/login").text)
    return c.post("/login", data={"username": username, "password": password, "csrf": token},
                  follow_redirects=False)


def logged_in(c: Any, username: str, password: str) -> str:
    """Log in (it must succeed); the CSRF token of the session."""
    from tmhelpers import csrf_of

    r = login(c, username, password)
    assert r.status_code == 303, r.text
    return csrf_of(c.get(r.headers["location"]).text)
