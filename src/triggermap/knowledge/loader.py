"""Load the knowledge base: YAML -> validated -> checked -> plain, indexed, cached.

Compiling (YAML parsing + pydantic validation + integrity checks) takes a few hundred
milliseconds, so the compiled form is pickled into the user's cache directory, keyed by
the size and modification time of every data file. A warm load reads one pickle and
imports neither YAML nor pydantic, which keeps ``triggermap assess`` start-up small.
"""

from __future__ import annotations

import os
import sys
import zlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

DATA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
CACHE_FORMAT = 5  # bump when the compiled layout changes

_CACHED: dict[str, Knowledge] = {}


class KnowledgeError(Exception):
    """The data files are invalid or inconsistent; ``problems`` lists each one."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("knowledge base is invalid:\n  " + "\n  ".join(problems))


class Knowledge:
    """The compiled knowledge base: plain dicts keyed by id, in file order.

    Every entity is the ``model_dump()`` of its pydantic model in
    :mod:`triggermap.knowledge.schema`, so field names follow the schema.
    """

    __slots__ = (
        "version",
        "regions",
        "vocab",
        "red_flags",
        "rules",
        "conditions",
        "muscles",
        "exercises",
        "references",
        "trigger_points",
        "choir_to_regions",
        "choir_of",
        "finer",
    )

    def __init__(self, version: str, raw: dict[str, Any]):
        self.version = version
        self.regions: dict[str, dict[str, Any]] = {r["id"]: r for r in raw["regions"]}
        self.vocab: dict[str, dict[str, dict[str, Any]]] = {
            cat: {item["id"]: item for item in items} for cat, items in raw["vocab"].items()
        }
        self.red_flags: dict[str, dict[str, Any]] = {f["id"]: f for f in raw["red_flags"]["flags"]}
        self.rules: list[dict[str, Any]] = list(raw["red_flags"]["rules"])
        self.conditions: dict[str, dict[str, Any]] = {c["id"]: c for c in raw["conditions"]}
        self.muscles: dict[str, dict[str, Any]] = {m["id"]: m for m in raw["muscles"]}
        self.exercises: dict[str, dict[str, Any]] = {e["id"]: e for e in raw["exercises"]}
        self.references: dict[str, dict[str, Any]] = {r["id"]: r for r in raw["references"]}
        self.trigger_points: dict[str, tuple[str, dict[str, Any]]] = {
            tp["id"]: (m["id"], tp) for m in raw["muscles"] for tp in m["trigger_points"]
        }
        choir: dict[int, list[tuple[str, str | None]]] = {}
        for r in raw["regions"]:
            c = r["choir"]
            if isinstance(c, dict):
                choir.setdefault(c["left"], []).append((r["id"], "left"))
                choir.setdefault(c["right"], []).append((r["id"], "right"))
            else:
                for code in c:
                    choir.setdefault(code, []).append((r["id"], None))
        self.choir_to_regions = choir
        # (region, side) -> the CHOIR code(s) it rolls up to; side None on a lateral region means both
        self.choir_of: dict[tuple[str, str | None], tuple[int, ...]] = {}
        for r in raw["regions"]:
            c = r["choir"]
            if isinstance(c, dict):
                self.choir_of[(r["id"], "left")] = (c["left"],)
                self.choir_of[(r["id"], "right")] = (c["right"],)
                self.choir_of[(r["id"], None)] = (c["left"], c["right"])
            else:
                self.choir_of[(r["id"], None)] = tuple(c)

        # coarse region -> the finer regions inside it (from each region's ``within``), in file order
        self.finer: dict[str, tuple[str, ...]] = {}
        for r in raw["regions"]:
            for coarse in r.get("within") or ():
                self.finer[coarse] = (*self.finer.get(coarse, ()), r["id"])

    def region_choir(self, region: str, side: str | None) -> list[int]:
        """CHOIR code(s) a region (on a side) rolls up to."""
        return list(self.choir_of[(region, side)])


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
    The schema and this module count too: a change to either rebuilds the compiled form."""
    here = os.path.dirname(os.path.abspath(__file__))
    code = [(p, os.stat(p)) for p in (os.path.join(here, "schema.py"), os.path.join(here, "loader.py"))]
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


def read_raw(data_dir: str | Path = DATA_DIR) -> dict[str, Any]:
    """Parse and validate every data file; returns plain dicts (``model_dump``)."""
    from pathlib import Path

    data_dir = Path(data_dir)

    from . import schema as s

    def y(name: str) -> Any:
        with open(data_dir / name, encoding="utf-8") as fh:
            return load_yaml(fh.read())

    problems: list[str] = []

    def validate(model: Any, data: Any, where: str) -> Any:
        from pydantic import ValidationError

        try:
            return model.model_validate(data).model_dump()
        except ValidationError as exc:
            for err in exc.errors():
                loc = ".".join(str(p) for p in err["loc"])
                problems.append(f"{where}: {loc}: {err['msg']}")
            return None

    def parts(name: str, key: str | None) -> list[tuple[str, Any]]:
        """``name.yaml`` and then every ``name/*.yaml`` (one file per curated area), in order."""
        out: list[tuple[str, Any]] = []
        files = [f"{name}.yaml"] if (data_dir / f"{name}.yaml").exists() else []
        if (data_dir / name).is_dir():
            files += [f"{name}/{p.name}" for p in sorted((data_dir / name).glob("*.yaml"))]
        for f in files:
            doc = y(f) or {}
            out.append((f, doc if key is None else doc.get(key, [])))
        return out

    def listed(name: str, key: str, model: Any) -> list[Any]:
        return [validate(model, item, f) for f, items in parts(name, key) for item in items]

    vocab: dict[str, list[Any]] = {}
    for _f, doc in parts("vocab", None):
        for cat, items in doc.items():
            vocab.setdefault(cat, []).extend(items or [])
    flags: dict[str, list[Any]] = {"flags": [], "rules": []}
    for _f, doc in parts("red_flags", None):
        for key in flags:
            flags[key].extend(doc.get(key) or [])
    raw: dict[str, Any] = {
        "references": listed("references", "references", s.Reference),
        "regions": [validate(s.Region, r, "regions.yaml") for r in y("regions.yaml")["regions"]],
        "vocab": validate(s.Vocabulary, vocab, "vocab"),
        "red_flags": validate(s.RedFlags, flags, "red_flags"),
        "conditions": listed("conditions", "conditions", s.Condition),
        "muscles": [],
        "exercises": [],
    }
    for p in sorted((data_dir / "muscles").glob("*.yaml")):
        raw["muscles"].append(validate(s.Muscle, y(f"muscles/{p.name}"), f"muscles/{p.name}"))
    for p in sorted((data_dir / "exercises").glob("*.yaml")):
        raw["exercises"].append(validate(s.Exercise, y(f"exercises/{p.name}"), f"exercises/{p.name}"))
    # split files make a duplicate id easy to miss: refuse it instead of letting one win silently
    tables: list[tuple[str, list[Any]]] = [
        ("reference", raw["references"]),
        ("condition", raw["conditions"]),
        ("muscle", raw["muscles"]),
        ("exercise", raw["exercises"]),
        ("red flag", flags["flags"]),
        ("rule", flags["rules"]),
    ] + [(f"vocab {cat}", items) for cat, items in vocab.items()]
    for what, items in tables:
        seen: set[str] = set()
        for item in items:
            iid = item.get("id") if isinstance(item, dict) else None
            if iid in seen:
                problems.append(f"duplicate {what} id {iid!r}")
            if iid is not None:
                seen.add(iid)
    if problems:
        raise KnowledgeError(problems)
    return raw


def load_yaml(text: str) -> Any:
    """``yaml.safe_load(text)``, faster: libyaml's parser (where installed) composes the document and
    a lean function builds the Python objects from its nodes, instead of PyYAML's general
    constructor (generators, recursion bookkeeping, anchors) doing it node by node. The result is
    the same (tests/test_fast_yaml.py compares every data file); the knowledge files
    use no anchors, merge keys or custom tags, and anything unusual falls back to ``safe_load``."""
    import yaml

    cls = _fast_loader(yaml)
    if cls is None:
        return yaml.safe_load(text)
    from yaml.nodes import ScalarNode, SequenceNode

    loader = cls(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        constructors = loader.yaml_constructors

        def build(n: Any) -> Any:
            kind = n.__class__
            if kind is ScalarNode:
                return n.value if n.tag == _STR else constructors[n.tag](loader, n)
            if kind is SequenceNode:
                return [build(v) for v in n.value]
            return {build(k): build(v) for k, v in n.value}

        try:
            return build(node)
        except (KeyError, TypeError):  # a tag or key this lean builder does not handle
            return yaml.safe_load(text)
    finally:
        loader.dispose()


_STR = "tag:yaml.org,2002:str"
_FAST_LOADER: Any = None


def _fast_loader(yaml: Any) -> Any:
    """libyaml's safe loader with the resolver's common case short-cut (None without libyaml)."""
    global _FAST_LOADER
    if _FAST_LOADER is None:
        base = getattr(yaml, "CSafeLoader", None)
        implicit = getattr(base, "yaml_implicit_resolvers", {None: None})
        if base is None or None in implicit or getattr(base, "yaml_path_resolvers", True):
            _FAST_LOADER = False
        else:
            from yaml.nodes import ScalarNode

            # a plain scalar whose first character no implicit resolver (int, float, bool, null,
            # timestamp, ...) starts with is a string: exactly what BaseResolver.resolve concludes
            starts = frozenset(implicit)

            class FastSafeLoader(base):  # type: ignore[misc, valid-type]
                def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
                    if kind is ScalarNode and (not implicit[0] or (value and value[0] not in starts)):
                        return _STR
                    return super().resolve(kind, value, implicit)

                def descend_resolver(self, parent: Any, index: Any) -> None:  # no path resolvers
                    return None

                def ascend_resolver(self) -> None:
                    return None

            _FAST_LOADER = FastSafeLoader
    return _FAST_LOADER or None


def compile_knowledge(data_dir: str | Path = DATA_DIR) -> Knowledge:
    """Validate, check referential integrity and build the in-memory knowledge base."""
    import hashlib

    from .integrity import check

    raw = read_raw(data_dir)
    h = hashlib.sha256()
    for p in _data_files(str(data_dir)):
        h.update(os.path.relpath(p, data_dir).replace(os.sep, "/").encode())
        with open(p, "rb") as fh:
            h.update(fh.read())
    kb = Knowledge(h.hexdigest()[:12], raw)
    problems = check(kb)
    if problems:
        raise KnowledgeError(problems)
    return kb


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
        with open(tmp, "wb") as fh:
            import pickle

            pickle.dump(kb, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, cache_file)
    except OSError as exc:
        if cache_dir not in _WARNED:
            _WARNED.add(cache_dir)
            sys.stderr.write(
                f"triggermap: warning: cannot write the knowledge-base cache in {cache_dir!r} "
                f"({exc.strerror or exc}); every run compiles the data files, which is slower. "
                "Set TRIGGERMAP_CACHE_DIR to a writable directory (or to nothing to turn the cache off).\n"
            )


def _state(kb: Knowledge) -> tuple[Any, ...]:
    return tuple(getattr(kb, s) for s in Knowledge.__slots__)


def _restore(kb: Knowledge, state: tuple[Any, ...]) -> None:
    for slot, value in zip(Knowledge.__slots__, state, strict=True):
        setattr(kb, slot, value)


Knowledge.__getstate__ = _state  # type: ignore[method-assign,assignment]
Knowledge.__setstate__ = _restore  # type: ignore[attr-defined]
