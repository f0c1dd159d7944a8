"""Pydantic models of the knowledge-base data files.

The YAML files under ``knowledge/data`` are validated into these models when the
knowledge base is (re)compiled (:mod:`triggermap.knowledge.compiler`); the engine itself
works on the typed, frozen entities of :mod:`triggermap.knowledge.entities` (same field
names and order), cached on disk, so that importing pydantic is never on the hot path of
``triggermap assess``. The closed sets of words are defined once, in
:mod:`triggermap.vocabulary` and :mod:`triggermap.knowledge.entities`.

Conventions
-----------
* Every id is stable kebab-case; once published it never changes meaning.
* Every patient-facing text is a :class:`Text` with both ``en`` and ``es``.
* Every clinical fact carries ``refs``: ids from ``references.yaml``.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..vocabulary import Asker, ExerciseKind
from ..vocabulary import Level as TriageLevel
from .entities import ConditionCategory, Equipment, EvidenceKind, ReferenceKind, RegionGroup, ZoneSide

KEBAB = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# spinal roots (C1-C8, T1-T12, L1-L5, S1-S5, Co1) or, for head and face muscles, the cranial nerve
# (CNV trigeminal, CNVII facial, CNXI accessory...)
ROOT = re.compile(r"^(C[1-8]|T1[0-2]|T[1-9]|L[1-5]|S[1-5]|Co1|CN(?:I|II|III|IV|V|VI|VII|VIII|IX|X|XI|XII))$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_id(value: str) -> str:
    if not KEBAB.match(value):
        raise ValueError(f"{value!r} is not a kebab-case id")
    return value


class Text(Strict):
    """A text in both first-class languages."""

    en: str = Field(min_length=1)
    es: str = Field(min_length=1)


class Fact(Text):
    """A text that states something clinical, with its sources."""

    refs: list[str] = Field(min_length=1)


class Reference(Strict):
    id: str
    citation: str = Field(min_length=10, description="Full citation in Vancouver-like style.")
    kind: ReferenceKind
    year: int | None = None
    url: str | None = None
    doi: str | None = None
    pmid: str | None = None

    _id = field_validator("id")(_check_id)


class ChoirLateral(Strict):
    left: int
    right: int


class Region(Strict):
    id: str
    label: Text
    definition: Text
    midline: bool
    # lateral regions roll up to one CHOIR code per side; midline ones to a list
    choir: ChoirLateral | list[int]
    group: RegionGroup
    # coarse regions (version 1) that this finer region lies inside: a coarse region in an
    # intake stands for every finer region within it, as a CHOIR code does
    within: list[str] = []

    _id = field_validator("id")(_check_id)


class VocabItem(Strict):
    """An id of a simple vocabulary (qualities, aggravating, findings, history).

    ``question`` is how the engine asks for it as a next question (contract 1.1
    ``next_questions``): a plain yes/no question, or for a self-test the short instructions
    and the question. ``who`` says who can answer it: ``self`` (the person, perhaps by a
    self-test) or ``clinician``; by default findings are ``clinician`` and the rest ``self``.
    """

    id: str
    label: Text
    definition: Text
    question: Text | None = None
    who: Asker | None = None
    refs: list[str] = []

    _id = field_validator("id")(_check_id)


class Vocabulary(Strict):
    qualities: list[VocabItem]
    aggravating: list[VocabItem]
    findings: list[VocabItem]
    history: list[VocabItem]


class ZoneRef(Strict):
    """A region a trigger point refers pain to.

    ``side`` is relative to the muscle: ``same`` (the default, ipsilateral) or ``both``
    (the pattern crosses the midline). It is ignored for midline regions.
    """

    region: str
    side: ZoneSide = "same"


class TriggerPoint(Strict):
    id: str
    name: Text = Field(description="Short name, e.g. 'TrP1 (beside the sacrum)'.")
    location: Text = Field(description="Where it lies, in words, with a palpation landmark.")
    landmark: Text = Field(description="The bony or soft-tissue landmark used to find it.")
    essential: list[ZoneRef] = Field(min_length=1)
    spillover: list[ZoneRef] = []
    # the body-map region the trigger point itself lies in (where it is palpated); charts place
    # the mark there when geometry/trigger_points.yaml gives no exact position
    site: str | None = None
    refs: list[str] = Field(min_length=1)

    _id = field_validator("id")(_check_id)


class Names(Strict):
    en: str
    es: str
    la: str = Field(description="Latin (Terminologia Anatomica) name.")


class Ontology(Strict):
    uberon: str | None = Field(default=None, pattern=r"^UBERON:\d{7}$")
    fma: str | None = Field(default=None, pattern=r"^FMA:\d+$")


class Innervation(Strict):
    nerve: Text
    roots: list[str] = Field(min_length=1)
    refs: list[str] = Field(min_length=1)

    @field_validator("roots")
    @classmethod
    def _roots(cls, roots: list[str]) -> list[str]:
        for r in roots:
            if not ROOT.match(r):
                raise ValueError(f"{r!r} is not a spinal root like C5, L5 or S1 nor a cranial nerve like CNVII")
        return roots


class Anatomy(Strict):
    origin: Text
    insertion: Text
    actions: list[Text] = Field(min_length=1)
    innervation: Innervation
    refs: list[str] = Field(min_length=1)


class Muscle(Strict):
    id: str
    names: Names
    ontology: Ontology
    summary: Text = Field(description="One or two plain sentences for the person in pain.")
    anatomy: Anatomy
    midline: bool = Field(default=False, description="An unpaired muscle on the midline (palpation takes no side).")
    trigger_points: list[TriggerPoint] = Field(min_length=1)
    symptoms: list[Fact] = Field(min_length=1)
    # vocabulary ids the engine uses as evidence (each list backed by refs)
    aggravating: list[str] = []
    qualities: list[str] = []
    findings: list[str] = []
    evidence_refs: list[str] = Field(
        default=[], description="Sources for the aggravating/qualities/findings id lists above."
    )
    aggravating_text: list[Fact] = Field(default=[], description="Aggravating activities in words.")
    activating_factors: list[Fact] = []
    perpetuating_factors: list[Fact] = []
    mimics: list[str] = Field(default=[], description="Condition ids this muscle's pain is mistaken for.")
    mimics_refs: list[str] = []
    confirm: Fact = Field(description="How a clinician would confirm it.")
    self_care: list[str] = Field(min_length=1, description="Exercise ids.")
    references: list[str] = Field(min_length=1)

    _id = field_validator("id")(_check_id)


class Exercise(Strict):
    id: str
    kind: ExerciseKind
    title: Text
    steps: list[Text] = Field(min_length=1)
    dose: Text
    cautions: list[Fact] = []
    # intake ids (history or red flags) that rule the exercise out
    contraindications: list[str] = []
    contraindications_text: list[Fact] = []
    equipment: list[Equipment] = []
    muscles: list[str] = Field(min_length=1, description="Muscle ids this item targets.")
    evidence: Fact = Field(description="Why this item, e.g. published EMG activation or guidance.")
    refs: list[str] = Field(min_length=1)

    _id = field_validator("id")(_check_id)


class RedFlag(Strict):
    id: str
    question: Text = Field(description="Plain-language yes/no question for the person.")
    label: Text
    definition: Text
    level: TriageLevel = Field(description="Level this flag reaches on its own.")
    reason: Text = Field(description="Plain-language reason shown when the flag is answered yes.")
    conditions: list[str] = Field(default=[], description="Condition ids this flag points to.")
    refs: list[str] = Field(min_length=1)

    _id = field_validator("id")(_check_id)


class TriageRule(Strict):
    """A combination rule: when ``all_of`` are present (and, if given, at least one of ``any_of``,
    and, if given, pain in at least one of ``regions``, a coarse region standing for the finer
    ones inside it)."""

    id: str
    all_of: list[str] = []
    any_of: list[str] = []
    regions: list[str] = []
    min_age: int | None = None
    level: TriageLevel
    reason: Text
    conditions: list[str] = []
    refs: list[str] = Field(min_length=1)

    _id = field_validator("id")(_check_id)


class RedFlags(Strict):
    flags: list[RedFlag]
    rules: list[TriageRule]


class Feature(Strict):
    """One piece of evidence for a condition with its likelihood ratios.

    ``kind`` says which intake list ``ids`` come from (``age-over``/``age-under`` use ``value``).
    A feature fires once when any of its ids is present. ``lr``, the positive likelihood ratio,
    is required (the curator writes the ratio sens / (1 - spec), or says in a comment why the
    lr differs from it). ``lr_absent`` is the negative likelihood ratio, used when every id of
    the feature was asked and answered "no" (intake ``absent``); when it is not given the engine
    uses (1 - sensitivity) / specificity if both are given, and otherwise the model's documented
    assumption (docs/model.md, "Absent answers"). ``sensitivity``/``specificity`` are given when
    a study publishes them for exactly this intake item.
    """

    kind: EvidenceKind
    ids: list[str] = []
    value: int | None = None
    lr: float = Field(gt=0)
    lr_absent: float | None = Field(default=None, gt=0)
    anchor: bool = Field(
        default=True,
        description="Whether this feature alone brings the condition into the differential (a region "
        "feature with anchor false only adds evidence once another feature has).",
    )
    sensitivity: float | None = Field(default=None, ge=0, le=1)
    specificity: float | None = Field(default=None, ge=0, le=1)
    why: Text
    refs: list[str] = Field(min_length=1)


class Condition(Strict):
    id: str
    name: Text
    summary: Text
    category: ConditionCategory
    prior: float = Field(gt=0, lt=1, description="Pre-test probability in people with this kind of pain.")
    # level the condition raises triage to when it is likely (score >= threshold)
    level_when_likely: TriageLevel
    distinguishing: list[Fact] = Field(min_length=1)
    features: list[Feature] = Field(min_length=1)
    confirm: Fact
    refs: list[str] = Field(min_length=1)

    _id = field_validator("id")(_check_id)
