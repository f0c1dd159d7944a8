"""The build steps beyond setuptools' own (the metadata lives in pyproject.toml):

* Every wheel ships the compiled knowledge base: ``build_py`` below compiles the data in the
  wheel's copy of the package (validating it: an invalid knowledge base fails the build) and
  writes ``triggermap/knowledge/prebuilt/`` (``knowledge.loader.write_prebuilt``), so the first
  run on a fresh machine does not parse YAML. Editable installs have none (their data change).
* Optional compiled build: with TRIGGERMAP_COMPILE=1, ``pip wheel .`` / ``pip install .`` compile
  the engine modules below with mypyc (C extensions beside the .py files; same behaviour,
  faster). Without it (the default, and always for ``pip install -e .``: see _build/backend.py)
  the package is pure Python and needs no C compiler.
"""

from __future__ import annotations

import os
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_py import build_py as _build_py

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


class build_py(_build_py):
    """setuptools' build_py, then the compiled knowledge base written into the built package
    (in a fresh interpreter with the build directory first on its path, and without bytecode
    files, which would otherwise go into the wheel)."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        data = os.path.join(os.path.abspath(self.build_lib), "triggermap", "knowledge", "data")
        code = ("import sys; sys.path.insert(0, sys.argv[1]); "
                "from triggermap.knowledge.loader import write_prebuilt; print(write_prebuilt(sys.argv[2]))")
        env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "TRIGGERMAP_CACHE_DIR": ""}
        env.pop("PYTHONPATH", None)
        subprocess.run([sys.executable, "-c", code, os.path.abspath(self.build_lib), data], check=True, env=env)


setup(ext_modules=_ext_modules(), cmdclass={"build_py": build_py})
