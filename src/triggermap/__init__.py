"""triggermap: from a pain drawing to likely trigger-point sources, red-flag triage and self-care.

Education and decision support, never a diagnosis. The public API::

    import triggermap
    triggermap.Engine().assess({"pain": [{"region": "buttock-lower-outer", "side": "left"}]})
    triggermap.assess({...}, lang="es")  # the same with the shared engine
    kb = triggermap.load()                # the knowledge base

See docs/api.md.
"""

__version__ = "0.1.0"

from .assess import Engine, Intake, IntakeError, ModelParams, assess, parse_intake  # noqa: E402
from .knowledge import Knowledge, load  # noqa: E402

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
