"""Readability of the person-facing texts: Flesch-Kincaid grade (English) and Fernández-Huerta
(Spanish), computed the way the ``textstat`` library does, without the dependency.

* Flesch-Kincaid grade level (Kincaid et al. 1975, US Navy report RBR 8-75):
  ``0.39 * words/sentences + 11.8 * syllables/words - 15.59``; the US school grade a reader needs.
  Plain-language guidance for health information aims at grade 8 or below.
* Fernández-Huerta (1959, Consigna 214), Flesch's reading ease adapted to Spanish, in the form
  textstat uses: ``206.84 - 60 * syllables/words - 1.02 * words/sentences``; 0-100, higher is
  easier, 70 or more reads as "fairly easy" (school grade 7-8).

Syllables are counted by rule: English by vowel groups (one or two vowels) after dropping a silent
final *-e*, *-es* or *-ed* (and splitting *-ia-* after most consonants), off by about one syllable in ten words, which moves the grade by well
under one; Spanish by its regular orthography (a run of vowels is one syllable, except two
strong vowels, or a weak vowel with an accent, which split it; the *u* of *que, qui, gue, gui* is
silent). Each text given is at least one sentence (a list item or heading has no full stop).

What is measured (:func:`person_texts`): the prose of a page's ``<main>`` that is for the person,
that is without the clinical detail folded under "For your clinician" (``data-clinician``), the
references, Latin names and the words inside charts; knowledge-base texts shown to the person
(muscle summaries, self-care steps, triage reasons) count. ``python -m triggermap.web.readability``
prints the scores of the results of the :data:`TYPICAL` intakes.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

#: the thresholds of issue 12 for the person-facing texts
MAX_GRADE_EN = 8.0
MIN_HUERTA_ES = 70.0

_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", re.UNICODE)
_SENTENCE_END = re.compile(r"[.!?…]+(?=\s|$)")


@dataclass(frozen=True)
class Score:
    words: int
    sentences: int
    syllables: int

    @property
    def grade(self) -> float:
        """Flesch-Kincaid grade level."""
        if not self.words:
            return 0.0
        return 0.39 * self.words / self.sentences + 11.8 * self.syllables / self.words - 15.59

    @property
    def huerta(self) -> float:
        """Fernández-Huerta reading ease."""
        if not self.words:
            return 100.0
        return 206.84 - 60 * self.syllables / self.words - 1.02 * self.words / self.sentences

    def __add__(self, other: Score) -> Score:
        return Score(self.words + other.words, self.sentences + other.sentences, self.syllables + other.syllables)


def syllables_en(word: str) -> int:
    """The classic rule: drop a silent final -e, -es or -ed, then count vowel pairs or singles."""
    w = re.sub(r"[^a-z]", "", word.lower())
    if not w:
        return 0
    if len(w) <= 3:
        return 1
    w = re.sub(r"(?<=[^laeiouycgsxzh])es$|(?<=[^tdaeiouy])ed$|(?<=[^laeiouy])e$", "", w)
    w = re.sub(r"^y", "", w)
    n = len(re.findall(r"[aeiouy]{1,2}", w))
    n += len(re.findall(r"(?<=[^cgst])ia", w))  # me-di-a, sci-at-ic (not so-cial, na-tion)
    return max(1, n)


_STRONG = set("aeoáéíóú")  # an accented i or u breaks the diphthong: it counts as strong
_VOWELS = set("aeiouáéíóúü")


def syllables_es(word: str) -> int:
    w = word.lower()
    w = re.sub(r"(?<=[qg])u(?=[eiéí])", "", w)  # que, qui, gue, gui: the u is silent
    w = re.sub(r"y$", "i", w)  # muy, hay, ley
    n = 0
    prev = ""
    for c in w:
        if c in _VOWELS:
            if not prev or (c in _STRONG and prev in _STRONG):
                n += 1
            prev = c
        else:
            prev = ""
    return max(1, n)


def score(texts: Iterable[str], lang: str) -> Score:
    """The combined score of ``texts`` (each at least one sentence)."""
    count = syllables_es if lang == "es" else syllables_en
    total = Score(0, 0, 0)
    for text in texts:
        text = unicodedata.normalize("NFC", text)
        words = _WORD.findall(text)
        if not words:
            continue
        sentences = max(1, len(_SENTENCE_END.findall(text.strip() + " ")))
        total = total + Score(len(words), sentences, sum(count(w) for w in words))
    return total


def passes(s: Score, lang: str) -> bool:
    return s.huerta >= MIN_HUERTA_ES if lang == "es" else s.grade <= MAX_GRADE_EN


def describe(s: Score, lang: str) -> str:
    if lang == "es":
        return f"Fernández-Huerta {s.huerta:.1f} (at least {MIN_HUERTA_ES:.0f}; {s.words} words, {s.sentences} sentences)"
    return f"Flesch-Kincaid grade {s.grade:.1f} (at most {MAX_GRADE_EN:.0f}; {s.words} words, {s.sentences} sentences)"


# --------------------------------------------------------------------------- the page's texts

_SKIP_TAGS = {"script", "style", "svg", "title", "template"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
_BLOCK = {"p", "li", "h1", "h2", "h3", "h4", "h5", "summary", "figcaption", "dt", "dd", "td", "th", "div",
          "section", "article", "legend", "label", "caption", "header", "footer", "ul", "ol", "figure"}


class _Texts(HTMLParser):
    """The text of ``<main>`` block by block, leaving out what is not for the person: blocks
    marked ``data-clinician`` (the folded clinical detail), the references, Latin names, text
    hidden from sight, and the words inside charts."""

    def __init__(self, app_only: bool = False) -> None:
        super().__init__(convert_charrefs=True)
        self.app_only = app_only
        self.stack: list[tuple[str, bool]] = []
        self.skip = 0
        self.main = 0
        self.buf: list[str] = []
        self.out: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            return
        a = dict(attrs)
        cls = (a.get("class") or "").split()
        skip = (tag in _SKIP_TAGS or "data-clinician" in a or "hidden" in a or a.get("lang") == "la"
                or "visually-hidden" in cls or "references" in cls or (self.app_only and "data-kb" in a))
        if tag == "main":
            self.main += 1
        if tag in _BLOCK:
            self._flush()
        self.stack.append((tag, skip))
        self.skip += skip

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID or not any(t == tag for t, _ in self.stack):
            return
        if tag in _BLOCK:
            self._flush()
        while self.stack:
            t, skip = self.stack.pop()
            self.skip -= skip
            if t == tag:
                break
        if tag == "main":
            self.main -= 1

    def handle_data(self, data: str) -> None:
        if self.main and not self.skip:
            self.buf.append(data)

    def _flush(self) -> None:
        text = " ".join("".join(self.buf).split())
        if text:
            self.out.append(text)
        self.buf = []


def person_texts(html: str, min_words: int = 5, app_only: bool = False) -> list[str]:
    """The person-facing prose of a page: each text block of ``<main>`` with at least
    ``min_words`` words (headings, labels and names are not prose), clinical detail left out.
    ``app_only``: also without the knowledge base's own texts (marked ``data-kb`` in the
    templates), i.e. the words the web app writes."""
    p = _Texts(app_only)
    p.feed(html)
    p.close()
    p._flush()
    return [t for t in p.out if len(_WORD.findall(t)) >= min_words]


#: typical intakes whose results are measured (the test and ``python -m``): buttock, neck, calf
TYPICAL: dict[str, dict[str, Any]] = {
    "buttock": {"version": 1, "pain": [{"region": "buttock-lower-outer", "side": "right", "intensity": 6},
                                       {"region": "buttock-upper-outer", "side": "right", "intensity": 5},
                                       {"region": "gluteal-fold", "side": "right", "intensity": 4}],
                "aggravating": ["sitting"]},
    "neck": {"version": 1, "pain": [{"region": "neck-posterior", "side": "left", "intensity": 5},
                                    {"region": "temple", "side": "left", "intensity": 4}]},
    "calf": {"version": 1, "pain": [{"region": "calf", "side": "left", "intensity": 5}], "aggravating": ["walking"]},
}


def main() -> int:  # pragma: no cover - a report for people
    import warnings

    from ..knowledge import load
    from .app import create_app
    from .forms import encode_intake

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    client = TestClient(create_app(kb=load()))
    bad = 0
    for name, doc in TYPICAL.items():
        for lang in ("en", "es"):
            html = client.get(f"/results?i={encode_intake(doc)}&lang={lang}").text
            s = score(person_texts(html), lang)
            app = score(person_texts(html, app_only=True), lang)
            bad += not passes(s, lang)
            print(f"{name:8} {lang}  {describe(s, lang)};  the app's own words: {describe(app, lang)}")
    return 1 if bad else 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
