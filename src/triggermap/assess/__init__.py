"""The assessment engine: intake -> triage, ranked muscles, differential, plan. Pure, no I/O."""

from .engine import assess, prepared
from .intake import Intake, IntakeError, PainMark, parse_intake
from .triage import LEVELS

__all__ = ["LEVELS", "Intake", "IntakeError", "PainMark", "assess", "parse_intake", "prepared"]
