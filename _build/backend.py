"""PEP 517 backend: setuptools' own, plus mypy (mypyc) as a build requirement when
TRIGGERMAP_COMPILE=1 asks for the compiled engine (setup.py), and never a compiled editable
install (a compiled module beside its .py in src/ would run instead of the edited source)."""

from __future__ import annotations

import os
import sys
from typing import Any

from setuptools import build_meta as _st
from setuptools.build_meta import *  # noqa: F403  (the rest of the backend, unchanged)

#: mypyc is part of mypy; the floor is the version the engine's types are checked with
#: (requirements.lock), the ceiling the next major (as the test extra's mypy bound).
MYPYC = "mypy>=2.4,<3"


def _compile() -> bool:
    return os.environ.get("TRIGGERMAP_COMPILE", "").strip().lower() in {"1", "true", "yes", "on"}


def get_requires_for_build_wheel(config_settings: Any = None) -> list[str]:
    if not _compile():
        return list(_st.get_requires_for_build_wheel(config_settings))
    # setuptools runs setup.py to ask it; it must not compile before mypy is there
    os.environ.pop("TRIGGERMAP_COMPILE")
    try:
        return [*_st.get_requires_for_build_wheel(config_settings), MYPYC]
    finally:
        os.environ["TRIGGERMAP_COMPILE"] = "1"


def get_requires_for_build_editable(config_settings: Any = None) -> list[str]:
    os.environ.pop("TRIGGERMAP_COMPILE", None)
    return list(_st.get_requires_for_build_editable(config_settings))


def build_editable(wheel_directory: str, config_settings: Any = None,
                   metadata_directory: str | None = None) -> str:
    if _compile():
        print("triggermap: TRIGGERMAP_COMPILE ignored for an editable install (it stays pure Python; "
              "build a wheel for the compiled engine)", file=sys.stderr)
    os.environ.pop("TRIGGERMAP_COMPILE", None)
    return str(_st.build_editable(wheel_directory, config_settings, metadata_directory))
