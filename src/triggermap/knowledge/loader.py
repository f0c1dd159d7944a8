"""Load the knowledge base: the compiled, typed :class:`~.entities.Knowledge`, cached on disk.

Compiling (:mod:`.compiler`: YAML parsing + pydantic validation + integrity checks + building the
entities) takes a few hundred milliseconds, so the compiled form is pickled into the user's cache
directory, keyed by the size and modification time of every data file. A warm load reads one
pickle and imports neither YAML nor pydantic, which keeps ``triggermap assess`` start-up small.
The body-chart geometry is in the same file, as a pickled blob (``kb.geometry``) that only the
charts unpickle, on first use.
"""

from __future__ import annotations

import os
import sys
import zlib
from typing import TYPE_CHECKING, Any

from .entities import Knowledge, UnknownId

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["DATA_DIR", "Knowledge", "KnowledgeError", "UnknownId", "load"]

DATA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
CACHE_FORMAT = 8  # bump when the compiled layout changes (6: typed entities, 7: chart geometry blob,
#                   8: its types pickled from knowledge.geometry)

_CACHED: dict[str, Knowledge] = {}


class KnowledgeError(Exception):
    """The data files are invalid or inconsistent; ``problems`` lists each one."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("knowledge base is invalid:\n  " + "\n  ".join(problems))


def _data_files(data_dir: str) -> list[str]:
    return [path for path, _st in _stat_files(data_dir)]


def _stat_files(data_dir: str) -> list[tuple[str, os.stat_result]]:
    """Every ``*.yaml`` under ``data_dir`` with its stat, sorted by path (one directory scan)."""
    out: list[tuple[str, os.stat_result]] = []
    todo = [data_dir]
    while todo:
        with os.scandir(todo.pop()) as it:
            for entry in it:
                if entry.is_dir():
                    todo.append(entry.path)
                elif entry.name.endswith(".yaml"):
                    out.append((entry.path, entry.stat()))
    out.sort()
    return out


def _signature(files: list[tuple[str, os.stat_result]]) -> str:
    """A cache key from file names, sizes and mtimes (cheap: stat only, no hashing of contents).
    The schema, the entities, the compiler, this module and the chart geometry compiler count too:
    a change to any rebuilds it (the geometry files are data files under ``geometry/``)."""
    here = os.path.dirname(os.path.abspath(__file__))
    sources = [os.path.join(here, f"{m}.py")
               for m in ("schema", "loader", "compiler", "entities", "_record", "geometry")]
    code = [(p, os.stat(p)) for p in sources]
    text = f"{CACHE_FORMAT}|{sys.version_info[:2]}|" + "\n".join(
        f"{os.path.basename(p)}|{st.st_size}|{st.st_mtime_ns}" for p, st in [*files, *code]
    )
    data = text.encode()
    return f"{zlib.crc32(data):08x}{zlib.adler32(data):08x}"


def _cache_dir() -> str | None:
    env = os.environ.get("TRIGGERMAP_CACHE_DIR")
    if env == "":
        return None
    if env:
        return env
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "triggermap")


def load(data_dir: str | Path | None = None, *, use_cache: bool = True) -> Knowledge:
    """The knowledge base, compiled once per process and cached on disk between processes."""
    data_dir = str(data_dir or DATA_DIR)
    kb = _CACHED.get(data_dir)
    if kb is not None:
        return kb
    cache_dir = _cache_dir() if use_cache else None
    cache_file = os.path.join(cache_dir, f"kb-{_signature(_stat_files(data_dir))}.pickle") if cache_dir else None
    if cache_file is not None:
        kb = _read_cache(cache_file)
    if kb is None:
        from .compiler import compile_knowledge

        kb = compile_knowledge(data_dir)
        if cache_file is not None:
            _write_cache(cache_file, kb)
    _CACHED[data_dir] = kb
    return kb


def _read_cache(cache_file: str) -> Knowledge | None:
    """The compiled knowledge base from the cache, or None when it is missing or unreadable.

    The garbage collector is paused meanwhile: unpickling creates some 35,000 dicts and lists,
    which would otherwise set off collections that walk them all for nothing (about a fifth of
    the load time)."""
    import gc

    try:  # the C unpickler itself: the pickle module around it costs more to import than it adds here
        from _pickle import UnpicklingError
        from _pickle import load as unpickle
    except ImportError:  # pragma: no cover - not CPython
        from pickle import UnpicklingError
        from pickle import load as unpickle

    paused = gc.isenabled()
    gc.disable()
    try:
        with open(cache_file, "rb") as fh:
            kb = unpickle(fh)
    except (OSError, UnpicklingError, EOFError, AttributeError, ImportError, ValueError):
        return None
    finally:
        if paused:
            gc.enable()
    return kb if isinstance(kb, Knowledge) else None


_WARNED: set[str] = set()


def _write_cache(cache_file: str, kb: Knowledge) -> None:
    """Write the compiled cache; a directory that cannot be written still works (every run then
    compiles the data) and says so once per process and directory, on standard error."""
    cache_dir = os.path.dirname(cache_file)
    try:
        os.makedirs(cache_dir, exist_ok=True)
        tmp = f"{cache_file}.{os.getpid()}.tmp"
        from .compiler import dump

        with open(tmp, "wb") as fh:
            dump(kb, fh)
        os.replace(tmp, cache_file)
    except OSError as exc:
        if cache_dir not in _WARNED:
            _WARNED.add(cache_dir)
            sys.stderr.write(
                f"triggermap: warning: cannot write the knowledge-base cache in {cache_dir!r} "
                f"({exc.strerror or exc}); every run compiles the data files, which is slower. "
                "Set TRIGGERMAP_CACHE_DIR to a writable directory (or to nothing to turn the cache off).\n"
            )


def __getattr__(name: str) -> Any:
    """The compile-side functions, imported on first use (``loader.compile_knowledge``...)."""
    if name in ("compile_knowledge", "read_raw", "load_yaml"):
        from . import compiler

        return getattr(compiler, name)
    raise AttributeError(name)
