"""Load the knowledge base: the compiled, typed :class:`~.entities.Knowledge`, cached on disk.

Compiling (:mod:`.compiler`: YAML parsing + pydantic validation + integrity checks + building the
entities) takes a few hundred milliseconds, so the compiled form is pickled into the user's cache
directory, keyed by the size and modification time of every data file. A warm load reads one
pickle and imports neither YAML nor pydantic, which keeps ``triggermap assess`` start-up small.
The body-chart geometry is in the same file, as a pickled blob (``kb.geometry``) that only the
charts unpickle, on first use.

An installed wheel also ships the compiled form, made when the wheel was built (setup.py's
``build_py`` calls :func:`write_prebuilt`: the data are validated at build time), in a
``prebuilt`` directory beside ``data``. On a fresh machine (no cache yet) it is used when the
sha256 of the data files and the compile-side sources (:func:`content_digest`) equals the one it
was built from, and copied into the cache; so the first run neither parses YAML nor imports
pydantic. An editable install has no prebuilt copy (its data are meant to change): it compiles.
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


#: The modules the compiled form depends on besides the data (a change to any rebuilds it).
_CODE = ("schema", "loader", "compiler", "entities", "_record", "geometry")
#: The directory beside the data directory that holds a wheel's compiled knowledge base.
PREBUILT_DIR = "prebuilt"


def _sources() -> list[str]:
    here = os.path.dirname(os.path.abspath(__file__))
    return [os.path.join(here, f"{m}.py") for m in _CODE]


def _signature(files: list[tuple[str, os.stat_result]]) -> str:
    """A cache key from file names, sizes and mtimes (cheap: stat only, no hashing of contents).
    The schema, the entities, the compiler, this module and the chart geometry compiler count too:
    a change to any rebuilds it (the geometry files are data files under ``geometry/``)."""
    code = [(p, os.stat(p)) for p in _sources()]
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
    files = _stat_files(data_dir)
    cache_file = os.path.join(cache_dir, f"kb-{_signature(files)}.pickle") if cache_dir else None
    if cache_file is not None:
        kb = _read_cache(cache_file)
    if kb is None:
        blob = _prebuilt(data_dir, [path for path, _st in files])
        if blob is not None:
            kb = _unpickle_bytes(blob)
            if kb is not None and cache_file is not None:
                _write_cache(cache_file, blob)
    if kb is None:
        from .compiler import compile_knowledge

        kb = compile_knowledge(data_dir)
        if cache_file is not None:
            _write_cache(cache_file, kb)
    _CACHED[data_dir] = kb
    return kb


def _read_cache(cache_file: str) -> Knowledge | None:
    """The compiled knowledge base from the cache, or None when it is missing or unreadable."""
    try:
        with open(cache_file, "rb") as fh:
            blob = fh.read()
    except OSError:
        return None
    return _unpickle_bytes(blob)


def _unpickle_bytes(blob: bytes) -> Knowledge | None:
    """The knowledge base in a pickle (the cache's, or a wheel's prebuilt copy), or None when it
    is not one.

    The garbage collector is paused meanwhile: unpickling creates some 35,000 dicts and lists,
    which would otherwise set off collections that walk them all for nothing (about a fifth of
    the load time)."""
    import gc

    try:  # the C unpickler itself: the pickle module around it costs more to import than it adds here
        from _pickle import UnpicklingError, loads
    except ImportError:  # pragma: no cover - not CPython
        from pickle import UnpicklingError, loads

    paused = gc.isenabled()
    gc.disable()
    try:
        kb = loads(blob)
    except (UnpicklingError, EOFError, AttributeError, ImportError, ValueError):
        return None
    finally:
        if paused:
            gc.enable()
    return kb if isinstance(kb, Knowledge) else None


def content_digest(data_dir: str, files: list[str]) -> str:
    """sha256 of everything the compiled form depends on: the cache format, the Python version,
    each data file (its path under ``data_dir``, length and bytes) and the compile-side sources.
    Unlike the cache key it reads the contents, so it holds from one machine to another."""
    import hashlib

    h = hashlib.sha256(f"{CACHE_FORMAT}|{sys.version_info[:2]}".encode())
    named = [(os.path.relpath(p, data_dir).replace(os.sep, "/"), p) for p in files]
    named += [(f"<code>/{os.path.basename(p)}", p) for p in _sources()]
    for name, path in named:
        with open(path, "rb") as fh:
            data = fh.read()
        h.update(f"{name}\0{len(data)}\0".encode())
        h.update(data)
    return h.hexdigest()


def prebuilt_dir(data_dir: str) -> str:
    """Where a wheel's compiled copy of the knowledge base in ``data_dir`` lives (beside it)."""
    return os.path.join(os.path.dirname(os.path.abspath(data_dir)), PREBUILT_DIR)


def _prebuilt(data_dir: str, files: list[str]) -> bytes | None:
    """The prebuilt compiled form beside ``data_dir`` (a wheel's), when it was made from exactly
    these data files and sources; else None (none shipped, or the data changed since)."""
    folder = prebuilt_dir(data_dir)
    try:
        with open(os.path.join(folder, "kb.digest"), encoding="ascii") as fh:
            want = fh.read().strip()
    except OSError:
        return None
    if want != content_digest(data_dir, files):
        return None
    try:
        with open(os.path.join(folder, "kb.pickle"), "rb") as fh:
            return fh.read()
    except OSError:
        return None


def write_prebuilt(data_dir: str = DATA_DIR) -> str:
    """Compile the knowledge base in ``data_dir`` (raising :class:`KnowledgeError` when it is
    invalid) and write its pickle and content digest into the ``prebuilt`` directory beside it,
    for :func:`load` on a machine without a cache. The wheel build calls this on its copy of the
    package (setup.py); returns the directory written."""
    from .compiler import compile_knowledge, dump

    data_dir = os.path.abspath(data_dir)
    kb = compile_knowledge(data_dir)
    folder = prebuilt_dir(data_dir)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "kb.pickle"), "wb") as fh:
        dump(kb, fh)
    with open(os.path.join(folder, "kb.digest"), "w", encoding="ascii") as fh:
        fh.write(content_digest(data_dir, _data_files(data_dir)) + "\n")
    return folder


_WARNED: set[str] = set()


def _write_cache(cache_file: str, kb: Knowledge | bytes) -> None:
    """Write the compiled cache (``kb``, or its pickle already made); a directory that cannot be
    written still works (every run then compiles the data) and says so once per process and
    directory, on standard error."""
    cache_dir = os.path.dirname(cache_file)
    try:
        os.makedirs(cache_dir, exist_ok=True)
        tmp = f"{cache_file}.{os.getpid()}.tmp"
        with open(tmp, "wb") as fh:
            if isinstance(kb, bytes):
                fh.write(kb)
            else:
                from .compiler import dump

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
