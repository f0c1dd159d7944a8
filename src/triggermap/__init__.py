"""triggermap: from a pain drawing to likely trigger-point sources, red-flag triage and self-care.

Education and decision support, never a diagnosis. The public API::

    import triggermap
    triggermap.Engine().assess({"pain": [{"region": "buttock-lower-outer", "side": "left"}]})
    triggermap.assess({...}, lang="es")  # the same with the shared engine
    kb = triggermap.load()                # the knowledge base

See docs/api.md.

The names are imported on first use, so that ``import triggermap.knowledge`` (the web app's
pages, the charts, ``triggermap vocab``) does not pay for importing the engine.
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from .assess import Engine, Intake, IntakeError, ModelParams, assess, parse_intake
    from .knowledge import Knowledge, load

#: public name -> the subpackage that defines it
_LAZY = {
    "Engine": "assess",
    "Intake": "assess",
    "IntakeError": "assess",
    "ModelParams": "assess",
    "parse_intake": "assess",
    "Knowledge": "knowledge",
    "load": "knowledge",
}

__all__ = [
    "Engine",
    "Intake",
    "IntakeError",
    "Knowledge",
    "ModelParams",
    "__version__",
    "assess",
    "load",
    "parse_intake",
]


def __getattr__(name: str) -> Any:
    sub = _LAZY.get(name)
    if sub is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f".{sub}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


class _Package(types.ModuleType):
    """``triggermap.assess`` is the function :func:`triggermap.assess.assess` (the public API), also
    after the subpackage of the same name is imported (which would otherwise rebind the name to
    the subpackage; ``from triggermap.assess import ...`` still reaches the subpackage)."""

    @property
    def assess(self) -> Any:
        from .assess import assess

        return assess

    @assess.setter
    def assess(self, module: Any) -> None:  # the import system binding the subpackage: keep the function
        pass


sys.modules[__name__].__class__ = _Package
