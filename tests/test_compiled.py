"""The optional mypyc build (setup.py, TRIGGERMAP_COMPILE=1).

Always: setup.py's module list names files that exist, and no compiled module sits in the source
tree (one beside its .py would run instead of the edited source). With the compiled wheel
installed (CI's compiled step): every listed module imported is compiled, and its documents are
byte-identical to the pure-Python source's. Set TRIGGERMAP_EXPECT_COMPILED=1 to fail rather than
skip when the imported package is pure Python."""

from __future__ import annotations

import ast
import importlib
import importlib.machinery
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"


def _listed() -> list[str]:
    """setup.py's COMPILED, read from its source (running setup.py would call setup())."""
    tree = ast.parse((ROOT / "setup.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.AnnAssign | ast.Assign):
            targets = [node.target] if isinstance(node, ast.AnnAssign) else node.targets
            if any(isinstance(t, ast.Name) and t.id == "COMPILED" for t in targets):
                assert node.value is not None
                value = ast.literal_eval(node.value)
                assert isinstance(value, list)
                return value
    raise AssertionError("setup.py has no COMPILED list")


def _module(path: str) -> str:
    rel = Path(path).relative_to("src").with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def _is_compiled(mod: str) -> bool:
    f = importlib.import_module(mod).__file__ or ""
    return f.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES))


def test_the_compiled_modules_exist():
    listed = _listed()
    assert listed and all((ROOT / p).is_file() for p in listed), listed


def test_no_compiled_module_in_the_source_tree():
    stray = [str(p.relative_to(ROOT)) for suffix in importlib.machinery.EXTENSION_SUFFIXES
             for p in SRC.rglob(f"*{suffix}")]
    assert stray == [], f"compiled modules in src/ shadow their .py: {stray}"


def _compiled_or_skip() -> list[str]:
    mods = [_module(p) for p in _listed()]
    if not any(_is_compiled(m) for m in mods):
        if os.environ.get("TRIGGERMAP_EXPECT_COMPILED") == "1":
            pytest.fail("TRIGGERMAP_EXPECT_COMPILED=1 but triggermap's engine is pure Python here")
        pytest.skip("pure-Python install (the compiled wheel is tested in CI's compiled step)")
    return mods


def test_every_listed_module_is_compiled():
    mods = _compiled_or_skip()
    assert [m for m in mods if not _is_compiled(m)] == []


_DOCS = """
import json, sys
sys.path.insert(0, sys.argv[1])
from bench_engine import SAMPLE, choir_intakes
import triggermap
e = triggermap.Engine()
docs = [e.document(SAMPLE, lang, who=who) for lang in ("en", "es") for who in (None, "self", "clinician")]
docs += [e.document(d, "en") for d in choir_intakes()[:300]]
from snapshot import case_intakes  # every bench case: answers, "no" answers, palpation, red flags
docs += [e.document(d, lang, who=who) for _name, d in case_intakes() for lang in ("en", "es")
         for who in (None, "clinician")]
print(json.dumps(docs, sort_keys=True, ensure_ascii=False))
"""


def test_compiled_documents_are_the_pure_ones():
    _compiled_or_skip()

    def docs(pure: bool) -> str:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        if pure:
            env["PYTHONPATH"] = str(SRC)
        out = subprocess.run([sys.executable, "-c", _DOCS, str(ROOT / "bench")], env=env,
                             capture_output=True, text=True, check=True).stdout
        assert json.loads(out)
        return out

    assert docs(pure=False) == docs(pure=True)


_FIRST = """
import json, sys
import triggermap.knowledge as k
kb = k.load()
print(json.dumps({"file": k.loader.__file__, "yaml": "yaml" in sys.modules, "pydantic": "pydantic" in sys.modules,
                  "version": kb.version}))
"""


def test_the_wheel_ships_the_compiled_knowledge_base(tmp_path):
    """The installed wheel's first run (an empty cache) loads the knowledge base that its build
    compiled (setup.py's build_py) instead of parsing YAML, and it is the source's knowledge base."""
    _compiled_or_skip()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["TRIGGERMAP_CACHE_DIR"] = str(tmp_path / "fresh")
    got = json.loads(subprocess.run([sys.executable, "-c", _FIRST], env=env, capture_output=True, text=True,
                                    check=True).stdout)
    assert not got["file"].startswith(str(SRC)), got
    assert (Path(got["file"]).parent / "prebuilt" / "kb.pickle").is_file()
    assert not got["yaml"] and not got["pydantic"], got
    env["PYTHONPATH"] = str(SRC)
    env["TRIGGERMAP_CACHE_DIR"] = str(tmp_path / "pure")
    pure = json.loads(subprocess.run([sys.executable, "-c", _FIRST], env=env, capture_output=True, text=True,
                                     check=True).stdout)
    assert pure["file"].startswith(str(SRC)) and pure["version"] == got["version"]
