"""Published JSON Schemas of the contract documents (``triggermap schema``, OpenAPI).

The models describe the documents; the engine validates intakes with its own fast
parser (:mod:`triggermap.engine.intake`), and the tests check that both agree and that
every assessment the engine writes validates against :func:`assessment_schema`.
Enumerations of ids are filled in from the knowledge base, so the schema lists exactly
the accepted vocabulary.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .vocabulary import (
    AGE_MAX,
    AGE_MIN,
    ANSWER_LISTS,
    CHOIR_CODES,
    CHOIR_RANGES_TEXT,
    DEFAULT_INTENSITY,
    DURATION_MAX_WEEKS,
    DURATION_MIN_WEEKS,
    INTENSITY_MAX,
    INTENSITY_MIN,
    MAX_NEXT_QUESTIONS,
    SIDES,
    Asker,
    BodySide,
    ChoirNumbering,
    ExerciseKind,
    Lang,
    Level,
    QuestionField,
    Sex,
    Side,
    Zone,
)

if TYPE_CHECKING:
    from .knowledge import Knowledge


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PainIn(_M):
    region: str = Field(description="Region id (`triggermap vocab regions`).")
    side: Side | None = Field(
        default=None, description="Required for lateral regions; omitted for midline ones."
    )
    intensity: int = Field(default=DEFAULT_INTENSITY, ge=INTENSITY_MIN, le=INTENSITY_MAX,
                           description=f"{INTENSITY_MIN}-{INTENSITY_MAX} numeric pain rating.")


class AbsentIn(_M):
    """What was asked and answered "no", by list (contract 1.1); an id may not also be given."""

    qualities: list[str] = []
    aggravating: list[str] = []
    findings: list[str] = []
    red_flags: list[str] = []
    history: list[str] = []


class PalpationIn(_M):
    """A clinician's palpation of one muscle (contract 1.1)."""

    muscle: str = Field(description="Muscle id (`triggermap vocab muscles`).")
    side: Side | None = Field(
        default=None, description="Required for paired muscles; omitted for a midline one."
    )
    tender: bool = Field(description="The muscle was tender to pressure.")
    reproduces: bool | None = Field(default=None, description="Pressure reproduced the person's familiar pain.")
    taut_band: bool | None = Field(default=None, description="A taut band was felt.")


class IntakeDoc(_M):
    """A pain drawing and answers (contract v1). At least one of pain, choir, red_flags is non-empty."""

    version: Literal[1] = 1
    age: int | None = Field(default=None, ge=AGE_MIN, le=AGE_MAX)
    sex: Sex | None = None
    duration_weeks: float | None = Field(default=None, ge=DURATION_MIN_WEEKS, le=DURATION_MAX_WEEKS)
    pain: list[PainIn] = []
    choir: list[int] = Field(default=[], description=f"CHOIR Body Map codes, {CHOIR_RANGES_TEXT}.")
    choir_numbering: ChoirNumbering = "standard"
    qualities: list[str] = []
    aggravating: list[str] = []
    findings: list[str] = []
    red_flags: list[str] = []
    history: list[str] = []
    absent: AbsentIn = Field(default_factory=AbsentIn, description="Asked and answered no (1.1).")
    palpation: list[PalpationIn] = Field(default=[], description="Palpation findings (1.1).")


class Reason(_M):
    id: str
    level: Level
    text: str
    answers: list[str] = Field(description="The intake answers that triggered this reason.")


class Triage(_M):
    level: Level
    reasons: list[Reason] = Field(min_length=1)


class Explained(_M):
    region: str
    side: BodySide | None = None
    zone: Zone
    intensity: int = Field(ge=INTENSITY_MIN, le=INTENSITY_MAX)


class Unexplained(_M):
    region: str
    side: BodySide | None = None
    intensity: int = Field(ge=INTENSITY_MIN, le=INTENSITY_MAX)


class Support(_M):
    aggravating: list[str]
    qualities: list[str]
    findings: list[str]
    palpation: list[str] | None = Field(
        default=None, description="Palpation findings, e.g. `left:tender`, `left:reproduces` (1.1 addition)."
    )


class MuscleOut(_M):
    id: str
    name: str
    latin: str
    score: float = Field(ge=0, le=1)
    side: Side | None
    trigger_points: list[str] = Field(min_length=1)
    explains: list[Explained] = Field(min_length=1)
    unexplained: list[Unexplained]
    supporting: Support
    against: Support | None = Field(default=None, description="Answers of `absent` (and palpation) against it (1.1).")
    confirm: str


class ConditionOut(_M):
    id: str
    name: str
    score: float = Field(ge=0, le=1)
    likely: bool
    flagged_by: list[str] = Field(description="Red flags or combination rules that point to this condition.")
    why: list[str]
    confirm: str


class NextQuestion(_M):
    field: QuestionField
    value: str = Field(description="The id to ask about (a muscle id for palpation).")
    side: Side | None = None
    who: Asker
    text: str
    why: str
    gain: float = Field(ge=0, description="Expected information gain in bits (docs/model.md).")


class PlanItem(_M):
    id: str
    kind: ExerciseKind
    muscle: str
    title: str
    dose: str
    steps: list[str]
    cautions: list[str]
    equipment: list[str]
    refs: list[str]


class Withheld(_M):
    id: str
    muscle: str
    title: str
    because: list[str]


class ReferenceOut(_M):
    id: str
    citation: str


class AssessmentDoc(_M):
    """The assessment of one intake (contract v1, with the 1.1 additions)."""

    version: Literal[1]
    contract: Literal["1.1"] = Field(description="The contract version the answer follows.")
    kb_version: str
    model_version: str | None = Field(
        default=None, description="Version of the model parameters that scored it (docs/model.md); 1.1 addition."
    )
    lang: Lang
    triage: Triage
    muscles: list[MuscleOut] = Field(max_length=10)
    uncovered: list[Unexplained]
    conditions: list[ConditionOut]
    next_questions: list[NextQuestion] = Field(default=[], max_length=MAX_NEXT_QUESTIONS, description="1.1 addition.")
    plan: list[PlanItem]
    plan_withheld: list[Withheld]
    references: list[ReferenceOut]
    choir: list[int]
    disclaimer: str


class ErrorDoc(_M):
    """An invalid intake (HTTP 422 / exit code 2)."""

    field: str
    message: str


def _enum(schema: dict[str, Any], path: list[str], values: list[str]) -> None:
    node = schema
    for p in path:
        node = node[p]
    node["enum"] = values


def intake_schema(kb: Knowledge) -> dict[str, Any]:
    s = IntakeDoc.model_json_schema()
    s["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    s["$id"] = "https://triggermap.invalid/schema/intake-v1.json"
    props = s["properties"]
    absent = s["$defs"]["AbsentIn"]["properties"]
    for key in ANSWER_LISTS:  # the answer lists, and the same lists answered "no"
        ids = list(kb.red_flags if key == "red_flags" else kb.vocab[key])
        props[key]["items"]["enum"] = ids
        props[key]["uniqueItems"] = False
        absent[key]["items"]["enum"] = list(ids)
    props["choir"]["items"] = {"type": "integer", "enum": sorted(CHOIR_CODES)}
    _enum(s, ["$defs", "PalpationIn", "properties", "muscle"], list(kb.muscles))
    midline_muscles = [m for m, d in kb.muscles.items() if d.midline]
    paired = [m for m, d in kb.muscles.items() if not d.midline]
    s["$defs"]["PalpationIn"]["allOf"] = [
        {"if": {"properties": {"muscle": {"enum": midline_muscles}}}, "then": {"not": {"required": ["side"]}}},
        {
            "if": {"properties": {"muscle": {"enum": paired}}},
            "then": {"required": ["side"], "properties": {"side": {"enum": list(SIDES)}}},
        },
    ]
    _enum(s, ["$defs", "PainIn", "properties", "region"], list(kb.regions))
    s["anyOf"] = [
        {"properties": {"pain": {"minItems": 1}}, "required": ["pain"]},
        {"properties": {"choir": {"minItems": 1}}, "required": ["choir"]},
        {"properties": {"red_flags": {"minItems": 1}}, "required": ["red_flags"]},
    ]
    # midline regions take no side; lateral ones require it
    midline = [r for r, d in kb.regions.items() if d.midline]
    lateral = [r for r, d in kb.regions.items() if not d.midline]
    s["$defs"]["PainIn"]["allOf"] = [
        {
            "if": {"properties": {"region": {"enum": midline}}},
            "then": {"not": {"required": ["side"]}},
        },
        {
            "if": {"properties": {"region": {"enum": lateral}}},
            "then": {"required": ["side"], "properties": {"side": {"enum": list(SIDES)}}},
        },
    ]
    return s


def assessment_schema(kb: Knowledge) -> dict[str, Any]:
    s = AssessmentDoc.model_json_schema()
    s["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    s["$id"] = "https://triggermap.invalid/schema/assessment-v1.json"
    d = s["$defs"]
    regions = list(kb.regions)
    _enum(d, ["MuscleOut", "properties", "id"], list(kb.muscles))
    _enum(d, ["ConditionOut", "properties", "id"], list(kb.conditions))
    _enum(d, ["PlanItem", "properties", "id"], list(kb.exercises))
    _enum(d, ["PlanItem", "properties", "muscle"], list(kb.muscles))
    _enum(d, ["Explained", "properties", "region"], regions)
    _enum(d, ["Unexplained", "properties", "region"], regions)
    _enum(d, ["ReferenceOut", "properties", "id"], list(kb.references))
    d["MuscleOut"]["properties"]["trigger_points"]["items"] = {"enum": list(kb.trigger_points)}
    # a next question's value is an answer id or a muscle id
    values = sorted({*kb.red_flags, *kb.muscles, *(i for cat in kb.vocab.values() for i in cat)})
    _enum(d, ["NextQuestion", "properties", "value"], values)
    return s


def lean_assessment_schema(kb: Knowledge) -> dict[str, Any]:
    """The lean form of the assessment (:mod:`triggermap.lean`, docs/lean-document.md): the drawing's
    painful marks once, in ``marks``, and each muscle's ``explains_marks`` naming them by position
    in place of its ``explains`` and ``unexplained`` lists."""
    import copy

    s = copy.deepcopy(assessment_schema(kb))
    s["$id"] = "https://triggermap.invalid/schema/assessment-lean-v1.json"
    s["title"] = "AssessmentLeanDoc"
    s["description"] = (
        "The lean form of an assessment (opt-in: `triggermap assess --lean`, `?lean=1`): the painful marks "
        "given once in `marks`; `triggermap.lean.expand_document` gives back the full document exactly."
    )
    props = s["properties"]
    props["form"] = {"const": "lean", "description": "This document is in the lean form."}
    props["marks"] = {
        "type": "array", "items": {"$ref": "#/$defs/Unexplained"},
        "description": "The drawing's painful marks, each once; muscles refer to them by position (0-based).",
    }
    s["required"] = [*s["required"], "form", "marks"]
    d = s["$defs"]
    lean = copy.deepcopy(d["MuscleOut"])
    lean["title"] = "MuscleLeanOut"
    positions = {"type": "array", "items": {"type": "integer", "minimum": 0}}
    lean["properties"]["explains_marks"] = {
        "type": "object", "additionalProperties": False, "required": ["essential", "spillover"],
        "properties": {"essential": positions, "spillover": copy.deepcopy(positions)},
        "description": "Positions in `marks` this muscle explains, by zone; every other mark it leaves "
                       "unexplained. Replaces `explains` and `unexplained`.",
    }
    required = [r for r in lean["required"] if r not in ("explains", "unexplained")]
    # a muscle is either lean (explains_marks) or, where it could not be written so, full
    lean["required"] = required
    lean["oneOf"] = [
        {"required": ["explains_marks"], "not": {"anyOf": [{"required": ["explains"]}, {"required": ["unexplained"]}]}},
        {"required": ["explains", "unexplained"], "not": {"required": ["explains_marks"]}},
    ]
    d["MuscleLeanOut"] = lean
    props["muscles"]["items"] = {"$ref": "#/$defs/MuscleLeanOut"}
    return s


def schemas(kb: Knowledge) -> dict[str, dict[str, Any]]:
    return {"intake": intake_schema(kb), "assessment": assessment_schema(kb),
            "assessment-lean": lean_assessment_schema(kb), "error": ErrorDoc.model_json_schema()}
