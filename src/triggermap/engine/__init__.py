"""The assessment engine: intake -> triage, ranked muscles, differential, plan. Pure, no I/O."""

from .core import Engine, assess, engine_for, prepared
from .intake import Intake, IntakeError, PainMark, parse_intake
from .params import DEFAULT as DEFAULT_PARAMS
from .params import ModelParams
from .triage import LEVELS

__all__ = [
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
