"""``mypyc_attr`` for the engine modules that the optional compiled build (setup.py,
TRIGGERMAP_COMPILE=1) compiles with mypyc.

mypyc recognises the decorator by its name, ``mypy_extensions.mypyc_attr``, which it reads
through this re-export; at run time it is a no-op (the real one from mypy_extensions when that
is installed, which it is wherever mypy is, or the stand-in below), so the pure-Python package
does not depend on mypy_extensions. This module itself is never compiled.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_extensions import mypyc_attr
else:
    try:
        from mypy_extensions import mypyc_attr
    except ImportError:  # the pure-Python install without mypy: the decorator does nothing

        def mypyc_attr(*attrs: Any, **kwattrs: Any) -> Any:
            return lambda x: x


__all__ = ["mypyc_attr"]
