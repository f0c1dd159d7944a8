"""triggermap: from a pain drawing to likely trigger-point sources, red-flag triage and self-care.

Education and decision support, never a diagnosis. The public API::

    import triggermap
    a = triggermap.Engine().assess({"pain": [{"region": "buttock-lower-outer", "side": "left"}]})
    doc = triggermap.localise(a, "es")    # the contract document of that assessment, in Spanish
    triggermap.assess({...}, lang="es")  # both in one line, with the shared engine
    kb = triggermap.load()                # the knowledge base

See docs/api.md.

The names are imported on first use, so that ``import triggermap.knowledge`` (the web app's
pages, the charts, ``triggermap vocab``) does not pay for importing the engine.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from .engine import Assessment, Engine, Intake, IntakeError, ModelParams, assess, parse_intake
    from .knowledge import Knowledge, load
    from .present import localise

#: public name -> the subpackage that defines it
_LAZY = {
    "Assessment": "engine",
    "Engine": "engine",
    "Intake": "engine",
    "IntakeError": "engine",
    "ModelParams": "engine",
    "assess": "engine",
    "parse_intake": "engine",
    "Knowledge": "knowledge",
    "load": "knowledge",
    "localise": "present",
}

__all__ = [
    "Assessment",
    "Engine",
    "Intake",
    "IntakeError",
    "Knowledge",
    "ModelParams",
    "__version__",
    "assess",
    "load",
    "localise",
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
