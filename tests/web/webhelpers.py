"""Helpers of the web tests (importable as a plain module)."""

from __future__ import annotations

import os
import socket
import tempfile
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
