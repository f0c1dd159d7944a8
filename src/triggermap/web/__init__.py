"""The web app: ``create_app()`` in :mod:`triggermap.web.app`, ``triggermap serve`` in :mod:`triggermap.web.cli`.

Importing this package is cheap; FastAPI, jinja2 and babel load with :mod:`.app`.
"""

from __future__ import annotations

from typing import Any


def create_app(*args: Any, **kwargs: Any) -> Any:
    from .app import create_app as _create_app

    return _create_app(*args, **kwargs)


__all__ = ["create_app"]
