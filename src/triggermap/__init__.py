"""triggermap: from a pain drawing to likely trigger-point sources, red-flag triage and self-care.

Education and decision support, never a diagnosis.
"""

__version__ = "0.1.0"

from .assess import Intake, IntakeError, assess, parse_intake  # noqa: E402
from .knowledge import Knowledge, load  # noqa: E402

__all__ = ["Intake", "IntakeError", "Knowledge", "__version__", "assess", "load", "parse_intake"]
