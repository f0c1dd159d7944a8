"""The fixed vocabulary of the contract, each term defined once and imported everywhere.

Languages, triage levels and their order, sides, sexes, CHOIR Body Map code ranges, the
intensity and age/duration limits of an intake, and the contract version. Standard library
only (``triggermap assess`` imports it on its fast path). Adding a language means adding it
to :data:`Lang` plus its texts (knowledge data, messages, web translations).

A closed set of words is written once, as a ``Literal`` type for the typed models (the
published JSON Schemas, the knowledge schema, the API), with its tuple of values taken from
that type for the code that checks or loops (``LANGS = get_args(Lang)``).

The one "did you mean" helper, :func:`closest`, lives here too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal, get_args

#: Languages of every text (knowledge base, engine messages, web app), the default first.
Lang = Literal["en", "es"]
LANGS: tuple[str, ...] = get_args(Lang)
DEFAULT_LANG = "en"
#: Each language's name in itself (the language menus).
LANG_NAMES: dict[str, str] = {"en": "English", "es": "Español"}

#: Triage levels, most severe first (the order the contract and the pages list them).
Level = Literal["emergency", "urgent", "see-clinician", "self-care"]
LEVELS_SEVERE_FIRST: tuple[str, ...] = get_args(Level)
#: The same levels, least severe first (``LEVEL_RANK[level]`` grows with severity).
LEVELS: tuple[str, ...] = tuple(reversed(LEVELS_SEVERE_FIRST))
LEVEL_RANK: dict[str, int] = {level: i for i, level in enumerate(LEVELS)}
#: Levels at which a self-care plan is offered.
PLAN_LEVELS: tuple[str, ...] = ("self-care", "see-clinician")

#: Sides of a pain mark on a lateral region ("both" marks left and right).
Side = Literal["left", "right", "both"]
SIDES: tuple[str, ...] = get_args(Side)
#: Sides a result can carry (a mark on "both" becomes one left and one right mark).
BodySide = Literal["left", "right"]
BODY_SIDES: tuple[str, ...] = get_args(BodySide)
Sex = Literal["female", "male", "other"]
SEXES: tuple[str, ...] = get_args(Sex)

#: CHOIR Body Map codes: 101-136 on the front view, 201-238 on the back view.
CHOIR_FRONT = range(101, 137)
CHOIR_BACK = range(201, 239)
CHOIR_CODES: frozenset[int] = frozenset(CHOIR_FRONT) | frozenset(CHOIR_BACK)
CHOIR_RANGES_TEXT = f"{CHOIR_FRONT[0]}-{CHOIR_FRONT[-1]} (front), {CHOIR_BACK[0]}-{CHOIR_BACK[-1]} (back)"
#: Numberings of CHOIR codes an intake may use.
ChoirNumbering = Literal["standard", "female-pre-2021"]
CHOIR_NUMBERINGS: tuple[str, ...] = get_args(ChoirNumbering)

#: Pain intensity of a mark: 0 (pain-free) to 10; a mark without one (or a CHOIR code) gets 5.
INTENSITY_MIN, INTENSITY_MAX = 0, 10
DEFAULT_INTENSITY = 5
#: Age in whole years and duration of the pain in weeks (about ten years at most).
AGE_MIN, AGE_MAX = 0, 120
DURATION_MIN_WEEKS, DURATION_MAX_WEEKS = 0, 520

#: Intake lists that may also be answered "no" (contract 1.1 ``absent``), in the order the
#: contract lists them; ``next_questions`` fields are these plus ``palpation``.
ANSWER_LISTS: tuple[str, ...] = ("qualities", "aggravating", "findings", "red_flags", "history")
QuestionField = Literal["red_flags", "findings", "aggravating", "qualities", "history", "palpation"]
QUESTION_FIELDS: tuple[str, ...] = get_args(QuestionField)
#: Who can answer a next question: the person (perhaps by a self-test) or a clinician.
Asker = Literal["self", "clinician"]
ASKERS: tuple[str, ...] = get_args(Asker)
#: Fields of one palpation entry (contract 1.1); ``tender`` is required.
PALPATION_FIELDS: tuple[str, ...] = ("muscle", "side", "tender", "reproduces", "taut_band")
#: Most next questions an assessment lists (contract 1.1).
MAX_NEXT_QUESTIONS = 3

#: The zone of a muscle's referral pattern a region lies in.
Zone = Literal["essential", "spillover"]
ZONES: tuple[str, ...] = get_args(Zone)
#: Kinds of self-care exercise (a plan item's ``kind``).
ExerciseKind = Literal["stretch", "self-release", "strengthening", "habit"]
EXERCISE_KINDS: tuple[str, ...] = get_args(ExerciseKind)

#: Intake document version, and the contract version the engine answers
#: (assessments keep ``"version": 1`` and carry ``"contract"``).
INTAKE_VERSION = 1
CONTRACT_VERSION = "1.1"


#: characters a stored text may not hold: C0 controls other than tab and line breaks, DEL and C1
#: (an escape sequence in a note would be replayed on the terminal of whoever lists it); the store
#: and the web forms refuse them
CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

#: the most characters of a bad value that an error message repeats
SHOWN_CHARS = 60


def shown(value: object) -> str:
    """``repr(value)`` for an error message, cut to SHOWN_CHARS with the full length said
    (a 5,000-digit number or a page of text is not echoed back whole)."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 4 * SHOWN_CHARS:
        return f"a number of about {int(value.bit_length() * 0.30103):,} digits"  # repr() refuses past 4,300
    text = repr(value)
    if len(text) <= SHOWN_CHARS:
        return text
    if isinstance(value, (list, dict)):
        size = f"{len(value):,} items"
    else:
        size = f"{len(value) if isinstance(value, (str, bytes)) else len(text):,} characters"
    return f"{text[:SHOWN_CHARS - 3]}... ({size})"


def closest(value: object, choices: Iterable[str], cutoff: float = 0.6) -> str | None:
    """The choice closest to a mistyped ``value`` (``difflib`` similarity >= ``cutoff``), or None."""
    if not isinstance(value, str) or len(value) > 200:  # no id is this long: nothing is close
        return None
    import difflib

    found = difflib.get_close_matches(value, list(choices), n=1, cutoff=cutoff)
    return found[0] if found else None


def did_you_mean(value: object, choices: Iterable[str], cutoff: float = 0.6, fmt: str = "; did you mean {!r}?") -> str:
    """The hint to append to an error message (``fmt`` filled with the closest choice), or ``""``."""
    close = closest(value, choices, cutoff)
    return fmt.format(close) if close is not None else ""
