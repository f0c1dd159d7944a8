"""Compile the knowledge base: YAML -> pydantic validation -> integrity checks -> typed entities,
plus the body-chart geometry (compiled by :mod:`triggermap.knowledge.geometry`, kept as a pickled blob).

Build-time only: :func:`~triggermap.knowledge.loader.load` calls :func:`compile_knowledge` when
the on-disk cache is cold and :func:`dump` to write it; a warm start never imports this module
(nor YAML, nor pydantic).
"""

from __future__ import annotations

import os
import types
import typing
from collections.abc import Callable
from typing import IO, TYPE_CHECKING, Any

from . import entities as e
from .loader import DATA_DIR, KnowledgeError, _data_files

if TYPE_CHECKING:
    from pathlib import Path

Knowledge = e.Knowledge


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


def compile_knowledge(data_dir: str | Path = DATA_DIR) -> e.Knowledge:
    """Validate, check referential integrity and build the in-memory knowledge base."""
    import hashlib

    from .integrity import check

    raw = read_raw(data_dir)
    h = hashlib.sha256()
    for p in _data_files(str(data_dir)):
        h.update(os.path.relpath(p, data_dir).replace(os.sep, "/").encode())
        with open(p, "rb") as fh:
            h.update(fh.read())
    kb = build(h.hexdigest()[:12], raw)
    problems = check(kb)
    if problems:
        raise KnowledgeError(problems)
    if os.path.isdir(os.path.join(data_dir, "geometry")):
        # the charts' geometry goes into the same artifact, as one pickled blob the charts unpickle
        # on first use (a warm load that draws no chart only copies the bytes); the version hash
        # above covers its files too. Compiled here (knowledge.geometry), never by the charts.
        from . import geometry

        kb.geometry = geometry.dumps_bundle(geometry.compile_bundle(data_dir))
    return kb




def build(version: str, raw: dict[str, Any]) -> e.Knowledge:
    """The typed knowledge base from validated plain data (:func:`read_raw`).

    Equal strings and equal entities (the same zone, the same reference list...) become one
    object, so the cache stores each once and a warm load builds it once."""
    _SHARED.clear()
    try:
        return _build(version, raw)
    finally:
        _SHARED.clear()


def _build(version: str, raw: dict[str, Any]) -> e.Knowledge:
    return e.Knowledge(
        version,
        regions=[entity(e.Region, r) for r in raw["regions"]],
        vocab={cat: [entity(e.VocabItem, i) for i in items] for cat, items in raw["vocab"].items()},
        red_flags=[entity(e.RedFlag, f) for f in raw["red_flags"]["flags"]],
        rules=[entity(e.Rule, r) for r in raw["red_flags"]["rules"]],
        conditions=[entity(e.Condition, c) for c in raw["conditions"]],
        muscles=[entity(e.Muscle, m) for m in raw["muscles"]],
        exercises=[entity(e.Exercise, x) for x in raw["exercises"]],
        references=[entity(e.Reference, r) for r in raw["references"]],
    )


_T = typing.TypeVar("_T")
Convert = Callable[[Any], Any]
_PLANS: dict[type, tuple[Convert, ...]] = {}
_SHARED: dict[Any, Any] = {}


def entity(cls: type[_T], data: dict[str, Any]) -> _T:
    """One entity of type ``cls`` from its ``model_dump()`` (nested entities and tuples too)."""
    plan = _PLANS.get(cls)
    if plan is None:
        hints = typing.get_type_hints(cls)
        plan = _PLANS[cls] = tuple(_converter(hints[f]) for f in cls._fields)  # type: ignore[attr-defined]
    fields: tuple[str, ...] = cls._fields  # type: ignore[attr-defined]
    if set(data) != set(fields):
        raise TypeError(f"{cls.__name__}: fields {sorted(set(data) ^ set(fields))} differ from the schema")
    obj = tuple.__new__(cls, [conv(data[f]) for f, conv in zip(fields, plan, strict=True)])  # type: ignore[type-var]
    return _SHARED.setdefault((cls, obj), obj)  # type: ignore[no-any-return]


def _identity(value: Any) -> Any:
    if type(value) is str:
        return _SHARED.setdefault(value, value)
    return value


def _converter(hint: Any) -> Convert:
    """How to turn a plain value into the value of a field annotated ``hint``."""
    if isinstance(hint, type) and hasattr(hint, "_fields"):
        return lambda d: entity(hint, d)
    origin = typing.get_origin(hint)
    if origin is tuple:
        item = _converter(typing.get_args(hint)[0])

        def items(xs: Any) -> Any:
            t = tuple([item(x) for x in xs])
            return _SHARED.setdefault((tuple, t), t)

        return items
    if origin is typing.Union or origin is types.UnionType:
        options = [a for a in typing.get_args(hint) if a is not type(None)]
        by_shape = {dict if hasattr(a, "_fields") else list if typing.get_origin(a) is tuple else object: _converter(a)
                    for a in options}

        def union(value: Any) -> Any:
            if value is None:
                return None
            conv = by_shape.get(type(value)) or by_shape.get(object, _identity)
            return conv(value)

        return union
    return _identity


def _reduce(obj: tuple[Any, ...]) -> tuple[Any, ...]:
    # unpickling calls tuple.__new__(cls, items) in C instead of the NamedTuple's Python __new__
    return (tuple.__new__, (type(obj), tuple(obj)))


def dump(kb: e.Knowledge, fh: IO[bytes]) -> None:
    """Pickle the compiled knowledge base (entities as plain tuples: fast to load)."""
    import pickle

    pickler = pickle.Pickler(fh, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = {cls: _reduce for cls in e.ENTITY_TYPES}
    pickler.dump(kb)
