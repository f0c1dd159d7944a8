"""Shared fixtures. Each test run gets its own knowledge-base cache directory."""

from __future__ import annotations

import os
import tempfile

import pytest

# Keep the user's cache untouched and exercise the cold + warm cache paths.
os.environ.setdefault("TRIGGERMAP_CACHE_DIR", tempfile.mkdtemp(prefix="triggermap-cache-"))

@pytest.fixture(scope="session")
def kb():
    from triggermap.knowledge import load

    return load()
