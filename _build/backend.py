"""PEP 517 backend: setuptools' own, plus what a wheel's build needs besides: pydantic and PyYAML
(every wheel ships the compiled knowledge base, setup.py's build_py) and mypy (mypyc) when
TRIGGERMAP_COMPILE=1 asks for the compiled engine (setup.py). Editable installs stay pure Python
(setup.py never compiles for them: a compiled module beside its .py in src/ would run instead of
the edited source)."""

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


#: what compiling the knowledge base needs (setup.py's build_py writes it into every wheel)
_KB_COMPILE = {"pydantic", "pyyaml"}


def _kb_requirements() -> list[str]:
    """The runtime requirements that the knowledge-base compiler imports, with pyproject.toml's
    bounds (defined there once)."""
    import re
    import tomllib

    with open("pyproject.toml", "rb") as fh:
        deps: list[str] = tomllib.load(fh)["project"]["dependencies"]
    return [d for d in deps if re.split(r"[\s<>=!~\[;]", d, maxsplit=1)[0].lower() in _KB_COMPILE]


def get_requires_for_build_wheel(config_settings: Any = None) -> list[str]:
    return [*_st.get_requires_for_build_wheel(config_settings), *_kb_requirements(),
            *([MYPYC] if _compile() else [])]


def build_editable(wheel_directory: str, config_settings: Any = None,
                   metadata_directory: str | None = None) -> str:
    if _compile():
        print("triggermap: TRIGGERMAP_COMPILE is ignored by an editable install (it stays pure "
              "Python); build a wheel for the compiled engine", file=sys.stderr)
    return str(_st.build_editable(wheel_directory, config_settings, metadata_directory))
