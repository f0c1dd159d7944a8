"""Optional compiled build: with TRIGGERMAP_COMPILE=1, ``pip wheel .`` / ``pip install .`` compile
the engine modules below with mypyc (C extensions beside the .py files; same behaviour, faster).

Without it (the default, and always for ``pip install -e .``: see _build/backend.py) the package is
pure Python and needs no C compiler. The metadata lives in pyproject.toml; this file only adds the
extension modules.
"""

from __future__ import annotations

import os
import sys

from setuptools import Extension, setup

#: The modules mypyc compiles: the engine's hot path (rank, next questions, the differential)
#: and what it calls per assessment. Each must stay mypyc-compatible (tests/test_compiled.py).
COMPILED = [
    "src/triggermap/engine/core.py",
    "src/triggermap/engine/rank.py",
    "src/triggermap/engine/questions.py",
    "src/triggermap/engine/differential.py",
    "src/triggermap/engine/triage.py",
    "src/triggermap/engine/plan.py",
    "src/triggermap/engine/result.py",
    "src/triggermap/engine/intake.py",
    "src/triggermap/present/__init__.py",
]


#: setup.py commands that build the extensions (setuptools' PEP 517 backend runs setup.py with
#: one of these for a wheel, and with egg_info / dist_info / editable_wheel for the rest)
_BUILDS = {"bdist_wheel", "build", "build_ext", "install"}


def _compile() -> bool:
    """Compile only when asked, only for a build (not to answer a metadata or requirements
    query, where mypy may not be installed yet) and never for an editable install."""
    asked = os.environ.get("TRIGGERMAP_COMPILE", "").strip().lower() in {"1", "true", "yes", "on"}
    return asked and "editable_wheel" not in sys.argv and not _BUILDS.isdisjoint(sys.argv[1:])


def _ext_modules() -> list[Extension]:
    if not _compile():
        return []
    from mypyc.build import mypycify

    # the mypy configuration is pyproject.toml's [tool.mypy] (strict), as for `mypy`
    return mypycify(COMPILED, opt_level=os.environ.get("MYPYC_OPT_LEVEL", "3"), group_name="triggermap")


setup(ext_modules=_ext_modules())
