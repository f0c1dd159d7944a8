"""The intake document: strict validation into a normalised, order-free :class:`Intake`.

Hand-written rather than pydantic so that ``triggermap assess`` starts fast and so every
error names the field, the bad value, what is allowed and, for a typo, the closest id.
The JSON Schema that documents the same rules lives in :mod:`triggermap.schemas`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from ..vocabulary import (
    AGE_MAX,
    AGE_MIN,
    ANSWER_LISTS,
    CHOIR_CODES,
    CHOIR_RANGES_TEXT,
    DEFAULT_INTENSITY,
    DURATION_MAX_WEEKS,
    DURATION_MIN_WEEKS,
    INTAKE_VERSION,
    INTENSITY_MAX,
    INTENSITY_MIN,
    PALPATION_FIELDS,
    SEXES,
    SIDES,
    did_you_mean,
    shown,
)
from ..vocabulary import CHOIR_NUMBERINGS as NUMBERINGS

if TYPE_CHECKING:
    from ..knowledge import Knowledge

LISTS = {
    "qualities": "qualities",
    "aggravating": "aggravating",
    "findings": "findings",
    "history": "history",
}
FIELDS = (
    "version",
    "age",
    "sex",
    "duration_weeks",
    "pain",
    "choir",
    "choir_numbering",
    "qualities",
    "aggravating",
    "findings",
    "red_flags",
    "history",
    "absent",
    "palpation",
)
PAIN_FIELDS = ("region", "side", "intensity")
#: The female CHOIR map numbered six front segments differently before August 2021
#: (shared/data/choir/choir_codes.csv): old female code -> standard code.
FEMALE_PRE_2021 = {114: 112, 115: 113, 116: 114, 117: 115, 112: 116, 113: 117}


class IntakeError(ValueError):
    """Invalid intake. ``field`` is a path such as ``pain[2].side``."""

    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")

    def to_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


class PainMark(NamedTuple):
    region: str
    side: str | None  # "left" | "right" | None for midline regions
    intensity: int


class Palpation(NamedTuple):
    """A clinician's palpation of one muscle on one side (``None`` for a midline muscle)."""

    muscle: str
    side: str | None
    tender: bool
    reproduces: bool | None
    taut_band: bool | None


class Intake:
    """A validated intake. Lists are frozensets and pain is sorted: order never matters."""

    __slots__ = (
        "pain",
        "age",
        "sex",
        "duration_weeks",
        "qualities",
        "aggravating",
        "findings",
        "red_flags",
        "history",
        "absent",  # list name -> ids asked and answered "no" (contract 1.1)
        "palpation",  # tuple of Palpation, sorted (contract 1.1)
        "choir",  # CHOIR codes of the drawing (input codes and painful regions), for export
    )

    def __init__(
        self,
        pain: tuple[PainMark, ...],
        age: int | None = None,
        sex: str | None = None,
        duration_weeks: float | None = None,
        qualities: frozenset[str] = frozenset(),
        aggravating: frozenset[str] = frozenset(),
        findings: frozenset[str] = frozenset(),
        red_flags: frozenset[str] = frozenset(),
        history: frozenset[str] = frozenset(),
        choir: tuple[int, ...] = (),
        absent: Mapping[str, frozenset[str]] | None = None,
        palpation: tuple[Palpation, ...] = (),
    ):
        self.pain = pain
        self.age = age
        self.sex = sex
        self.duration_weeks = duration_weeks
        self.qualities = qualities
        self.aggravating = aggravating
        self.findings = findings
        self.red_flags = red_flags
        self.history = history
        self.choir = choir
        self.absent: dict[str, frozenset[str]] = {k: frozenset(absent.get(k, ())) for k in ANSWER_LISTS} if absent else {
            k: frozenset() for k in ANSWER_LISTS
        }
        self.palpation = palpation

    @property
    def painful(self) -> tuple[PainMark, ...]:
        """Marks that hurt (intensity 1-10); intensity 0 marks a region as pain-free."""
        return tuple(m for m in self.pain if m.intensity > 0)

    def given(self, field: str) -> frozenset[str]:
        """The ids given (answered "yes") in one of :data:`~triggermap.vocabulary.ANSWER_LISTS`."""
        value: frozenset[str] = getattr(self, field)
        return value

    def answered(self, field: str) -> frozenset[str]:
        """The ids of ``field`` answered either way (given or absent)."""
        return self.given(field) | self.absent[field]

    def answers(self) -> frozenset[str]:
        """Every yes/no answer id (red flags, history, findings) for the triage rules."""
        return self.red_flags | self.history | self.findings


def _fmt_allowed(allowed: Iterable[str], limit: int = 80) -> str:
    items = list(allowed)
    text = ", ".join(items)
    return text if len(items) <= limit else ", ".join(items[:limit]) + ", ..."


def _unknown(field: str, what: str, value: Any, allowed: Iterable[str]) -> IntakeError:
    allowed = list(allowed)
    msg = f"unknown {what} {shown(value)}" + did_you_mean(value, allowed)
    return IntakeError(field, f"{msg} Allowed: {_fmt_allowed(allowed)}")


def _int(field: str, value: Any, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            raise IntakeError(field, f"must be a whole number from {lo} to {hi}, got {shown(value)}")
    if not lo <= value <= hi:
        raise IntakeError(field, f"must be from {lo} to {hi}, got {shown(value)}")
    return int(value)


_MISSING: Any = object()


def _id_list(field: str, value: Any, known: Mapping[str, Any], what: str) -> frozenset[str]:
    if value is _MISSING:
        return frozenset()
    if not isinstance(value, list):  # null too: the schema says array (omit the field instead)
        raise IntakeError(field, f"must be a list of {what} ids, got {type(value).__name__}")
    out = set()
    for i, v in enumerate(value):
        if not isinstance(v, str):
            raise IntakeError(f"{field}[{i}]", f"must be a {what} id (a string), got {shown(v)}")
        if v not in known:
            raise _unknown(f"{field}[{i}]", f"{what} id", v, known)
        out.add(v)
    return frozenset(out)


def _objects(field: str, value: Any, fields: tuple[str, ...], needs: str) -> Iterator[tuple[int, str, dict[str, Any]]]:
    """The entries of a list-of-objects field, each checked to be an object of known keys:
    (index, its field path, the object)."""
    if not isinstance(value, list):
        raise IntakeError(field, f"must be a list of {{{', '.join(fields)}}} objects, got {type(value).__name__}")
    for i, item in enumerate(value):
        f = f"{field}[{i}]"
        if not isinstance(item, dict):
            raise IntakeError(f, f"must be an object with {needs}; got {shown(item)}")
        for key in item:
            if not isinstance(key, str) or key not in fields:
                raise _unknown(f"{f}.{key}", "field", key, fields)
        yield i, f, item


def parse_intake(data: Any, kb: Knowledge) -> Intake:
    """Validate an intake document (already parsed from JSON/YAML) against the vocabulary."""
    if not hasattr(kb, "regions") or not hasattr(kb, "choir_of"):
        raise TypeError(f"kb must be a triggermap Knowledge (triggermap.load()), got {type(kb).__name__}")
    if not isinstance(data, dict):
        raise IntakeError("(document)", f"must be a JSON/YAML object, got {type(data).__name__}")
    for key in data:
        if not isinstance(key, str) or key not in FIELDS:
            raise _unknown(key if isinstance(key, str) and key else "(document)", "field", key, FIELDS)
    version = data.get("version", 1)
    if version != INTAKE_VERSION or isinstance(version, bool):
        raise IntakeError("version", f"must be {INTAKE_VERSION}, got {shown(version)}")

    age = data.get("age")
    if age is not None:
        age = _int("age", age, AGE_MIN, AGE_MAX)
    sex = data.get("sex")
    if sex is not None and (not isinstance(sex, str) or sex not in SEXES):
        raise _unknown("sex", "value", sex, SEXES)
    duration = data.get("duration_weeks")
    if duration is not None:
        if isinstance(duration, bool) or not isinstance(duration, int | float) or duration != duration:
            raise IntakeError(
                "duration_weeks", f"must be a number from {DURATION_MIN_WEEKS} to {DURATION_MAX_WEEKS}, got {shown(duration)}"
            )
        if not DURATION_MIN_WEEKS <= duration <= DURATION_MAX_WEEKS:
            raise IntakeError("duration_weeks", f"must be from {DURATION_MIN_WEEKS} to {DURATION_MAX_WEEKS}, got {shown(duration)}")

    regions = kb.regions
    marks: dict[tuple[str, str | None], int] = {}

    def put(region: str, side: str | None, intensity: int) -> None:
        key = (region, side)
        if marks.get(key, -1) < intensity:
            marks[key] = intensity

    pain = data.get("pain")
    if pain is None:
        pain = []
    for _i, f, item in _objects("pain", pain, PAIN_FIELDS, "region, side, intensity"):
        region = item.get("region")
        if region is None:
            raise IntakeError(f"{f}.region", "is required")
        if not isinstance(region, str):
            raise IntakeError(f"{f}.region", f"must be a region id (a string), got {shown(region)}")
        if region not in regions:
            raise _unknown(f"{f}.region", "region", region, regions)
        intensity = item.get("intensity", DEFAULT_INTENSITY)
        if type(intensity) is not int or not INTENSITY_MIN <= intensity <= INTENSITY_MAX:  # common case: no call
            intensity = _int(f"{f}.intensity", intensity, INTENSITY_MIN, INTENSITY_MAX)
        side = item.get("side")
        if regions[region].midline:
            if side is not None:
                raise IntakeError(
                    f"{f}.side",
                    f"{shown(region)} is a midline region: omit side (got {shown(side)}); side is only for lateral regions",
                )
            put(region, None, intensity)
        else:
            if side is None:
                raise IntakeError(f"{f}.side", f"{shown(region)} is a lateral region: side is required. Allowed: left, right, both")
            if not isinstance(side, str) or side not in SIDES:
                raise _unknown(f"{f}.side", "side", side, SIDES)
            if side == "both":
                put(region, "left", intensity)
                put(region, "right", intensity)
            else:
                put(region, side, intensity)

    choir_in = data.get("choir")
    numbering = data.get("choir_numbering", "standard")
    if not isinstance(numbering, str) or numbering not in NUMBERINGS:
        raise _unknown("choir_numbering", "numbering", numbering, NUMBERINGS)
    codes: list[int] = []
    if choir_in is not None:
        if not isinstance(choir_in, list):
            raise IntakeError("choir", f"must be a list of CHOIR Body Map codes, got {type(choir_in).__name__}")
        for i, code in enumerate(choir_in):
            if isinstance(code, str):  # registries write codes as text ("223"); no code is longer
                text = code.strip()
                if len(text) <= 3 and text.isascii() and text.isdigit():
                    code = int(text)
            elif isinstance(code, float) and code.is_integer() and abs(code) < 1000:  # 223.0: an integer
                code = int(code)  # to the JSON Schema, as in _int; a huge one is shown as written
            if isinstance(code, bool) or not isinstance(code, int) or code not in CHOIR_CODES:
                raise IntakeError(
                    f"choir[{i}]", f"{shown(code)} is not a CHOIR Body Map code. Allowed: {CHOIR_RANGES_TEXT}"
                )
            if numbering == "female-pre-2021":
                code = FEMALE_PRE_2021.get(code, code)
            codes.append(code)
    explicit = set(marks)
    # the drawing's CHOIR codes: the codes given, plus those of the regions marked painful
    drawing_codes = set(codes)
    choir_of = kb.choir_of
    for key, intensity in marks.items():
        if intensity > 0:
            drawing_codes.update(choir_of[key])
    for code in codes:
        for region, side in kb.choir_to_regions[code]:
            if (region, side) not in explicit:
                put(region, side, DEFAULT_INTENSITY)

    red_flags = _id_list("red_flags", data.get("red_flags", _MISSING), kb.red_flags, "red-flag")
    if not marks and not red_flags:
        raise IntakeError("pain", "at least one of pain, choir or red_flags must be non-empty")

    vocab = kb.vocab
    lists = {
        key: _id_list(key, data.get(key, _MISSING), vocab[cat], _WHAT[key])
        for key, cat in LISTS.items()
    }
    given = {**lists, "red_flags": red_flags}
    absent = _absent(data.get("absent", _MISSING), given, kb)
    palpation = _palpation(data.get("palpation", _MISSING), kb)
    pain_marks = tuple(sorted(PainMark(r, s, i) for (r, s), i in marks.items()))
    return Intake(
        pain=pain_marks,
        age=age,
        sex=sex,
        duration_weeks=duration,
        qualities=lists["qualities"],
        aggravating=lists["aggravating"],
        findings=lists["findings"],
        red_flags=red_flags,
        history=lists["history"],
        choir=tuple(sorted(drawing_codes)),
        absent=absent,
        palpation=palpation,
    )


#: What one id of each answer list is called in a message ("unknown quality id 'x'").
_WHAT = {"qualities": "quality", "aggravating": "aggravating", "findings": "finding", "history": "history",
         "red_flags": "red-flag"}


def _known(field: str, kb: Knowledge) -> tuple[Mapping[str, Any], str]:
    """The ids one answer list accepts, and what one of them is called in a message."""
    if field == "red_flags":
        return kb.red_flags, _WHAT[field]
    return kb.vocab[LISTS[field]], _WHAT[field]


def _absent(value: Any, given: Mapping[str, frozenset[str]], kb: Knowledge) -> dict[str, frozenset[str]] | None:
    """``absent``: per answer list, the ids asked and answered "no" (none may also be given)."""
    if value is _MISSING:
        return None
    if not isinstance(value, dict):
        raise IntakeError("absent", f"must be an object of id lists by category ({', '.join(ANSWER_LISTS)}), "
                          f"got {type(value).__name__}")
    out: dict[str, frozenset[str]] = {}
    for key, ids in value.items():
        if not isinstance(key, str) or key not in ANSWER_LISTS:
            raise _unknown(f"absent.{key}" if isinstance(key, str) and key else "absent", "category", key, ANSWER_LISTS)
        known, what = _known(key, kb)
        got = _id_list(f"absent.{key}", ids, known, what)
        both = sorted(got & given[key])
        if both:
            i = ids.index(both[0])
            raise IntakeError(
                f"absent.{key}[{i}]",
                f"{shown(both[0])} is both in {key} and in absent.{key}: an answer is either yes or no; remove it from one",
            )
        out[key] = got
    return out


def _bool(field: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise IntakeError(field, f"must be true or false, got {shown(value)}")
    return value


def _palpation(value: Any, kb: Knowledge) -> tuple[Palpation, ...]:
    """``palpation``: what a clinician found on examining muscles (contract 1.1)."""
    if value is _MISSING:
        return ()
    seen: dict[tuple[str, str | None], int] = {}
    out: list[Palpation] = []
    for i, f, item in _objects("palpation", value, PALPATION_FIELDS, "muscle, side, tender"):
        muscle = item.get("muscle")
        if muscle is None:
            raise IntakeError(f"{f}.muscle", "is required")
        if not isinstance(muscle, str) or muscle not in kb.muscles:
            raise _unknown(f"{f}.muscle", "muscle", muscle, kb.muscles)
        if "tender" not in item:
            raise IntakeError(f"{f}.tender", "is required (true or false: was the muscle tender to pressure?)")
        tender = _bool(f"{f}.tender", item["tender"])
        reproduces = None if item.get("reproduces") is None else _bool(f"{f}.reproduces", item["reproduces"])
        taut = None if item.get("taut_band") is None else _bool(f"{f}.taut_band", item["taut_band"])
        side = item.get("side")
        if kb.muscles[muscle].midline:
            if side is not None:
                raise IntakeError(f"{f}.side", f"{shown(muscle)} is a midline muscle: omit side (got {shown(side)})")
            sides: tuple[str | None, ...] = (None,)
        else:
            if side is None:
                raise IntakeError(f"{f}.side", f"{shown(muscle)} is a paired muscle: side is required. Allowed: left, right, both")
            if not isinstance(side, str) or side not in SIDES:
                raise _unknown(f"{f}.side", "side", side, SIDES)
            sides = ("left", "right") if side == "both" else (side,)
        for s in sides:
            if (muscle, s) in seen:
                raise IntakeError(f, f"{shown(muscle)} ({s or 'midline'}) is already palpated in palpation[{seen[muscle, s]}]")
            seen[muscle, s] = i
            out.append(Palpation(muscle, s, tender, reproduces, taut))
    return tuple(sorted(out, key=lambda p: (p.muscle, p.side or "")))
