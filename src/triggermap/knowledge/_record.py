"""A lean ``typing.NamedTuple`` for the knowledge entities, at run time only.

``typing.NamedTuple`` builds each class through ``collections.namedtuple``, which compiles a
``__new__`` per class with ``eval``: some 18 entity classes made importing the knowledge base
cost about 3 ms, a fifth of a warm load. :class:`Record` makes the same kind of class (a tuple
subclass without ``__dict__``, one C-level getter per field, ``_fields``, ``_make``,
``_replace``, ``_asdict``, a readable ``repr``, pickling by fields) from the class body's
annotations, with one shared ``__new__``. Type checkers see ``typing.NamedTuple``
(``entities.py`` imports it under ``TYPE_CHECKING``), so the fields keep their precise types.
"""

from collections import _tuplegetter  # type: ignore[attr-defined]
from typing import Any

_new = tuple.__new__


class _RecordMeta(type):
    def __new__(mcls, name: str, bases: tuple[type, ...], ns: dict[str, Any]) -> type:
        if ns.get("_root"):
            return super().__new__(mcls, name, (tuple,), ns)
        fields = tuple(ns.get("__annotations__", {}))
        ns["__slots__"] = ()
        ns["_fields"] = fields
        for i, f in enumerate(fields):
            ns[f] = _tuplegetter(i, f"Alias for field number {i}")
        return super().__new__(mcls, name, (Record,), ns)


class Record(tuple[Any, ...], metaclass=_RecordMeta):
    _root = True
    __slots__ = ()
    _fields: tuple[str, ...] = ()

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        fields = cls._fields
        if kwargs:
            try:
                args = args + tuple(kwargs.pop(f) for f in fields[len(args):])
            except KeyError as exc:
                raise TypeError(f"{cls.__name__}() missing argument {exc.args[0]!r}") from None
            if kwargs:
                raise TypeError(f"{cls.__name__}() got unexpected arguments {sorted(kwargs)}")
        if len(args) != len(fields):
            raise TypeError(f"{cls.__name__}() takes {len(fields)} arguments ({', '.join(fields)}), got {len(args)}")
        return _new(cls, args)

    @classmethod
    def _make(cls, iterable: Any) -> Any:
        obj = _new(cls, iterable)
        if len(obj) != len(cls._fields):
            raise TypeError(f"expected {len(cls._fields)} arguments, got {len(obj)}")
        return obj

    def _replace(self, **kwargs: Any) -> Any:
        obj = self._make([kwargs.pop(f, v) for f, v in zip(self._fields, self, strict=True)])
        if kwargs:
            raise ValueError(f"got unexpected field names: {sorted(kwargs)}")
        return obj

    def _asdict(self) -> dict[str, Any]:
        return dict(zip(self._fields, self, strict=True))

    def __getnewargs__(self) -> tuple[Any, ...]:
        return tuple(self)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{f}={v!r}' for f, v in zip(self._fields, self, strict=True))})"
