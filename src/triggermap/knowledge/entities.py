"""The knowledge base at run time: frozen, typed entities and the :class:`Knowledge` that holds them.

Every entity is a ``NamedTuple`` whose fields mirror its pydantic model in
:mod:`triggermap.knowledge.schema` (same names, same order; lists become tuples), so the compiled
form is immutable, cheap to build and to unpickle, and ``to_dict()`` gives back exactly the
model's ``model_dump()`` for the exports that need plain data. Localised texts are
:class:`Text`, :class:`Fact` (a text with its sources) and :class:`Names` (with the Latin name),
read with ``.of(lang)``.

Standard library only: a warm start imports neither YAML nor pydantic (see
:mod:`triggermap.knowledge.compiler` for the build side).
"""

# no ``from __future__ import annotations`` here: typing.NamedTuple would turn every string
# annotation into a ForwardRef (compiling it), which costs more at import than evaluating them
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from ..vocabulary import Asker, ExerciseKind, Level, did_you_mean

if TYPE_CHECKING:
    from typing import NamedTuple
else:
    from ._record import Record as NamedTuple

ReferenceKind = Literal["book", "article", "guideline", "review", "web", "dataset"]
RegionGroup = Literal["trunk", "pelvis", "hip-thigh", "knee", "leg", "ankle-foot", "head-neck", "upper-limb"]
ZoneSide = Literal["same", "both"]
Equipment = Literal["none", "ball", "foam-roller", "chair", "wall", "step", "band", "towel"]
EvidenceKind = Literal["region", "quality", "aggravating", "finding", "red-flag", "history", "age-over", "age-under"]
ConditionCategory = Literal[
    "serious", "neurological", "joint", "tendon", "vascular", "myofascial-related",
    "visceral", "headache", "systemic", "bone",
]
VocabCategory = Literal["qualities", "aggravating", "findings", "history"]
_T = TypeVar("_T")


def as_dict(value: Any) -> Any:
    """Plain data of an entity (dicts and lists, as pydantic's ``model_dump()`` gives)."""
    fields = getattr(value, "_fields", None)
    if fields is not None:
        return {f: as_dict(v) for f, v in zip(fields, value, strict=True)}
    if isinstance(value, tuple):
        return [as_dict(v) for v in value]
    return value


class Text(NamedTuple):
    """A text in every language."""

    en: str
    es: str

    def of(self, lang: str) -> str:
        return str(getattr(self, lang))

    def to_dict(self) -> dict[str, Any]:
        return {"en": self.en, "es": self.es}


class Fact(NamedTuple):
    """A text that states something clinical, with its sources."""

    en: str
    es: str
    refs: tuple[str, ...]

    def of(self, lang: str) -> str:
        return str(getattr(self, lang))

    def to_dict(self) -> dict[str, Any]:
        return as_dict(self)  # type: ignore[no-any-return]


class Names(NamedTuple):
    """A muscle's names in every language and in Latin (Terminologia Anatomica)."""

    en: str
    es: str
    la: str

    def of(self, lang: str) -> str:
        return str(getattr(self, lang))

    def to_dict(self) -> dict[str, Any]:
        return as_dict(self)  # type: ignore[no-any-return]


class Reference(NamedTuple):
    id: str
    citation: str
    kind: ReferenceKind
    year: int | None
    url: str | None
    doi: str | None
    pmid: str | None

    def to_dict(self) -> dict[str, Any]:
        return as_dict(self)  # type: ignore[no-any-return]


class ChoirSides(NamedTuple):
    """The CHOIR code of a lateral region on each side."""

    left: int
    right: int


class Region(NamedTuple):
    id: str
    label: Text
    definition: Text
    midline: bool
    # lateral regions roll up to one CHOIR code per side; midline ones to a tuple of codes
    choir: ChoirSides | tuple[int, ...]
    group: RegionGroup
    within: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return as_dict(self)  # type: ignore[no-any-return]


class VocabItem(NamedTuple):
    """An id of a simple vocabulary (qualities, aggravating, findings, history)."""

    id: str
    label: Text
    definition: Text
    question: Text | None
    who: Asker | None
    refs: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return as_dict(self)  # type: ignore[no-any-return]


class ZoneRef(NamedTuple):
    """A region a trigger point refers pain to (``side`` relative to the muscle)."""

    region: str
    side: ZoneSide


class TriggerPoint(NamedTuple):
    id: str
    name: Text
    location: Text
    landmark: Text
    essential: tuple[ZoneRef, ...]
    spillover: tuple[ZoneRef, ...]
    site: str | None
    refs: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return as_dict(self)  # type: ignore[no-any-return]


class Ontology(NamedTuple):
    uberon: str | None
    fma: str | None


class Innervation(NamedTuple):
    nerve: Text
    roots: tuple[str, ...]
    refs: tuple[str, ...]


class Anatomy(NamedTuple):
    origin: Text
    insertion: Text
    actions: tuple[Text, ...]
    innervation: Innervation
    refs: tuple[str, ...]


class Muscle(NamedTuple):
    id: str
    names: Names
    ontology: Ontology
    summary: Text
    anatomy: Anatomy
    midline: bool
    trigger_points: tuple[TriggerPoint, ...]
    symptoms: tuple[Fact, ...]
    aggravating: tuple[str, ...]
    qualities: tuple[str, ...]
    findings: tuple[str, ...]
    evidence_refs: tuple[str, ...]
    aggravating_text: tuple[Fact, ...]
    activating_factors: tuple[Fact, ...]
    perpetuating_factors: tuple[Fact, ...]
    mimics: tuple[str, ...]
    mimics_refs: tuple[str, ...]
    confirm: Fact
    self_care: tuple[str, ...]
    references: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return as_dict(self)  # type: ignore[no-any-return]


class Exercise(NamedTuple):
    id: str
    kind: ExerciseKind
    title: Text
    steps: tuple[Text, ...]
    dose: Text
    cautions: tuple[Fact, ...]
    # intake ids (history or red flags) that rule the exercise out
    contraindications: tuple[str, ...]
    contraindications_text: tuple[Fact, ...]
    equipment: tuple[Equipment, ...]
    muscles: tuple[str, ...]
    evidence: Fact
    refs: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return as_dict(self)  # type: ignore[no-any-return]


class RedFlag(NamedTuple):
    id: str
    question: Text
    label: Text
    definition: Text
    level: Level
    reason: Text
    conditions: tuple[str, ...]
    refs: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return as_dict(self)  # type: ignore[no-any-return]


class Rule(NamedTuple):
    """A triage combination rule (see :class:`triggermap.knowledge.schema.TriageRule`)."""

    id: str
    all_of: tuple[str, ...]
    any_of: tuple[str, ...]
    regions: tuple[str, ...]
    min_age: int | None
    level: Level
    reason: Text
    conditions: tuple[str, ...]
    refs: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return as_dict(self)  # type: ignore[no-any-return]


class Feature(NamedTuple):
    """One piece of evidence for a condition with its likelihood ratios."""

    kind: EvidenceKind
    ids: tuple[str, ...]
    value: int | None
    lr: float
    lr_absent: float | None
    anchor: bool
    sensitivity: float | None
    specificity: float | None
    why: Text
    refs: tuple[str, ...]


class Condition(NamedTuple):
    id: str
    name: Text
    summary: Text
    category: ConditionCategory
    prior: float
    level_when_likely: Level
    distinguishing: tuple[Fact, ...]
    features: tuple[Feature, ...]
    confirm: Fact
    refs: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return as_dict(self)  # type: ignore[no-any-return]


#: Every entity type (the compiler's pickler reduces each to a plain tuple).
ENTITY_TYPES: tuple[type[tuple[Any, ...]], ...] = (
    Text, Fact, Names, Reference, ChoirSides, Region, VocabItem, ZoneRef, TriggerPoint, Ontology,
    Innervation, Anatomy, Muscle, Exercise, RedFlag, Rule, Feature, Condition,
)


class UnknownId(KeyError):
    """An id the knowledge base does not have; the message names the closest known id."""

    def __init__(self, what: str, value: str, known: Iterable[str]):
        self.what = what
        self.value = value
        self.message = f"unknown {what} {value!r}" + did_you_mean(value, known)
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


class Knowledge:
    """The compiled knowledge base: typed entities keyed by id, in file order.

    Look one up with its accessor (``kb.muscle(id)``, ``kb.region(id)``... raising
    :class:`UnknownId`), iterate with the read-only mappings (``kb.muscles.values()``).
    """

    __slots__ = (
        "version",
        "regions",
        "vocab",
        "red_flags",
        "rules",
        "conditions",
        "muscles",
        "exercises",
        "references",
        "trigger_points",
        "choir_to_regions",
        "choir_of",
        "finer",
        "geometry",
    )

    version: str
    regions: Mapping[str, Region]
    vocab: Mapping[str, Mapping[str, VocabItem]]
    red_flags: Mapping[str, RedFlag]
    rules: tuple[Rule, ...]
    conditions: Mapping[str, Condition]
    muscles: Mapping[str, Muscle]
    exercises: Mapping[str, Exercise]
    references: Mapping[str, Reference]
    #: trigger point id -> (its muscle's id, the trigger point)
    trigger_points: Mapping[str, tuple[str, TriggerPoint]]
    #: CHOIR code -> the (region, side) pairs it stands for (side None on a midline region)
    choir_to_regions: Mapping[int, list[tuple[str, str | None]]]
    #: (region, side) -> the CHOIR code(s) it rolls up to; side None on a lateral region means both
    choir_of: Mapping[tuple[str, str | None], tuple[int, ...]]
    #: coarse region -> the finer regions inside it (from each region's ``within``), in file order
    finer: Mapping[str, tuple[str, ...]]
    #: the body-chart geometry, compiled and pickled (:func:`triggermap.knowledge.geometry.compile_bundle`):
    #: kept as bytes so that a warm load does not build it; the charts unpickle it on first use
    geometry: bytes | None

    def __init__(
        self,
        version: str,
        *,
        regions: Iterable[Region],
        vocab: Mapping[str, Iterable[VocabItem]],
        red_flags: Iterable[RedFlag],
        rules: Iterable[Rule],
        conditions: Iterable[Condition],
        muscles: Iterable[Muscle],
        exercises: Iterable[Exercise],
        references: Iterable[Reference],
        geometry: bytes | None = None,
    ):
        self.version = version
        self.geometry = geometry
        self.regions = {r.id: r for r in regions}
        self.vocab = {cat: {item.id: item for item in items} for cat, items in vocab.items()}
        self.red_flags = {f.id: f for f in red_flags}
        self.rules = tuple(rules)
        self.conditions = {c.id: c for c in conditions}
        self.muscles = {m.id: m for m in muscles}
        self.exercises = {e.id: e for e in exercises}
        self.references = {r.id: r for r in references}
        self.trigger_points = {tp.id: (m.id, tp) for m in self.muscles.values() for tp in m.trigger_points}
        choir: dict[int, list[tuple[str, str | None]]] = {}
        choir_of: dict[tuple[str, str | None], tuple[int, ...]] = {}
        finer: dict[str, tuple[str, ...]] = {}
        for r in self.regions.values():
            c = r.choir
            if isinstance(c, ChoirSides):
                choir.setdefault(c.left, []).append((r.id, "left"))
                choir.setdefault(c.right, []).append((r.id, "right"))
                choir_of[(r.id, "left")] = (c.left,)
                choir_of[(r.id, "right")] = (c.right,)
                choir_of[(r.id, None)] = (c.left, c.right)
            else:
                for code in c:
                    choir.setdefault(code, []).append((r.id, None))
                choir_of[(r.id, None)] = tuple(c)
            for coarse in r.within:
                finer[coarse] = (*finer.get(coarse, ()), r.id)
        self.choir_to_regions = choir
        self.choir_of = choir_of
        self.finer = finer

    def __getstate__(self) -> tuple[Any, ...]:
        return tuple(getattr(self, s) for s in Knowledge.__slots__)

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        for slot, value in zip(Knowledge.__slots__, state, strict=True):
            setattr(self, slot, value)

    # -- accessors ---------------------------------------------------------------------------

    def muscle(self, muscle_id: str) -> Muscle:
        return _get(self.muscles, muscle_id, "muscle")

    def region(self, region_id: str) -> Region:
        return _get(self.regions, region_id, "region")

    def condition(self, condition_id: str) -> Condition:
        return _get(self.conditions, condition_id, "condition")

    def red_flag(self, flag_id: str) -> RedFlag:
        return _get(self.red_flags, flag_id, "red flag")

    def exercise(self, exercise_id: str) -> Exercise:
        return _get(self.exercises, exercise_id, "exercise")

    def reference(self, reference_id: str) -> Reference:
        return _get(self.references, reference_id, "reference")

    def rule(self, rule_id: str) -> Rule:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise UnknownId("rule", rule_id, [r.id for r in self.rules])

    def trigger_point(self, tp_id: str) -> TriggerPoint:
        return _get(self.trigger_points, tp_id, "trigger point")[1]

    def muscle_of(self, tp_id: str) -> Muscle:
        """The muscle a trigger point belongs to."""
        return self.muscles[_get(self.trigger_points, tp_id, "trigger point")[0]]

    def vocab_item(self, category: str, item_id: str) -> VocabItem:
        """One item of a vocabulary (``qualities``, ``aggravating``, ``findings``, ``history``)."""
        return _get(_get(self.vocab, category, "vocabulary"), item_id, f"{category} id")

    def region_choir(self, region: str, side: str | None) -> list[int]:
        """CHOIR code(s) a region (on a side) rolls up to."""
        return list(self.choir_of[(region, side)])

    def iter_vocab(self) -> Iterator[tuple[str, VocabItem]]:
        """Every vocabulary item with its category, in file order."""
        for cat, items in self.vocab.items():
            for item in items.values():
                yield cat, item


def _get(table: Mapping[str, _T], key: str, what: str) -> _T:
    try:
        return table[key]
    except KeyError:
        raise UnknownId(what, key, table) from None


def require_knowledge(kb: object, name: str = "kb") -> None:
    """A TypeError naming the argument unless ``kb`` is a :class:`Knowledge` (the library API's
    check, so that a wrong argument is not an AttributeError from deep inside)."""
    if not isinstance(kb, Knowledge):
        raise TypeError(f"{name} must be a triggermap Knowledge (triggermap.load()), got {type(kb).__name__}")
