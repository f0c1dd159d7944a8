"""The data flow is one way: knowledge -> engine -> present -> (charts, store, web, cli).

Read from the source (every import statement, at module level or inside a function, absolute or
relative), so an import that only runs on some path (a cold compile, say) counts too."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "triggermap"

#: package -> the triggermap packages it must never import (the engine may call ``present`` only in its
#: convenience ``Engine.document``, which is assess + localise: not checked for the engine)
FORBIDDEN = {
    "knowledge": ("engine", "present", "charts", "store", "web", "cli", "opendata"),
    "engine": ("charts", "store", "web", "cli"),
}


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in the file."""
    package = ["triggermap", *path.relative_to(SRC).parent.parts]
    out: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            mod = ".".join([*base, *([node.module] if node.module else [])])
            out.append((node.lineno, mod))
            out += [(node.lineno, f"{mod}.{a.name}") for a in node.names]  # from .. import charts
    return out


def _violations(package: str) -> list[str]:
    bad = []
    for path in sorted((SRC / package).rglob("*.py")):
        for line, mod in _imports(path):
            parts = mod.split(".")
            if parts[0] == "triggermap" and len(parts) > 1 and parts[1] in FORBIDDEN[package]:
                bad.append(f"{path.relative_to(SRC)}:{line} imports {mod}")
    return bad


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_packages_never_import_downstream(package):
    assert _violations(package) == []


def test_the_import_reader_sees_relative_and_function_level_imports(tmp_path, monkeypatch):
    """The check can fail: a knowledge module importing the charts, the way the compiler once did."""
    fake = tmp_path / "triggermap"
    (fake / "knowledge").mkdir(parents=True)
    (fake / "knowledge" / "compiler.py").write_text(
        "def compile():\n    from ..charts import geometry\n    from .. import web\n    import triggermap.store.db\n"
    )
    monkeypatch.setattr(sys.modules[__name__], "SRC", fake)
    assert _violations("knowledge") == [
        "knowledge/compiler.py:2 imports triggermap.charts",
        "knowledge/compiler.py:2 imports triggermap.charts.geometry",
        "knowledge/compiler.py:3 imports triggermap.web",
        "knowledge/compiler.py:4 imports triggermap.store.db",
    ]


def test_compiling_the_knowledge_base_imports_no_chart_module(tmp_path):
    """A cold compile (empty cache directory) builds the chart geometry without the charts package;
    the compiled views are knowledge.geometry types."""
    probe = (
        "import pickle, sys\n"
        "from triggermap.knowledge import load\n"
        "kb = load()\n"
        "bundle = pickle.loads(kb.geometry)\n"
        "assert type(bundle['views']['front']).__module__ == 'triggermap.knowledge.geometry'\n"
        "print(sorted(m for m in sys.modules if m.split('.')[:2] == ['triggermap', 'charts']))\n"
    )
    env = {**os.environ, "TRIGGERMAP_CACHE_DIR": str(tmp_path)}
    run = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    assert list(tmp_path.glob("kb-*.pickle")), "the probe did not compile a cache"
    assert run.stdout.strip() == "[]"
