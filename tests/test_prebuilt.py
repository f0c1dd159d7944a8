"""A wheel's prebuilt knowledge base (knowledge.loader.write_prebuilt, called by setup.py's
build_py): used on a machine without a cache only when it was made from exactly the data files
and sources beside it, so that the first run parses no YAML; ignored (the data compiled, as
before) when anything changed. Run in fresh interpreters, since ``load`` keeps one knowledge base
per process."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from triggermap.knowledge import loader

ROOT = Path(__file__).resolve().parents[1]

#: load the knowledge base in DATA with an empty cache CACHE; report what it imported and wrote
PROBE = """
import json, os, sys
from triggermap.knowledge import load
kb = load(sys.argv[1])
print(json.dumps({"version": kb.version, "muscles": len(kb.muscles), "geometry": bool(kb.geometry),
                  "yaml": "yaml" in sys.modules, "pydantic": "pydantic" in sys.modules,
                  "cache": sorted(os.listdir(sys.argv[2])) if os.path.isdir(sys.argv[2]) else []}))
"""


def _probe(data: Path, cache: Path) -> dict:
    env = {**os.environ, "TRIGGERMAP_CACHE_DIR": str(cache), "PYTHONPATH": str(ROOT / "src")}
    out = subprocess.run([sys.executable, "-c", PROBE, str(data), str(cache)], env=env, check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """A copy of the data with its prebuilt knowledge base beside it (as in a wheel)."""
    root = tmp_path_factory.mktemp("pkg")
    shutil.copytree(loader.DATA_DIR, root / "data")
    folder = loader.write_prebuilt(str(root / "data"))
    assert Path(folder) == root / "prebuilt"
    assert sorted(p.name for p in Path(folder).iterdir()) == ["kb.digest", "kb.pickle"]
    return root


def test_the_source_tree_has_no_prebuilt_copy():
    # an editable checkout compiles its own data; a stale copy there would only be dead weight
    assert not Path(loader.prebuilt_dir(loader.DATA_DIR)).exists()


def test_a_fresh_machine_uses_the_prebuilt_copy_without_parsing_yaml(built, tmp_path):
    first = _probe(built / "data", tmp_path / "cache")
    assert not first["yaml"] and not first["pydantic"], first
    assert first["muscles"] >= 115 and first["geometry"]
    assert len(first["cache"]) == 1 and first["cache"][0].startswith("kb-")  # copied into the cache
    # the cached copy is what a warm run reads, and it is the same knowledge base as a compile's
    second = _probe(built / "data", tmp_path / "cache")
    assert second["version"] == first["version"] and not second["yaml"]
    compiled = _probe(built / "data", tmp_path / "other")  # a compile of the same data, for comparison
    assert compiled["version"] == first["version"]
    blob = (built / "prebuilt" / "kb.pickle").read_bytes()
    assert (tmp_path / "cache" / first["cache"][0]).read_bytes() == blob


def test_changed_data_ignore_the_prebuilt_copy(built, tmp_path):
    root = tmp_path / "pkg"
    shutil.copytree(built, root)
    muscle = sorted((root / "data" / "muscles").glob("*.yaml"))[0]
    muscle.write_text(muscle.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    got = _probe(root / "data", tmp_path / "cache")
    assert got["yaml"], "the prebuilt copy was used although a data file changed"
    assert got["version"] != _probe(built / "data", tmp_path / "c2")["version"]


def test_a_damaged_or_foreign_prebuilt_copy_is_ignored(built, tmp_path):
    root = tmp_path / "pkg"
    shutil.copytree(built, root)
    (root / "prebuilt" / "kb.digest").write_text("0" * 64 + "\n", encoding="ascii")
    assert _probe(root / "data", tmp_path / "c1")["yaml"]
    shutil.copy(built / "prebuilt" / "kb.digest", root / "prebuilt" / "kb.digest")
    (root / "prebuilt" / "kb.pickle").write_bytes(b"not a pickle")
    got = _probe(root / "data", tmp_path / "c2")
    assert got["yaml"] and got["muscles"] >= 115


def test_the_digest_covers_paths_contents_and_sources(built):
    data = str(built / "data")
    files = [p for p, _st in loader._stat_files(data)]
    d = loader.content_digest(data, files)
    assert d == (built / "prebuilt" / "kb.digest").read_text(encoding="ascii").strip()
    assert loader.content_digest(data, files[1:]) != d  # a file fewer
    assert len(d) == 64


def test_an_invalid_knowledge_base_fails_the_build(tmp_path):
    shutil.copytree(loader.DATA_DIR, tmp_path / "data")
    muscle = sorted((tmp_path / "data" / "muscles").glob("*.yaml"))[0]
    muscle.write_text(muscle.read_text(encoding="utf-8").replace("id:", "idd:", 1), encoding="utf-8")
    with pytest.raises(loader.KnowledgeError):
        loader.write_prebuilt(str(tmp_path / "data"))
    assert not (tmp_path / "prebuilt" / "kb.digest").exists()
