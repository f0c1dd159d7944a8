"""The assessment engine: intake -> triage, ranked muscles, differential, next questions, plan,
as a language-neutral :class:`Assessment`. Pure, no I/O."""

from .core import Engine, assess, engine_for, prepared
from .intake import Intake, IntakeError, PainMark, parse_intake
from .params import DEFAULT as DEFAULT_PARAMS
from .params import ModelParams
from .result import Assessment
from .triage import LEVELS

__all__ = [
    "Assessment",
    "DEFAULT_PARAMS",
    "LEVELS",
    "Engine",
    "Intake",
    "IntakeError",
    "ModelParams",
    "PainMark",
    "assess",
    "engine_for",
    "parse_intake",
    "prepared",
]
