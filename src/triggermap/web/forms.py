"""The HTML intake form <-> the contract intake document.

The form works without JavaScript: the list of regions is the source of truth (one checkbox
per region and side, each with an intensity select); the script only drives those inputs
from the body map. Field names:

``rf``                  red-flag ids (hidden inputs; the screeners' ticks are ``rf.<group>``, see
                        :mod:`.screeners`, with ``sg.<group>``, ``asked`` and ``mostly``)
``pain``                ``region:side`` for lateral regions, ``region`` for midline ones
``int:<pain value>``    intensity 1-10 of that mark (default 5)
``q`` / ``agg`` / ``hist`` / ``find``   qualities, aggravating, history, clinician findings
``age``, ``sex``, ``weeks``
``intake``              the whole intake as JSON (results page -> edit / PDF handout)
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..vocabulary import (
    AGE_MAX,
    AGE_MIN,
    BODY_SIDES,
    DEFAULT_INTENSITY,
    DURATION_MAX_WEEKS,
    DURATION_MIN_WEEKS,
    INTAKE_VERSION,
    INTENSITY_MAX,
    INTENSITY_MIN,
)

if TYPE_CHECKING:
    from ..knowledge import Knowledge

LIST_FIELDS = {"q": "qualities", "agg": "aggravating", "hist": "history", "find": "findings"}
#: Intensities the body map cycles through on each tap: mild, moderate, severe, then clear.
MAP_STEPS = (3, 5, 8)


class FormData:
    """A read-only multi-dict view of submitted form fields (strings only)."""

    def __init__(self, items: Iterable[tuple[str, Any]]):
        self._d: dict[str, list[str]] = {}
        for k, v in items:
            if isinstance(v, str):
                self._d.setdefault(k, []).append(v)

    def get(self, key: str, default: str = "") -> str:
        vals = self._d.get(key)
        return vals[0] if vals else default

    def getlist(self, key: str) -> list[str]:
        return list(self._d.get(key, []))

    def __contains__(self, key: object) -> bool:
        return key in self._d

    def names(self) -> list[str]:
        return list(self._d)

    def items(self) -> list[tuple[str, str]]:
        """Every (name, value) pair, in order of names (to carry a form on as hidden fields)."""
        return [(k, v) for k, vals in self._d.items() for v in vals]


@dataclass
class FormError:
    field: str  # the HTML field (or intake path) the message is about
    message: str  # already translated


@dataclass
class FormState:
    """What the intake form shows: marks and ticked boxes (to prefill after an error or an edit)."""

    marks: dict[str, int] = field(default_factory=dict)  # pain key -> intensity
    red_flags: list[str] = field(default_factory=list)
    qualities: set[str] = field(default_factory=set)
    aggravating: set[str] = field(default_factory=set)
    history: set[str] = field(default_factory=set)
    findings: set[str] = field(default_factory=set)
    age: str = ""
    sex: str = ""
    weeks: str = ""
    asked: list[str] = field(default_factory=list)  # screener areas already asked (besides the general one)
    mostly: str = ""  # the answer to "where does it hurt most?"

    def checked(self, category: str, item: str) -> bool:
        return item in getattr(self, category)


def pain_key(region: str, side: str | None) -> str:
    return f"{region}:{side}" if side else region


def _number(raw: str, lo: float, hi: float, whole: bool) -> float | int | None:
    raw = raw.strip().replace(",", ".")
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise ValueError from None
    if value != value or not lo <= value <= hi:  # NaN or out of range
        raise ValueError
    if whole:
        if not value.is_integer():
            raise ValueError
        return int(value)
    return int(value) if value.is_integer() else value


def intake_from_form(
    form: FormData, kb: Knowledge, _: Callable[[str], str]
) -> tuple[dict[str, Any], FormState, list[FormError]]:
    """Build the contract intake from the submitted form; errors are translated sentences."""
    errors: list[FormError] = []
    state = FormState()
    pain: list[dict[str, Any]] = []
    seen: set[str] = set()
    for key in form.getlist("pain"):
        if key in seen:
            continue
        seen.add(key)
        region, _sep, side = key.partition(":")
        raw = form.get(f"int:{key}", str(DEFAULT_INTENSITY))
        try:
            intensity = _number(raw, INTENSITY_MIN, INTENSITY_MAX, whole=True)
        except ValueError:
            intensity = None
            errors.append(FormError(f"int:{key}", _("Pain intensity must be a whole number from 0 to 10.")))
        if intensity is None:
            intensity = DEFAULT_INTENSITY
        mark: dict[str, Any] = {"region": region, "intensity": intensity}
        if side:
            mark["side"] = side
        pain.append(mark)
        state.marks[key] = int(intensity)

    doc: dict[str, Any] = {"version": INTAKE_VERSION, "pain": pain}
    from .screeners import AREA_FLAGS, GENERAL, MOSTLY, asked_areas, collect_flags

    rf = collect_flags(form)
    doc["red_flags"] = rf
    state.red_flags = rf
    state.asked = asked_areas(form)
    state.mostly = form.get("mostly") if form.get("mostly") in MOSTLY else ""
    # the safety step's warning signs that were shown and not ticked were answered "no"
    # (contract 1.1 absent): the general ones once step 1 was answered, and those of each area shown
    shown: set[str] = {f for ids in GENERAL.values() for f in ids} if state.mostly else set()
    for area in state.asked:
        shown |= set(AREA_FLAGS.get(area, ()))
    denied = sorted(shown - set(rf))
    if denied:
        doc["absent"] = {"red_flags": denied}
    for fname, key in LIST_FIELDS.items():
        vals = list(dict.fromkeys(form.getlist(fname)))
        doc[key] = vals
        setattr(state, key, set(vals))

    state.age = form.get("age").strip()
    state.sex = form.get("sex").strip()
    state.weeks = form.get("weeks").strip()
    try:
        age = _number(state.age, AGE_MIN, AGE_MAX, whole=True)
        if age is not None:
            doc["age"] = age
    except ValueError:
        errors.append(FormError("age", _("Age must be a whole number of years from 0 to 120.")))
    if state.sex:
        doc["sex"] = state.sex
    try:
        weeks = _number(state.weeks, DURATION_MIN_WEEKS, DURATION_MAX_WEEKS, whole=False)
        if weeks is not None:
            doc["duration_weeks"] = weeks
    except ValueError:
        errors.append(FormError("weeks", _("How long it has hurt must be a number of weeks from 0 to 520.")))

    if not pain and not rf and not errors:
        errors.append(
            FormError("pain", _("Mark at least one painful area on the body map or in the list of areas."))
        )
    return doc, state, errors


def state_from_intake(doc: dict[str, Any]) -> FormState:
    """Prefill the form from an intake document (edit the answers from the results page)."""
    state = FormState()
    for mark in doc.get("pain") or []:
        if not isinstance(mark, dict):
            continue
        region, side = mark.get("region"), mark.get("side")
        if not isinstance(region, str):
            continue
        intensity = mark.get("intensity", DEFAULT_INTENSITY)
        if not isinstance(intensity, int):
            intensity = DEFAULT_INTENSITY
        sides = list(BODY_SIDES) if side == "both" else [side if isinstance(side, str) else None]
        for s in sides:
            state.marks[pain_key(region, s)] = intensity
    state.red_flags = [x for x in doc.get("red_flags") or [] if isinstance(x, str)]
    for key in LIST_FIELDS.values():
        setattr(state, key, {x for x in doc.get(key) or [] if isinstance(x, str)})
    for name, key in (("age", "age"), ("sex", "sex"), ("weeks", "duration_weeks")):
        v = doc.get(key)
        if v is not None and not isinstance(v, bool | dict | list):
            setattr(state, name, str(v))
    return state


def intake_json(doc: dict[str, Any]) -> str:
    """Compact JSON of an intake, for a hidden form field."""
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def intake_from_json(raw: str | None) -> dict[str, Any] | None:
    """The intake of a hidden form field written by :func:`intake_json`, or None when it is
    missing or not a JSON object."""
    try:
        doc = json.loads(raw or "null")
    except (ValueError, RecursionError):
        return None
    return doc if isinstance(doc, dict) else None


def check_intake(doc: dict[str, Any], kb: Knowledge, field: str, allow_empty: bool = False) -> None:
    """Refuse (422 naming ``field`` and the path inside it) an intake carried by a page that the
    engine's parser refuses, before any page reads it: a hidden field can be edited like any
    other. ``allow_empty``: a drawing with no marks yet is fine (the clinician's examination of a
    person who has drawn nothing)."""
    from ..engine import IntakeError, parse_intake
    from .formbody import refuse

    probe = doc
    if allow_empty and all(doc.get(k) in (None, []) for k in ("pain", "choir", "red_flags")):
        # a midline mark stands in for the missing drawing (nothing else of the intake refers to it)
        midline = next(rid for rid, r in kb.regions.items() if r.midline)
        probe = {**doc, "pain": [{"region": midline}]}
    try:
        parse_intake(probe, kb)
    except IntakeError as exc:
        refuse(f"{field}.{exc.field}" if exc.field != "(document)" else field, exc.message)


#: the longest ``?i=`` token accepted (a typical intake is a few hundred characters)
MAX_TOKEN = 12_000


def encode_intake(doc: dict[str, Any]) -> str:
    """An intake as a URL-safe token (compressed JSON), so a result has its own URL (post/redirect/
    get) without the server keeping any health data."""
    import base64
    import zlib

    return base64.urlsafe_b64encode(zlib.compress(intake_json(doc).encode("utf-8"), 9)).rstrip(b"=").decode("ascii")


def decode_intake(token: str) -> dict[str, Any] | None:
    """The intake of a token from :func:`encode_intake`, or None when it is not one."""
    import base64
    import binascii
    import zlib

    if not token or len(token) > MAX_TOKEN:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        d = zlib.decompressobj()
        text = d.decompress(raw, 200_000)
        if d.unconsumed_tail:
            return None
        doc = json.loads(text.decode("utf-8"))
    except (binascii.Error, zlib.error, ValueError, UnicodeDecodeError, RecursionError):
        return None
    return doc if isinstance(doc, dict) else None
