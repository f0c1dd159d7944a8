"""Words -> a draft intake, with the words behind every id and what could not be placed.

Steps (each rule is unit-tested in tests/test_parse.py):

1. Normalise and tokenise (:mod:`.lexicon`); fuse compounds; skip articles and possessives.
2. Three longest-match-first passes over the tokens: *clinical* phrases (red flags, findings, tests,
   history, ignored phrases), *body* phrases (regions, sides, qualities, activities, cue words) and
   *scope* triggers (NegEx/ConText: negation before and after, pseudo-negation, hypothetical,
   other person, terminators) on the tokens no clinical phrase covers. Spelling: a word the lexicon
   does not know is corrected to a body, quality or red-flag word within edit distance 1 (2 from 8
   letters); a corrected red flag is a weak match.
3. Scopes: a trigger covers the concepts after it in its sentence, up to a terminator ("but",
   "pero"), a clause that starts with a new subject, side, body part or pain word, or 8 tokens past
   the last concept it covered; post-triggers ("fever: no", "Spurling negativo") cover the concept
   just before them.
4. Laterality: each body part takes the nearest side word of its clause that no other body part sits
   between (after it first in Spanish, before it first in English); body parts joined by "and"/"y"
   share a single side; plural words ("knees", "rodillas") mean both sides.
5. Combination rules for red flags (numb + groin -> saddle anaesthesia, swollen + hot + calf, chest +
   exertion, weak + leg...), set as weak matches. A weak muscle found on examination ("weak quadriceps")
   is not weakness getting worse: listed in ``unsure`` (reason ``check``), not set, unless words say it
   worsens. Clinical test names keep their side and the part they were done on ("Spurling positive on
   the right", "Phalen positive on the right wrist"): neither is drawn.
6. Intensity ("7/10", "un 8", "siete de diez", "very bad"), duration (not the length of one bout: "it
   hurts for a few minutes at a time"), age and sex.
7. Safety: a red flag that is mentioned and not denied is set (a weak or hypothetical mention is set
   *and* listed in ``unsure``); a denied one goes to ``absent`` when the intake parser accepts that
   field, otherwise it is left out and listed in ``evidence`` (field ``absent.red_flags``) and in
   ``unsure`` (reason ``denied``); an explicit denial wins over a flag only a loose combination of words
   inferred (:func:`_denial_wins`: ``unsure`` reason ``denied-implied``), not over one said in words;
   a lateral body part without a side is listed as needing a side.

The text is never logged or stored here.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from typing import TYPE_CHECKING, Any

from .lexicon import (
    CLAUSE,
    LANGS,
    PUNCT,
    SENTENCE_END,
    Entry,
    Lexicon,
    Token,
    damerau,
    deletions,
    load_lexicon,
    tokenize,
)

if TYPE_CHECKING:
    from ..knowledge import Knowledge

MAX_CHARS = 20_000
SCOPE_WINDOW = 8
FIELD_OF = {
    "quality": "qualities",
    "aggravating": "aggravating",
    "finding": "findings",
    "test": "findings",
    "history": "history",
    "red_flag": "red_flags",
    "red_flag_weak": "red_flags",
}
CONCEPTS = frozenset({"region", "quality", "aggravating", "finding", "test", "history", "red_flag", "red_flag_weak", "cue"})
CONJ = frozenset({"and", "y", "e", "or", "o", "u", "plus", "also", "as"})
DISJ = frozenset({"or", "o", "u", "nor"})
CLINICAL_KINDS = frozenset({"red_flag", "red_flag_weak", "finding", "test", "history"})
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f\ufffd]")

LEG = frozenset({
    "thigh-anterior", "thigh-medial", "thigh-lateral", "thigh-posterior", "knee-anterior", "knee-medial",
    "knee-lateral", "knee-posterior", "shin", "leg-lateral", "calf", "achilles", "ankle-lateral", "ankle-medial",
    "heel", "sole", "foot-dorsum", "big-toe", "lesser-toes", "buttock-upper-inner", "buttock-upper-outer",
    "buttock-lower-inner", "buttock-lower-outer", "gluteal-fold",
})
ARM = frozenset({
    "upper-arm-lateral", "upper-arm-medial", "upper-arm-front", "upper-arm-back", "elbow-lateral", "elbow-medial",
    "elbow-front", "elbow-back", "forearm-radial", "forearm-ulnar", "forearm-front", "forearm-back", "wrist-front",
    "wrist-back", "palm", "hand-back", "thumb", "fingers-radial", "fingers-ulnar",
})
SADDLE = frozenset({"perineum", "pubic", "groin", "coccyx", "sacrum"})
CHEST = frozenset({"sternum", "chest", "chest-upper", "breast", "chest-lateral"})
NECK = frozenset({"cervical-spine", "neck-posterior", "neck-lateral", "neck-front", "neck-back", "suboccipital"})
HEAD = frozenset({"vertex", "forehead", "temple", "occiput", "head-front", "head-back", "head-back-top"})
ABDOMEN = frozenset({"upper-abdomen", "lower-abdomen"})
JOINT = frozenset({
    "knee-anterior", "knee-medial", "knee-lateral", "knee-posterior", "ankle-lateral", "ankle-medial",
    "elbow-lateral", "elbow-medial", "elbow-front", "elbow-back", "wrist-front", "wrist-back", "shoulder-lateral",
    "shoulder-front", "shoulder-back", "big-toe", "lesser-toes", "thumb", "fingers-radial", "fingers-ulnar", "hip-lateral",
})
EXERTION = frozenset({"exertion", "walking", "walking-uphill", "climbing-stairs", "running"})
NOT_UNITS = frozenset({"am", "pm", "kg", "km", "kilos", "min", "mins", "minutes", "minutos", "veces", "times", "cm",
                       "mg", "libras", "pounds", "lbs", "%", "°", "grados", "degrees", "ml", "hrs", "x"})
#: words that locate a body part named before them ("finger of my hand"): not drawn themselves
LOCATORS = frozenset({("palm", "hand-back"), ("sole", "foot-dorsum"), ("upper-arm-lateral", "forearm-radial"),
                      ("thigh-anterior", "thigh-posterior", "shin", "calf")})
FINGERS = ("fingers-radial", "fingers-ulnar")
FOOT = frozenset({"sole", "heel", "foot-dorsum", "big-toe", "lesser-toes", "ankle-lateral", "ankle-medial", "achilles"})
#: red flags whose words name a body part that is not painful ("my face is drooping")
NON_PAIN_FLAGS = frozenset({"face-arm-speech-weakness", "sudden-vision-loss-or-double-vision",
                            "dizziness-swallowing-speech-trouble", "hand-clumsiness-or-gait-change", "foot-drop",
                            "arm-weakness-progressive", "progressive-weakness", "coughing-blood"})
SIDE_NOUNS = frozenset({"side", "lado", "costado"})
#: "knee pain, inner side", "la rodilla, cara externa", "forearm, thumb side": the finer region meant
REFINE: dict[tuple[str, ...], dict[str, tuple[str, ...]]] = {
    ("knee-anterior",): {"inner": ("knee-medial",), "outer": ("knee-lateral",), "back": ("knee-posterior",)},
    ("elbow-lateral",): {"inner": ("elbow-medial",), "outer": ("elbow-lateral",), "front": ("elbow-front",),
                         "back": ("elbow-back",)},
    ("thigh-anterior",): {"inner": ("thigh-medial",), "outer": ("thigh-lateral",), "back": ("thigh-posterior",)},
    ("ankle-lateral", "ankle-medial"): {"inner": ("ankle-medial",), "outer": ("ankle-lateral",), "back": ("achilles",)},
    ("upper-arm-lateral",): {"inner": ("upper-arm-medial",), "outer": ("upper-arm-lateral",), "front": ("upper-arm-front",),
                             "back": ("upper-arm-back",)},
    ("forearm-front", "forearm-back"): {"thumb_side": ("forearm-radial",), "pinky_side": ("forearm-ulnar",),
                                        "outer": ("forearm-radial",), "inner": ("forearm-ulnar",),
                                        "front": ("forearm-front",), "back": ("forearm-back",)},
    ("upper-arm-lateral", "forearm-radial"): {"thumb_side": ("forearm-radial",), "pinky_side": ("forearm-ulnar",)},
    ("shoulder-lateral",): {"front": ("shoulder-front",), "back": ("shoulder-back",)},
    ("wrist-front", "wrist-back"): {"palm_side": ("wrist-front",), "front": ("wrist-front",), "back": ("wrist-back",)},
}
REFINE_CUES = frozenset({"inner", "outer", "thumb_side", "pinky_side", "palm_side"})
#: words between a clinical test and its side or the part it was done on ("SLR positive at 40 degrees on the left")
TEST_FILLER = frozenset({"on", "at", "in", "over", "to", "of", "the", "test", "sign", "side", "sided", "degrees", "deg", "°",
                         "en", "a", "al", "de", "del", "lado", "hacia", "sobre", "prueba", "signo", "grados", "maniobra"})
FREQUENCY = frozenset({"a", "per", "al", "por", "each", "cada", "every", "veces", "times", "x"})
#: ... before a number: "every 2 weeks", "cada 2 semanas"; not "por" ("por 3 semanas" is "for 3 weeks", how long)
FREQUENCY_BEFORE = FREQUENCY - {"por"}
#: where a clinical test is done (the vocabulary's definitions): a test named at another part ("Tinel positive
#: at the elbow", "Tinel en el codo") is another finding than the vocabulary's, asked (``unsure`` reason
#: ``check``), never set nor denied; tests not listed are not checked
WRIST_HAND = frozenset({"wrist-front", "wrist-back", "palm", "hand-back"})
TEST_SITES: dict[str, frozenset[str]] = {
    "tinel-carpal-positive": WRIST_HAND,
    "phalen-positive": WRIST_HAND,
    "finkelstein-positive": WRIST_HAND | {"thumb", "forearm-radial"},
    "elbow-flexion-compression-positive": frozenset({"elbow-lateral", "elbow-medial", "elbow-front", "elbow-back"}),
}


class ParseError(ValueError):
    """Bad input to the parser (or nothing that can be drawn): ``field`` and ``message``."""

    def __init__(self, field: str, message: str, document: dict[str, Any] | None = None):
        self.field = field
        self.message = message
        self.document = document  # evidence and unsure found so far, for "nothing to draw"
        super().__init__(f"{field}: {message}")

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"field": self.field, "message": self.message}
        if self.document is not None:
            out["evidence"] = self.document.get("evidence", [])
            out["unsure"] = self.document.get("unsure", [])
        return out


class Mention:
    __slots__ = ("kind", "entry", "ids", "i", "j", "start", "end", "sent", "neg", "hyp", "other", "weak", "side",
                 "side_explicit", "how", "side_span", "midline", "pain_denied", "parts", "bound", "misplaced")

    def __init__(self, entry: Entry, i: int, j: int, toks: list[Token], sent: list[int], weak: bool = False):
        self.kind = entry.kind
        self.entry = entry
        self.ids = entry.ids
        self.i, self.j = i, j  # token span [i, j)
        self.start, self.end = toks[i].start, toks[j - 1].end
        self.sent = sent[i]
        self.neg = self.hyp = self.other = False
        self.weak = weak
        self.side: str | None = None
        self.side_explicit = False
        self.how = ""
        self.side_span: tuple[int, int] | None = None
        self.midline = False  # "neck pain in the middle": no side, whatever the sentence says
        self.pain_denied = False  # a body part said not to hurt ("no pain in my right knee", "no me duele el hombro")
        self.parts: list[Mention] = []  # a red flag a combination rule inferred: the mentions it combined
        self.bound = False  # ... all in one clause with no other body part between ("my chest really hurts")
        self.misplaced: Mention | None = None  # a test named at a part where it is not done: that part


def check_input(text: Any, lang: Any) -> None:
    if lang not in LANGS:
        raise ParseError("lang", f"unknown language {lang!r}. Allowed: {', '.join(LANGS)}")
    if isinstance(text, bytes | bytearray):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ParseError("text", "is not valid UTF-8 text (binary data?)") from exc
    if not isinstance(text, str):
        raise ParseError("text", f"must be a string, got {type(text).__name__}")
    if not text.strip():
        raise ParseError("text", "is empty: describe the pain in a few words")
    if len(text) > MAX_CHARS:
        raise ParseError("text", f"is {len(text)} characters long; at most {MAX_CHARS} are read")
    bad = len(_CONTROL.findall(text))
    if bad and bad * 50 > len(text) or "\x00" in text:
        raise ParseError("text", "looks like binary data, not text")


def _fuse(lex: Lexicon, toks: list[Token]) -> list[Token]:
    if not lex.compounds:
        return toks
    out: list[Token] = []
    words = [t.text for t in toks]
    i, n = 0, len(toks)
    first = lex.compound_first
    while i < n:
        if words[i] not in first:
            out.append(toks[i])
            i += 1
            continue
        for k in range(min(lex.max_compound, n - i), 1, -1):
            c = lex.compounds.get(tuple(words[i : i + k]))
            if c:
                out.append(Token(c, toks[i].start, toks[i + k - 1].end))
                i += k
                break
        else:
            out.append(toks[i])
            i += 1
    return out


def _number(lex: Lexicon, words: list[str], i: int) -> tuple[float, int] | None:
    w = words[i]
    if w[0].isdigit():
        try:
            return float(w.replace(",", ".")), 1
        except ValueError:
            return None
    for k in (3, 2, 1):
        v = lex.numbers.get(tuple(words[i : i + k]))
        if v is not None and i + k <= len(words):
            return v, k
    return None


def _ends_with(words: list[str], i: int, phrases: set[tuple[str, ...]]) -> int:
    """Length of the longest phrase in ``phrases`` that ends just before ``words[i]`` (0 = none)."""
    best = 0
    for p in phrases:
        k = len(p)
        if k <= i and tuple(words[i - k : i]) == p and k > best:
            best = k
    return best


def _starts_with(words: list[str], i: int, phrases: set[tuple[str, ...]]) -> int:
    best = 0
    for p in phrases:
        k = len(p)
        if tuple(words[i : i + k]) == p and k > best:
            best = k
    return best


class _Parse:
    def __init__(self, text: str, lex: Lexicon, kb: Knowledge):
        self.text = text
        self.lex = lex
        self.kb = kb
        toks = _fuse(lex, tokenize(text))
        self.toks = toks
        self.words = [t.text for t in toks]
        sent: list[int] = []
        s = 0
        for t in toks:
            sent.append(s)
            if t.text in SENTENCE_END:
                s += 1
        self.sent = sent
        self.mentions: list[Mention] = []
        self.triggers: list[Mention] = []
        self.covered_clinical: set[int] = set()
        self.ignored: set[int] = set()
        self.evidence: list[dict[str, Any]] = []
        self.unsure: list[dict[str, Any]] = []

    # -- matching ---------------------------------------------------------------------------------------
    def match(self) -> None:
        lex, words, toks = self.lex, self.words, self.toks
        content = [i for i, w in enumerate(words) if w not in lex.skip]
        cw = [words[i] for i in content]
        body_covered: set[int] = set()
        # clinical pass
        k = 0
        while k < len(cw):
            m = lex.clinical.match(cw, k)
            if m is None:
                k += 1
                continue
            n, entries = m
            i, j = content[k], content[k + n - 1] + 1
            for e in entries:
                if e.kind == "ignore":
                    self.ignored.update(range(i, j))
                else:
                    self.mentions.append(Mention(e, i, j, toks, self.sent))
            self.covered_clinical.update(range(i, j))
            k += n
        # sides, then the body phrases looking through them ("the back of my right knee")
        side_tok: set[int] = set()
        k = 0
        while k < len(cw):
            if content[k] in self.ignored:
                k += 1
                continue
            m = lex.sides.match(cw, k)
            if m is None:
                k += 1
                continue
            n, entries = m
            if all(e.plural for e in entries):
                # "las dos manos": a side only right before a body part
                nxt = lex.body.match(cw, k + n) if k + n < len(cw) else None
                if nxt is None or not any(e.kind == "region" for e in nxt[1]):
                    k += 1
                    continue
            i, j = content[k], content[k + n - 1] + 1
            for e in entries:
                self.mentions.append(Mention(e, i, j, toks, self.sent))
            side_tok.update(range(k, k + n))
            k += n
        content = [c for x, c in enumerate(content) if x not in side_tok]
        cw = [words[i] for i in content]
        k = 0
        while k < len(cw):
            m = lex.body.match(cw, k)
            if m is None:
                k += 1
                continue
            n, entries = m
            i, j = content[k], content[k + n - 1] + 1
            for e in entries:
                if e.kind == "ignore":
                    self.ignored.update(range(i, j))
                else:
                    self.mentions.append(Mention(e, i, j, toks, self.sent))
            body_covered.update(range(i, j))
            k += n
        # scope pass (raw tokens not covered by a clinical phrase)
        i = 0
        while i < len(words):
            if i in self.covered_clinical:
                i += 1
                continue
            m = lex.scope.match(words, i)
            if m is None:
                i += 1
                continue
            n, entries = m
            if any(x in self.covered_clinical for x in range(i, i + n)):
                i += 1
                continue
            for e in entries:
                self.triggers.append(Mention(e, i, i + n, toks, self.sent))
            i += n
        # spelling: unknown words close to a body, quality or red-flag word
        known = lex.vocab_words
        for k, i in enumerate(content):
            w = cw[k]
            if i in body_covered or i in self.covered_clinical or len(w) < 5 or w in known or not w.isalpha():
                continue
            hit = self._fuzzy(w)
            if hit:
                for e in hit:
                    mm = Mention(e, i, i + 1, toks, self.sent, weak=True)
                    mm.how = "spelling"
                    self.mentions.append(mm)
        self.mentions.sort(key=lambda m: (m.i, -m.j))
        self.triggers.sort(key=lambda m: m.i)

    def _fuzzy(self, w: str) -> list[Entry] | None:
        lex = self.lex
        cache = lex.fuzzy_cache
        if w in cache:
            return cache[w]
        limit = 1 if len(w) < 8 else 2
        cands: set[str] = set()
        for d in deletions(w, limit):
            cands |= lex.deletes.get(d, set())
        best: tuple[int, str] | None = None
        for cand in cands:
            if cand[0] != w[0]:
                continue  # the first letter is rarely the wrong one
            dist = damerau(w, cand, limit)
            if dist <= limit and (best is None or (dist, cand) < best):
                best = (dist, cand)
        found = lex.fuzzy_entries[best[1]] if best else None
        if len(cache) > 20_000:
            cache.clear()
        cache[w] = found
        return found

    # -- scopes ---------------------------------------------------------------------------------------------
    def scopes(self) -> None:
        words = self.words
        starts: dict[int, list[Mention]] = {}
        for m in self.mentions:
            starts.setdefault(m.i, []).append(m)
        trig_at: dict[int, list[Mention]] = {}
        for t in self.triggers:
            trig_at.setdefault(t.i, []).append(t)

        def kinds_at(i: int) -> set[str]:
            return {m.kind for m in starts.get(i, ())} | {t.kind for t in trig_at.get(i, ())}

        n = len(words)
        for t in self.triggers:
            if t.kind not in ("neg_pre", "hypothetical", "other_person"):
                continue
            anchor = t.j
            seen_region = False
            j = t.j
            covered: list[Mention] = []
            while j < n:
                w = words[j]
                if w in SENTENCE_END:
                    break
                ks = kinds_at(j)
                if j > t.j and ("terminate" in ks or (t.kind == "other_person" and "subject" in ks)):
                    break
                if j > t.j and t.kind != "other_person" and ks & {"neg_pre", "pseudo", "hypothetical", "other_person"}:
                    break  # a new trigger starts its own scope
                if (w in CLAUSE or w in CONJ) and t.kind == "neg_pre" and self._verb_after(j + 1):
                    break  # "no chest pain, my chest hurts when I breathe in": a new clause, not the list
                if w in CLAUSE or w in CONJ:
                    nxt = j + 1
                    while nxt < n and words[nxt] in self.lex.skip:
                        nxt += 1
                    if nxt < n:
                        nk = kinds_at(nxt)
                        # a body part after "and" starts a new clause ("no swelling and my knee hurts"), but one
                        # inside a warning sign listed after "or" is still denied ("no fever or chest pain")
                        listed = w in DISJ and bool(nk & CLINICAL_KINDS)
                        if nk & {"subject", "side"} or (not listed and ("pain" in nk or ("region" in nk and not seen_region))):
                            break
                        if (w in CLAUSE and t.kind == "neg_pre" and not nk & (CONCEPTS | {"neg_pre"})
                                and words[nxt] not in CONJ):
                            break  # after a comma a denial goes on only through a list: "no fever, chills or sweats"
                if j - anchor > SCOPE_WINDOW:
                    break
                for m in starts.get(j, ()):
                    if m.kind in CONCEPTS:
                        covered.append(m)
                        anchor = m.j
                        if m.kind == "region":
                            seen_region = True
                j += 1
            if t.kind == "neg_pre" and covered:
                end = max(m.j for m in covered)
                denies_pain = any(x.kind == "pain" and x.sent == t.sent and t.i <= x.i and x.j <= end + 2
                                  for x in self.mentions)
            for m in covered:
                if t.kind == "neg_pre":
                    m.neg = True
                    if m.kind == "region" and denies_pain:
                        m.pain_denied = True
                elif t.kind == "hypothetical":
                    m.hyp = True
                else:
                    m.other = True
        # post-negation: "fever: no", "Spurling negativo"
        ends: dict[int, list[Mention]] = {}
        for m in self.mentions:
            if m.kind in CONCEPTS:
                ends.setdefault(m.j, []).append(m)
        posts = [t for t in self.triggers if t.kind == "neg_post"]
        posts += [m for m in self.mentions if m.kind == "negative"]
        for t in posts:
            if t.j - t.i == 1 and words[t.i] == "no" and t.j < n and words[t.j] not in PUNCT and words[t.j] not in CONJ:
                continue  # "no" as a post-trigger only when it ends the clause
            j = t.i
            gap = 0
            while j > 0 and gap < 3 and j not in ends:
                if (words[j - 1] not in (":", "?", "-", "=", ")", "(") and words[j - 1] not in self.lex.skip
                        and words[j - 1] not in self.lex.side_words):
                    break  # (a side word may sit between: "la rodilla derecha no me duele")
                j -= 1
                gap += 1
            for m in ends.get(j, ()):
                m.neg = True
                if m.kind == "region" and any(x.kind == "pain" and t.i <= x.i and x.j <= t.j for x in self.mentions):
                    m.pain_denied = True  # "my right knee doesn't hurt", "la rodilla no me duele"

        # what a denied phrase contains is denied with it ("chest pain: no" -> not the chest either)
        for m in self.mentions:
            if m.neg and m.kind in CONCEPTS:
                inner = [x for x in self.mentions if m.i <= x.i and x.j <= m.j and x is not m]
                for x in inner:
                    x.neg = True
                    if x.kind == "region" and any(y.kind == "pain" for y in inner):
                        x.pain_denied = True

    def clause_of(self, m: Mention) -> tuple[int, int]:
        """Token span of the clause around ``m`` (up to a comma, sentence end or a terminator: "but")."""
        words, n = self.words, len(self.words)
        stops = {t.i for t in self.triggers if t.kind == "terminate"}
        lo = m.i
        while lo > 0 and words[lo - 1] not in CLAUSE and words[lo - 1] not in SENTENCE_END and lo not in stops:
            lo -= 1
        hi = m.j
        while hi < n and words[hi] not in CLAUSE and words[hi] not in SENTENCE_END and hi not in stops:
            hi += 1
        return lo, hi

    def pain_in_clause(self, m: Mention) -> bool:
        lo, hi = self.clause_of(m)
        return any(x.kind == "pain" and not x.neg and lo <= x.i and x.j <= hi for x in self.mentions)

    def _test_like(self, m: Mention) -> bool:
        return m.kind == "test" or (m.kind == "finding" and m.entry.test)

    def test_sides_and_places(self) -> None:
        """A clinical test names where it was done and on which side ("Spurling positive on the right",
        "Phalen positive on the right wrist", "Lasègue izquierdo positivo"): that side is the test's, and
        the part it was done on is not drawn, except for a test whose result is pain there ("resisted wrist
        extension painful at the right elbow")."""
        words, skip, n = self.words, self.lex.skip, len(self.words)
        polar = {x for m in self.mentions if m.kind in ("positive", "negative") for x in range(m.i, m.j)}
        side_at = {m.i: m for m in self.mentions if m.kind == "side"}
        region_at: dict[int, list[Mention]] = {}
        for m in self.mentions:
            if m.kind == "region":
                region_at.setdefault(m.i, []).append(m)
        filler = TEST_FILLER

        def passable(x: int) -> bool:
            w = words[x]
            return x in polar or w in skip or w in filler or w[:1].isdigit()

        self.test_sides: set[int] = set()
        for t in self.mentions:
            if t.kind not in ("test", "finding"):
                continue  # (every finding keeps its side: "reduced knee reflex on the left")
            place = self._test_like(t) and not t.ids[0].endswith("-pain")
            j, steps = t.j, 0
            while j < n and steps < 6:
                if j in side_at:
                    s = side_at[j]
                    k = s.j
                    while k < n and words[k] in skip:
                        k += 1
                    if k < n and k in region_at and self.lex.lang != "es":
                        j = k  # "on the right wrist": the wrist's side, and the wrist is where the test was done
                        continue
                    self.test_sides.add(id(s))
                    j = s.j
                    steps += 1
                    continue
                if j in region_at:
                    if place:
                        for r in region_at[j]:
                            r.how = "test"
                        site = TEST_SITES.get(t.ids[0])
                        if site and not any(set(r.ids) & site for r in region_at[j]):
                            t.misplaced = region_at[j][0]
                    break
                if not passable(j):
                    break
                j += 1
                steps += 1
            # before it: "left SLR positive", "right-sided Spurling"
            k = t.i
            while k > 0 and (words[k - 1] in skip or words[k - 1] in filler):
                k -= 1
            for s in self.mentions:
                if s.kind == "side" and s.j == k and not any(r.j == s.i for r in self.mentions if r.kind == "region"):
                    if self.lex.lang == "es" and any(r.j <= s.i and all(w in skip for w in words[r.j : s.i])
                                                     for r in self.mentions if r.kind == "region"):
                        continue  # "la pierna derecha, Lasègue": the leg's side
                    self.test_sides.add(id(s))

    def _verb_after(self, i: int) -> bool:
        """A verb in the words from ``i`` to the next comma or sentence end, before any "and"/"or" that ends a
        list item: a clause ("my chest hurts"), not an item of the list a denial runs through ("chills or
        chest pain and my hip hurts" is a list, then a clause)."""
        words, verbs = self.words, self.lex.clause_verbs
        starts = {m.i for m in self.mentions if m.kind in CONCEPTS}
        item = False
        while i < len(words) and words[i] not in CLAUSE and words[i] not in SENTENCE_END:
            if words[i] in verbs:
                return True
            if words[i] in CONJ and item:
                return False
            item = item or i in starts
            i += 1
        return False

    # -- places: the midline, a landmark, an object ----------------------------------------------------------
    def _lateral(self, m: Mention) -> bool:
        return not m.entry.midline_side and all(x not in self.kb.regions or not self.kb.regions[x].midline for x in m.ids)

    def _phrase_before(self, i: int, phrases: set[tuple[str, ...]], allow_sides: bool) -> int | None:
        """Start of a phrase that ends before ``words[i]`` with only skipped (and side) words between."""
        words, skip, side_words = self.words, self.lex.skip, self.lex.side_words
        j = i
        for _ in range(5):
            k = _ends_with(words, j, phrases)
            if k:
                return j - k
            if j > 0 and (words[j - 1] in skip or (allow_sides and words[j - 1] in side_words)):
                j -= 1
            else:
                return None
        return None

    def places(self) -> None:
        """Body parts named as the midline ("neck pain in the middle"), a landmark ("near my spine", "left of
        the spine") or the object of a movement ("when I bend my elbow", "me caí sobre la mano"): the last
        two are not drawn when the text names another part."""
        lex, words = self.lex, self.words
        regions = [m for m in self.mentions if m.kind == "region"]
        in_region = {x for r in regions for x in range(r.i, r.j)}
        pain_tok = {x for m in self.mentions if m.kind == "pain" for x in range(m.i, m.j)}
        n = len(words)
        for r in regions:
            if self._lateral(r):
                continue
            start = self._phrase_before(r.i, lex.midline_marks, False)
            if start is not None and start not in in_region:
                r.midline = True
                continue
            j, steps = r.j, 0
            while j < n and steps < 5 and (words[j] in lex.skip or j in pain_tok):
                j += 1
                steps += 1
            if j < n and j not in in_region and _starts_with(words, j, lex.midline_marks):
                r.midline = True
        cands = [r for r in regions if not r.entry.vague and (
            self._phrase_before(r.i, lex.locator_pre, False) is not None
            or self._phrase_before(r.i, lex.object_pre, True) is not None)]
        others = [r for r in regions if not r.entry.vague and r not in cands and not r.neg]
        if others:
            for r in cands:
                r.how = "place"

    # -- laterality -------------------------------------------------------------------------------------------
    def sides(self) -> None:
        self.places()
        self.test_sides_and_places()
        regions = [m for m in self.mentions if m.kind == "region" and m.how not in ("place", "test")]
        sides = [m for m in self.mentions if m.kind == "side" and id(m) not in self.test_sides]
        if not regions:
            return
        after_first = self.lex.lang == "es"
        words = self.words
        pos_regions = sorted({m.i for m in regions})

        def between_region(a: int, b: int) -> bool:  # a body part strictly between a and b (sorted: bisect)
            lo, hi = min(a, b), max(a, b)
            return bisect_right(pos_regions, lo) < bisect_left(pos_regions, hi)

        def clause_break(a: int, b: int) -> bool:
            lo, hi = min(a, b), max(a, b)
            return any(words[x] in SENTENCE_END for x in range(lo, hi))

        # a side word right next to a body part (only articles between) belongs to it alone:
        # "left knee", "rodilla izquierda", "both my shoulders"
        claimed: dict[int, Mention] = {}
        skip = self.lex.skip
        # only the side words near a body part can belong to it (next to it with articles between,
        # inside its phrase, or at most 6 words away): each part looks at those alone, found by
        # position, so a long text of many parts and sides is not quadratic
        run = longest = 0
        for w in words:
            run = run + 1 if w in skip else 0
            longest = max(longest, run)
        reach = max(6, longest) + max((s.j - s.i for s in sides), default=0) + 1
        by_pos = sorted(sides, key=lambda m: m.i)  # stable: the mentions' own order among equals
        starts = [m.i for m in by_pos]

        def near(r: Mention) -> list[Mention]:
            return by_pos[bisect_left(starts, r.i - reach): bisect_right(starts, r.j + reach)]

        for r in regions:
            for s in near(r):
                gap = words[r.j : s.i] if after_first else words[s.j : r.i]
                if s.sent == r.sent and ((after_first and s.i >= r.j) or (not after_first and s.j <= r.i)) and all(
                    w in skip for w in gap
                ):
                    claimed[id(s)] = r
                elif s.entry.plural and s.sent == r.sent and s.j <= r.i and all(w in skip for w in words[s.j : r.i]):
                    claimed[id(s)] = r  # "las dos sienes": "dos" is the next part's
                elif r.i < s.i and s.j < r.j:
                    claimed[id(s)] = r  # inside the phrase: "la parte de arriba de los dos hombros"
        for r in regions:
            best: tuple[int, int, str, Mention] | None = None
            if r.midline:
                continue
            for s in near(r):
                if s.sent != r.sent or claimed.get(id(s), r) is not r:
                    continue
                if s.i >= r.j:
                    dist, direction = s.i - r.j, 0 if after_first else 1
                elif s.j <= r.i:
                    dist, direction = r.i - s.j, 1 if after_first else 0
                else:
                    dist, direction = -1, -1  # inside the phrase: "the back of my right knee"
                if dist > 6 or between_region(r.i, s.i) or clause_break(r.i, s.i):
                    continue
                key = (direction, dist, s.ids[0], s)
                if best is None or key[:2] < best[:2]:
                    best = key
            if best is not None:
                r.side, r.side_explicit = best[2], True
                r.side_span = (best[3].i, best[3].j)
                s = best[3]
                if r.entry.sided and words[r.i] in SIDE_NOUNS and (
                    r.i < s.i < r.j or (s.j <= r.i and all(w in skip for w in words[s.j : r.i]))
                ):
                    r.ids = r.entry.sided  # "the left side of my chest" is the left chest
            elif r.entry.plural:
                r.side = "both"
        # locators: "the index finger of my right hand", "el pulgar de la mano derecha"
        ordered = sorted(regions, key=lambda m: m.i)
        for a, b in zip(ordered, ordered[1:], strict=False):
            gap = words[a.j : b.i]
            if (gap and gap[0] in ("of", "de", "del", "on", "en") and b.entry.ids in LOCATORS
                    and all(w in self.lex.skip or w in self.lex.side_words for w in gap)):
                b.how = "locator"
                if a.side is None and b.side is not None:
                    a.side, a.side_explicit = b.side, b.side_explicit
        # "not the right knee but the left": a side alone after "but" takes the denied body part
        used = {r.side_span for r in regions if r.side_span}
        for s in sides:
            if (s.i, s.j) in used:
                continue
            denied = [r for r in regions if r.neg and r.sent == s.sent and r.j <= s.i]
            turn = any(t.kind == "terminate" and t.sent == s.sent and denied and denied[-1].j <= t.i < s.i for t in self.triggers)
            # "la rodilla derecha no me duele, la izquierda sí": a side alone after a comma
            turn = turn or bool(denied and any(words[x] in CLAUSE for x in range(denied[-1].j, s.i)))
            if denied and turn:
                src = denied[-1]
                copy = Mention(src.entry, src.i, src.j, self.toks, self.sent)
                copy.start, copy.end = s.start, s.end
                copy.i, copy.j = s.i, s.j
                copy.side, copy.side_explicit = s.ids[0], True
                self.mentions.append(copy)
                regions.append(copy)
        # coordination: "left buttock and calf", "la nalga y la pierna izquierda"
        group: list[Mention] = []

        def flush() -> None:
            given = {m.side for m in group if m.side_explicit}
            if len(given) == 1:
                side = next(iter(given))
                for m in group:
                    # "both" sides of a midline part is the midline part: "la nuca y las dos sienes"
                    # a word that means the midline without a side takes none from another part ("me duele el
                    # pecho y el tríceps derecho": the chest is the midline)
                    if m.side is None and not m.midline and not m.entry.midline_side and (side != "both" or self._lateral(m)):
                        m.side = side
            elif not given and any(m.entry.plural and m.side == "both" for m in group):
                # "las dos manos y los dedos": a plural part lends "both" to the lateral parts beside it that are
                # plural words too ("my temples and my jaw" leaves the jaw's side open)
                for m in group:
                    if m.side is None and not m.midline and self._lateral(m) and self.words[m.j - 1].endswith("s"):
                        m.side = "both"
            group.clear()

        prev: Mention | None = None
        for r in sorted(regions, key=lambda m: m.i):
            if prev is not None:
                gap = words[prev.j : r.i]
                joinable = all(w in CONJ or w in CLAUSE or w in self.lex.skip or w in self.lex.side_words for w in gap)
                if not joinable or r.sent != prev.sent or r.neg != prev.neg:
                    flush()
            group.append(r)
            prev = r
        flush()
        # the rest of a sentence that names one side only: "my right shoulder hurts, and the top of my shoulder too"
        by_sent: dict[int, set[str]] = {}
        for r in regions:
            if r.side_explicit and not r.neg:
                by_sent.setdefault(r.sent, set()).add(r.side or "")
        # (lateral parts only: "the middle of my chest ... my left arm" leaves the chest in the midline)
        for r in regions:
            given = by_sent.get(r.sent, set())
            if r.side is None and len(given) == 1 and not r.midline and self._lateral(r):
                r.side = next(iter(given))
        self.refine(regions)

    def refine(self, regions: list[Mention]) -> None:
        """Where on the part: "knee pain, inner side", "the outer part of my right ankle", "el codo derecho,
        cara externa", "forearm, thumb side", "my right shoulder hurts at the front"."""
        words, skip = self.words, self.lex.skip
        side_words = self.lex.side_words
        for c in self.mentions:
            if c.kind != "cue" or c.ids[0] not in REFINE_CUES:
                continue
            after = [r for r in regions if r.sent == c.sent and c.j <= r.i
                     and all(w in skip or w in side_words for w in words[c.j : r.i])]
            before = [r for r in regions if r.sent == c.sent and r.j <= c.i and c.i - r.j <= 5]
            for r in after[:1] or sorted(before, key=lambda m: -m.j)[:1]:
                new = REFINE.get(r.ids, {}).get(c.ids[0])
                if new:
                    r.ids = new
        # positions, on raw tokens after the part in its clause: "hurts at the front", "me duele adelante"
        if not self.lex.positions:
            return
        all_regions = [m for m in self.mentions if m.kind == "region"]
        n = len(words)
        for r in regions:
            table = REFINE.get(r.ids)
            if not table:
                continue
            j = r.j
            while j < n and j - r.j <= 8 and words[j] not in CLAUSE and words[j] not in SENTENCE_END:
                if any(x is not r and x.i == j and x.how != "place" and not self._inside_position(x, j) for x in all_regions):
                    break  # another part first
                for where, phrases in self.lex.positions.items():
                    k = _starts_with(words, j, phrases)
                    if k and where in table:
                        inside = [x for x in all_regions if j <= x.i and x.j <= j + k]
                        if any(x.j > j + k for x in all_regions if j <= x.i < j + k):
                            continue  # "at the back of my arm": a part of its own
                        r.ids = table[where]
                        for x in inside:
                            x.how = "place"  # the "back" of "at the back" is not the back
                        j = n
                        break
                j += 1

    def _inside_position(self, x: Mention, j: int) -> bool:
        return any(_starts_with(self.words, j, ps) for ps in self.lex.positions.values()) and x.j - x.i == 1

    # -- raw tokens: intensity, duration, age, sex ------------------------------------------------------
    def numbers(self) -> None:
        lex, words, toks = self.lex, self.words, self.toks
        n = len(words)
        self.intensities: list[tuple[int, int, bool, int, int]] = []  # (sentence, value, numeric, start i, end j)
        self.durations: list[tuple[float, int, int]] = []
        self.age: tuple[int, int, int] | None = None
        self.sex: tuple[str, int, int] | None = None
        used: set[int] = set()
        i = 0
        while i < n:
            m = lex.raw_index.match(words, i)
            if m is not None:
                k, entries = m
                for e in entries:
                    if e.kind == "intensity":
                        self.intensities.append((self.sent[i], int(e.ids[0]), False, i, i + k))
                    elif e.kind == "duration":
                        if i > 0 and (words[i - 1] in lex.units or words[i - 1] in FREQUENCY_BEFORE):
                            continue  # "3 days a week", "two times a day"
                        weeks, end = float(e.ids[0]), i + k
                        if words[end : end + 3] == ["and", "a", "half"] or words[end : end + 2] in (["y", "medio"], ["y", "media"]):
                            weeks *= 1.5
                            end += 3 if words[end] == "and" else 2
                        self.durations.append((weeks, i, end))
                        used.update(range(i, end))
                    elif e.kind == "sex" and self.sex is None and not self._in_other(i):
                        self.sex = (e.ids[0], i, i + k)
                i += k
                continue
            i += 1
        for i in range(n):
            if i in used:
                continue
            num = _number(lex, words, i)
            if num is None:
                continue
            v, k = num
            nxt = i + k
            digit_or_word = words[i][0].isdigit() or words[i] not in ("a", "an", "un", "una", "unos", "unas")
            # intensity with a scale: "7/10", "7 out of 10", "siete de diez"
            s = _starts_with(words, nxt, lex.scale_words)
            if s and nxt + s < n:
                ten = _number(lex, words, nxt + s)
                if ten and ten[0] == 10 and 0 <= v <= 10 and v == int(v):
                    self.intensities.append((self.sent[i], int(v), True, i, nxt + s + ten[1]))
                    used.update(range(i, nxt + s + ten[1]))
                    continue
            unit = lex.units.get(words[nxt]) if nxt < n else None
            if unit is not None and i not in used:
                pre = _ends_with(words, i, lex.duration_pre)
                post = _starts_with(words, nxt + 1, lex.duration_post)
                age_post = _starts_with(words, nxt, lex.age_post)
                age_pre = _ends_with(words, i, lex.age_pre)
                strong_pre = bool(pre) and tuple(words[i - pre : i]) not in lex.age_pre  # "desde hace 10 años"
                if unit > 50 and 10 <= v <= 120 and not strong_pre and (age_post or (age_pre and not pre)):
                    if self.age is None:
                        self.age = (int(v), i, nxt + max(age_post, 1))
                    continue
                if nxt + 1 < n and words[nxt + 1] in FREQUENCY and not post and any(
                    w in lex.units for w in words[nxt + 2 : nxt + 4]
                ):
                    continue  # "3 days a week", "8 horas al día"
                shorthand = i > 0 and words[i - 1] == "x" and not (i > 1 and words[i - 2][:1].isdigit())  # "pain x 2 months"
                if i > 0 and (words[i - 1] in FREQUENCY_BEFORE or words[i - 1] in lex.units) and not shorthand:
                    continue  # "every 2 weeks", "3 days a week"
                if unit < 0.1 and not (pre or post):
                    continue  # "8 hours" alone is rarely how long the pain has lasted
                # minutes: "20 minutes ago", "hace 20 minutos", "pain for 30 minutes"; not "when I walk for 10
                # minutes" nor "after sitting for 2 hours", "sentado por 8 horas" (an activity's length)
                ago = _ends_with(words, i, lex.duration_ago) or _starts_with(words, nxt + 1, lex.duration_ago)
                if unit < 0.1 and not ago and pre and any(
                    m.kind == "aggravating" and 0 <= i - pre - m.j <= 3 for m in self.mentions
                ):
                    continue
                if unit < 0.001 and not ago and not pre:
                    continue
                if unit < 0.1 and not ago and self._episode(i - pre):
                    continue  # "it hurts for a few minutes at a time": one bout, not how long the problem has lasted
                weeks = v * unit
                end = nxt + 1
                if words[end : end + 3] in (["and", "a", "half"], ["y", "medio"], ["y", "media"]) or words[end : end + 2] in (
                    ["y", "medio"],
                    ["y", "media"],
                ):
                    weeks += 0.5 * unit
                    end += 3 if words[end] == "and" else 2
                self.durations.append((weeks, i - pre, end + post))
                used.update(range(i, end))
                continue
            # age: "I'm 45", "aged 60", "45 yo", "45f"
            if 10 <= v <= 120 and v == int(v) and words[i][0].isdigit():
                age_pre = _ends_with(words, i, lex.age_pre)
                age_post = _starts_with(words, nxt, lex.age_post)
                if age_post or (age_pre and not (nxt < n and words[nxt] in ("/",))):
                    if self.age is None:
                        self.age = (int(v), i - age_pre, nxt + age_post)
                    continue
                if nxt < n and words[nxt] in ("f", "m") and lex.lang == "en":
                    if self.age is None:
                        self.age = (int(v), i, nxt + 1)
                    if self.sex is None:
                        self.sex = ("female" if words[nxt] == "f" else "male", i, nxt + 1)
                    continue
            # intensity with a lead word: "a 7", "un 8", "pain 6", "nivel 9"
            if digit_or_word and 0 <= v <= 10 and v == int(v) and _ends_with(words, i, lex.intensity_lead):
                if nxt < n and (words[nxt] in NOT_UNITS or words[nxt] in lex.units):
                    continue
                if nxt + 1 < n and words[nxt] in (":", ".", ",") and words[nxt + 1][:1].isdigit():
                    continue  # a time or a decimal
                if words[i][0].isdigit() or self._has_pain(self.sent[i]):
                    self.intensities.append((self.sent[i], int(v), True, i, nxt))
        _ = toks

    def _episode(self, i: int) -> bool:
        """Minutes or hours at ``words[i]`` that say how long one bout lasts (contract: ``duration_weeks`` is
        how long the problem has lasted): a bout word anywhere in the sentence ("at a time", "y se me pasa",
        "every morning"), or a pain verb earlier in the clause with no word of onset ("it hurts for a few
        minutes"; not "I've had pain for 30 minutes", not "crushing chest pain for 30 minutes")."""
        lex, words, sent = self.lex, self.words, self.sent
        n = len(words)
        lo = i
        while lo > 0 and sent[lo - 1] == sent[i] and words[lo - 1] not in SENTENCE_END:
            lo -= 1
        hi = i
        while hi < n and sent[hi] == sent[i] and words[hi] not in SENTENCE_END:
            hi += 1
        if any(_starts_with(words, x, lex.duration_episode) for x in range(lo, hi)):
            return True
        c = i
        while c > lo and words[c - 1] not in CLAUSE:
            c -= 1
        before = words[c:i]
        return any(w in lex.duration_episode_verbs for w in before) and not any(w in lex.duration_onset for w in before)

    def _has_pain(self, sent: int) -> bool:
        return any(m.sent == sent and m.kind in ("pain", "region") for m in self.mentions)

    def _in_other(self, i: int) -> bool:
        return any(t.kind == "other_person" and t.sent == self.sent[i] and t.i <= i for t in self.triggers)

    # -- output ---------------------------------------------------------------------------------------------
    def span_text(self, i: int, j: int) -> tuple[int, int, str]:
        s, e = self.toks[i].start, self.toks[j - 1].end
        return s, e, self.text[s:e]

    def ev(self, field: str, value: Any, m: Mention | None, i: int = 0, j: int = 0, side: str | None = None) -> None:
        if m is not None:
            i, j = m.i, m.j
        s, e, t = self.span_text(i, j)
        d: dict[str, Any] = {"field": field, "value": value}
        if side is not None:
            d["side"] = side
        d.update(start=s, end=e, text=t)
        self.evidence.append(d)

    def unsure_add(self, reason: str, i: int, j: int, closest: list[tuple[str, str]]) -> None:
        s, e, t = self.span_text(i, j)
        item = {"text": t, "start": s, "end": e, "reason": reason,
                "closest": [{"field": f, "value": v} for f, v in closest]}
        if item not in self.unsure:
            self.unsure.append(item)


def absent_supported() -> bool:
    from ..engine import intake as intake_mod

    return "absent" in getattr(intake_mod, "FIELDS", ())


def parse_text(text: Any, lang: str = "en", kb: Knowledge | None = None) -> dict[str, Any]:
    """The contract document ``{"intake", "evidence", "unsure"}`` for ``text``; :class:`ParseError` on bad
    input or when nothing in the text can be drawn or flagged."""
    check_input(text, lang)
    if isinstance(text, bytes | bytearray):
        text = bytes(text).decode("utf-8")
    if kb is None:
        from ..knowledge import load

        kb = load()
    p = _Parse(text, load_lexicon(lang), kb)
    p.match()
    p.scopes()
    p.sides()
    p.numbers()
    return _assemble(p)


def _assemble(p: _Parse) -> dict[str, Any]:
    kb = p.kb
    regions_kb = kb.regions
    words = p.words
    regions = [m for m in p.mentions if m.kind == "region"]
    # pain marks
    marks: dict[tuple[str, str | None], tuple[int, Mention]] = {}
    drawn_by_sent: dict[int, list[tuple[str, str | None]]] = {}
    denied_regions: list[tuple[str, str | None, Mention]] = []
    flag_spans = [(m.i, m.j) for m in p.mentions if m.kind == "red_flag" and m.ids[0] in NON_PAIN_FLAGS]
    foot_sents = {m.sent for m in regions if set(m.ids) & FOOT or m.entry.ids == ("sole", "foot-dorsum")}
    hand_sents = {m.sent for m in regions if set(m.ids) & {"palm", "hand-back", "thumb", "wrist-front", "wrist-back"}}
    clauses = _Clauses(p)
    for m in regions:
        ids = m.ids
        side = m.side
        if m.how in ("locator", "place", "test") or any(a <= m.i and m.j <= b for a, b in flag_spans):
            continue
        if clauses.weak_not_painful(p, m):
            continue  # "my right hand is weak": a warning sign (rules), not a painful part
        if ids == FINGERS and m.sent in foot_sents and m.sent not in hand_sents:
            ids = ("big-toe", "lesser-toes")  # "la planta del pie y los dedos"
        if side is not None and m.entry.midline_side:
            ids = m.entry.midline_side
        if m.neg:
            for rid in ids:
                denied_regions.append((rid, side, m))
            continue
        if m.entry.vague:
            p.unsure_add("vague", m.i, m.j, [("pain", r) for r in ids if r in regions_kb])
            continue
        needs_side: list[str] = []
        for rid in ids:
            info = regions_kb.get(rid)
            if info is None:
                continue
            key: tuple[str, str | None]
            if info.midline:
                key = (rid, None)
            elif side is None:
                needs_side.append(rid)
                continue
            else:
                key = (rid, side)
            if key not in marks:
                marks[key] = (-1, m)
                drawn_by_sent.setdefault(m.sent, []).append(key)
        if needs_side:
            p.unsure_add("needs-side", m.i, m.j, [("pain", r) for r in needs_side])
        if m.how == "spelling" and not needs_side:
            p.unsure_add("spelling", m.i, m.j, [("pain", r) for r in ids if r in regions_kb])
    # intensity: per sentence, else the text's
    by_sent: dict[int, tuple[bool, int, int, int]] = {}
    for sent, value, numeric, i, j in p.intensities:
        cur = by_sent.get(sent)
        cand = (numeric, value, i, j)
        if cur is None or cand[:2] > cur[:2]:
            by_sent[sent] = cand
    global_int: tuple[bool, int, int, int] | None = None
    for sent, cand in by_sent.items():
        if sent not in drawn_by_sent and (global_int is None or cand[:2] > global_int[:2]):
            global_int = cand
    for mk, (_, m) in list(marks.items()):
        icand = by_sent.get(m.sent) or global_int
        if icand is not None:
            marks[mk] = (icand[1], m)
    # lists
    pos: dict[str, dict[str, list[Mention]]] = {f: {} for f in ("qualities", "aggravating", "findings", "history", "red_flags")}
    neg: dict[str, dict[str, list[Mention]]] = {f: {} for f in pos}
    polarity_words = [m for m in p.mentions if m.kind in ("positive", "negative")]
    for m in p.mentions:
        field = FIELD_OF.get(m.kind)
        if field is None:
            continue
        iid = m.ids[0]
        if m.misplaced is not None:
            # "Tinel positive at the elbow": not the vocabulary's (wrist) finding, whatever its result; the tests
            # done at the part named are the closest ids
            place = set(m.misplaced.ids)
            near = [(field, iid)] + [(field, x) for x, site in TEST_SITES.items() if x != iid and site & place]
            p.unsure_add("check", m.i, max(m.j, m.misplaced.j), near)
            continue
        if m.kind == "test":
            marker = None
            for q in polarity_words:
                if q.sent == m.sent and (0 <= q.i - m.j <= 3 or 0 <= m.i - q.j <= 2):
                    marker = q.kind
                    break
            if marker is None and iid.endswith("-pain") and p.pain_in_clause(m):
                marker = "positive"  # a test that provokes pain: "pain at the elbow on resisted wrist extension"
            if marker == "negative" or m.neg:
                neg[field].setdefault(iid, []).append(m)
            elif marker == "positive":
                pos[field].setdefault(iid, []).append(m)
            else:
                p.unsure_add("no-result", m.i, m.j, [(field, iid)])
            continue
        if m.neg and (m.other or m.hyp):
            # "my mother never had cancer", "in case it is not a fever": not the person's own "no"
            p.unsure_add("other-person" if m.other else "hypothetical", m.i, m.j, [(field, iid)])
            continue
        if m.neg:
            neg[field].setdefault(iid, []).append(m)
            continue
        if m.other and field in ("red_flags", "history", "findings"):
            p.unsure_add("other-person", m.i, m.j, [(field, iid)])
            continue
        if m.hyp and field != "red_flags":
            p.unsure_add("hypothetical", m.i, m.j, [(field, iid)])
            continue
        if m.kind == "red_flag_weak":
            m.weak = True
        pos[field].setdefault(iid, []).append(m)
    _rules(p, pos, neg, marks)
    # age gate for "new headache at 50 or over"
    if p.age is not None and p.age[0] < 50:
        pos["red_flags"].pop("new-headache-over-50", None)
    _denial_wins(p, pos, neg)
    # evidence
    for (rid, side), (_intensity, m) in sorted(marks.items(), key=lambda kv: kv[1][1].i):
        if m.side_span is not None and side is not None:
            p.ev("pain", rid, None, min(m.i, m.side_span[0]), max(m.j, m.side_span[1]), side=side)
        else:
            p.ev("pain", rid, m, side=side)
    for field in pos:
        for iid, ms in pos[field].items():
            for m in ms[:1]:
                p.ev(field, iid, m)
            if field == "red_flags":
                weak = [m for m in ms if m.weak or m.hyp]
                if len(weak) == len(ms):
                    m = weak[0]
                    p.unsure_add("hypothetical" if m.hyp else "weak-match", m.i, m.j, [(field, iid)])
            if iid in neg[field]:
                m = neg[field][iid][0]
                p.unsure_add("conflict", m.i, m.j, [(field, iid)])
    supported = absent_supported()
    absent: dict[str, list[str]] = {}
    for field in neg:
        for iid, ms in neg[field].items():
            if iid in pos[field]:
                continue
            p.ev(f"absent.{field}", iid, ms[0])
            if supported:
                absent.setdefault(field, []).append(iid)
            elif field == "red_flags":
                p.unsure_add("denied", ms[0].i, ms[0].j, [(field, iid)])
    # a body part said not to hurt: an intensity-0 mark (contract: 0 = pain-free; not evidence) on the side
    # given, on both sides when none is (unless that side hurts), never for a vague word ("no leg pain");
    # a part only denied something else ("no swelling in my knee") is listed in evidence only
    zero: dict[tuple[str, str | None], Mention] = {}
    for rid, side, m in denied_regions:
        info = regions_kb.get(rid)
        if info is None or not m.pain_denied:
            continue
        if m.entry.vague:
            p.ev("absent.pain", rid, m, side=side)  # "no leg pain": said, but not drawn
            continue
        keys: list[tuple[str, str | None]] = (
            [(rid, None)] if info.midline else [(rid, s) for s in (("left", "right") if side in (None, "both") else (side,))]
        )
        for key in keys:
            if key not in marks and (key[0], "both") not in marks and key not in zero:
                zero[key] = m
    # unplaced pain: a sentence with a pain word, no body part and no red flag
    sents_with_place = {m.sent for m in regions} | {m.sent for ms in pos["red_flags"].values() for m in ms}
    sents_with_place |= {x[0] for x in p.intensities}
    for m in p.mentions:
        if m.kind == "pain" and not m.neg and m.sent not in sents_with_place:
            i0 = m.i
            while i0 > 0 and p.sent[i0 - 1] == m.sent and words[i0 - 1] not in SENTENCE_END:
                i0 -= 1
            j0 = m.j
            while j0 < len(words) and p.sent[j0] == m.sent and words[j0] not in SENTENCE_END:
                j0 += 1
            closest = _closest_regions(p, i0, j0)
            p.unsure_add("no-region", i0, j0, [("pain", r) for r in closest])
            sents_with_place.add(m.sent)
    # intake
    intake: dict[str, Any] = {"version": 1}
    if p.age is not None:
        intake["age"] = p.age[0]
        p.ev("age", p.age[0], None, p.age[1], p.age[2])
    if p.sex is not None:
        intake["sex"] = p.sex[0]
        p.ev("sex", p.sex[0], None, p.sex[1], p.sex[2])
    if p.durations:
        weeks, i, j = max(p.durations)
        weeks = round(min(max(weeks, 0.0), 520.0), 2)
        intake["duration_weeks"] = int(weeks) if weeks == int(weeks) else weeks
        p.ev("duration_weeks", intake["duration_weeks"], None, i, j)
    pain = []
    for (rid, side), (intensity, _m) in marks.items():
        item: dict[str, Any] = {"region": rid}
        if side is not None:
            item["side"] = side
        if intensity >= 0:
            item["intensity"] = intensity
        pain.append(item)
    painful = bool(pain)
    done: set[tuple[str, str | None]] = set()
    for (rid, side), m in zero.items():
        if (rid, side) in done:
            continue
        other = "right" if side == "left" else "left"
        if side is not None and zero.get((rid, other)) is m:
            done.add((rid, other))
            side = "both"
        pain.append({"region": rid, **({"side": side} if side else {}), "intensity": 0})
        if m.side_span is not None and side is not None:
            p.ev("absent.pain", rid, None, min(m.i, m.side_span[0]), max(m.j, m.side_span[1]), side=side)
        else:
            p.ev("absent.pain", rid, m, side=side)
    if pain:
        intake["pain"] = pain
    for cand in by_sent.values():
        p.ev("intensity", cand[1], None, cand[2], cand[3])
    for field in ("qualities", "aggravating", "findings", "red_flags", "history"):
        id_list = sorted(pos[field])
        if id_list:
            intake[field] = id_list
    if absent:
        intake["absent"] = {k: sorted(v) for k, v in absent.items()}
    p.evidence.sort(key=lambda d: (d["start"], d["field"]))
    p.unsure.sort(key=lambda d: d["start"])
    doc = {"intake": intake, "evidence": p.evidence, "unsure": p.unsure}
    from ..engine.intake import IntakeError, parse_intake

    try:
        if not painful and not intake.get("red_flags"):
            raise IntakeError("pain", "nothing painful")
        parse_intake(intake, kb)
    except IntakeError as exc:
        if not painful and not intake.get("red_flags"):
            raise ParseError(
                "text",
                "no painful body part (with its side) or warning sign was recognised; see 'unsure' or draw the pain on the body map",
                doc,
            ) from exc
        raise  # a bug: the parser built an invalid intake
    return doc


def _bound(p: _Parse, a: Mention, b: Mention) -> bool:
    """``a`` and ``b`` in one clause (no comma, sentence end or "but" between) with no other body part between
    them: "my chest really hurts", not "my pec hurts after doing chest" nor "no chest pain, my pec hurts"."""
    if a.sent != b.sent:
        return False
    lo, hi = min(a.j, b.j), max(a.i, b.i)
    if any(p.words[x] in CLAUSE or p.words[x] in SENTENCE_END for x in range(lo, hi)):
        return False
    if any(t.kind == "terminate" and lo <= t.i < hi for t in p.triggers):
        return False
    return not any(m.kind == "region" and m is not a and m is not b and lo <= m.i and m.j <= hi
                   and not (m.i <= a.i and a.j <= m.j) and not (m.i <= b.i and b.j <= m.j) for m in p.mentions)


def _denial_wins(p: _Parse, pos: dict[str, dict[str, list[Mention]]], neg: dict[str, dict[str, list[Mention]]]) -> None:
    """An explicit denial ("no chest pain", "sin dolor de pecho") wins over a red flag that only a combination of
    words spread over the text inferred ("... solo me duele el pectoral después de hacer pecho"): the flag goes
    to ``absent`` and to ``unsure`` (reason ``denied-implied``) for the person to confirm on the safety screen.
    A flag said in words ("chest pain", "me duele el pecho"), or inferred from words bound in one clause ("my
    chest really hurts"), stays set against a denial (a conflict, listed in ``unsure``). A denied chest pain also
    wins over exertional pain inferred only from a part of the chest ("my pec is sore after chest day"); that
    flag was not asked, so it goes to ``unsure`` only."""
    flags, nos = pos["red_flags"], neg["red_flags"]

    def inferred(ms: list[Mention]) -> bool:
        return all(m.how == "rule" and not m.bound for m in ms)

    explicit = {iid for iid, ms in nos.items() if any(m.how != "rule" for m in ms)}
    for iid in sorted(explicit & set(flags)):
        if inferred(flags[iid]):
            m = flags.pop(iid)[0]
            p.unsure_add("denied-implied", m.i, m.j, [("red_flags", iid)])
    ex, chest = "exertional-chest-arm-jaw-pain", "chest-pain-or-breathlessness"
    if ex in flags and chest in explicit and chest not in flags and all(
        m.how == "rule" and not any(x.kind == "region" and not set(x.ids) <= CHEST for x in m.parts) for m in flags[ex]
    ):
        m = flags.pop(ex)[0]
        p.unsure_add("denied-implied", m.i, m.j, [("red_flags", ex)])


class _Clauses:
    """Which clause each mention lies in (clauses end at a comma or a sentence end), built once
    per parse, so that asking about every body part's clause costs the mentions once, not once per
    body part (a long text of many parts was quadratic)."""

    def __init__(self, p: _Parse):
        words = p.words
        self.before = before = [0] * (len(words) + 1)  # boundary tokens in words[:k]
        n = 0
        for k, w in enumerate(words):
            before[k] = n
            if w in CLAUSE or w in SENTENCE_END:
                n += 1
        before[len(words)] = n
        self.weak: dict[int, bool] = {}
        by_clause: dict[int, list[Mention]] = {}
        for x in p.mentions:
            if not x.neg and before[x.i] == before[x.j]:
                by_clause.setdefault(before[x.i], []).append(x)
        for c, inside in by_clause.items():
            weak = any(x.kind == "cue" and x.ids[0] == "weakness" for x in inside) or any(
                x.kind in ("red_flag", "red_flag_weak") and x.ids[0] in NON_PAIN_FLAGS for x in inside)
            self.weak[c] = weak and not any(x.kind in ("pain", "quality") for x in inside)

    def weak_not_painful(self, p: _Parse, m: Mention) -> bool:
        c = self.before[m.i]
        if c == self.before[m.j]:  # the usual case: no comma or sentence end inside the mention
            return self.weak.get(c, False)
        return _weak_not_painful(p, m)


def _weak_not_painful(p: _Parse, m: Mention) -> bool:
    """A body part in a clause that says it is weak and has no pain or quality word."""
    words = p.words
    lo = m.i
    while lo > 0 and words[lo - 1] not in CLAUSE and words[lo - 1] not in SENTENCE_END:
        lo -= 1
    hi = m.j
    while hi < len(words) and words[hi] not in CLAUSE and words[hi] not in SENTENCE_END:
        hi += 1
    inside = [x for x in p.mentions if lo <= x.i and x.j <= hi and not x.neg]
    weak = any(x.kind == "cue" and x.ids[0] == "weakness" for x in inside) or any(
        x.kind in ("red_flag", "red_flag_weak") and x.ids[0] in NON_PAIN_FLAGS for x in inside)
    return weak and not any(x.kind in ("pain", "quality") for x in inside)


def _closest_regions(p: _Parse, i: int, j: int) -> list[str]:
    import difflib

    out: list[str] = []
    cands = p.lex.region_words
    for w in p.words[i:j]:
        if len(w) < 4 or w in p.lex.vocab_words:
            continue
        for c in difflib.get_close_matches(w, cands, n=2, cutoff=0.7):
            for e in p.lex.body.single.get(c, ()):
                if e.kind == "region":
                    out.extend(r for r in e.ids if r in p.kb.regions and r not in out)
    return out[:5]


def _rules(p: _Parse, pos: dict[str, dict[str, list[Mention]]], neg: dict[str, dict[str, list[Mention]]],
           marks: dict[tuple[str, str | None], tuple[int, Mention]]) -> None:
    """Combination rules: red flags that only a combination of words says."""
    by_sent: dict[int, list[Mention]] = {}
    for m in p.mentions:
        by_sent.setdefault(m.sent, []).append(m)

    def add(iid: str, ms: list[Mention], denied: bool = False, pair: tuple[list[Mention], list[Mention]] | None = None) -> None:
        derived = Mention(Entry("red_flag", (iid,)), min(m.i for m in ms), max(m.j for m in ms), p.toks, p.sent, weak=True)
        derived.how = "rule"
        derived.parts = list(ms)
        if pair is not None:
            derived.bound = any(_bound(p, a, b) for a in pair[0] for b in pair[1])
        if denied:
            derived.neg = True
            if iid not in pos["red_flags"]:
                neg["red_flags"].setdefault(iid, []).append(derived)
        else:
            pos["red_flags"].setdefault(iid, []).append(derived)

    text_regions = {rid for m in p.mentions if m.kind == "region" and not m.neg for rid in m.ids}
    text_aggr = {m.ids[0] for m in p.mentions if m.kind == "aggravating" and not m.neg}
    for _sent, ms in by_sent.items():
        def regions(pred: Any, ms: list[Mention] = ms, negated: bool = False) -> list[Mention]:
            return [m for m in ms if m.kind == "region" and m.neg == negated and any(pred(r) for r in m.ids)]

        def quality(ids: set[str], ms: list[Mention] = ms, negated: bool = False) -> list[Mention]:
            return [m for m in ms if m.kind == "quality" and m.neg == negated and m.ids[0] in ids]

        def cue(c: str, ms: list[Mention] = ms, negated: bool = False) -> list[Mention]:
            return [m for m in ms if m.kind == "cue" and m.neg == negated and m.ids[0] == c]

        def aggr(ids: frozenset[str] | set[str], ms: list[Mention] = ms) -> list[Mention]:
            return [m for m in ms if m.kind == "aggravating" and not m.neg and m.ids[0] in ids]

        neuro = {"numbness", "tingling"}
        # numb or tingling + groin/perineum: saddle anaesthesia
        q, r = quality(neuro), regions(lambda x: x in SADDLE)
        if q and r:
            add("saddle-anesthesia", q + r, pair=(q, r))
        qn, rn = quality(neuro, negated=True), regions(lambda x: x in SADDLE, negated=True)
        if qn and (rn or r):
            add("saddle-anesthesia", qn + (rn or r), denied=True)
        # nerve symptoms or weakness in both legs
        both_legs = [m for m in ms if m.kind == "region" and not m.neg and m.side == "both"
                     and any(x in LEG or x in ("thigh-posterior", "calf") for x in m.ids)]
        nerve = quality({"numbness", "tingling", "electric"}) + cue("weakness")
        if both_legs and nerve:
            add("bilateral-leg-symptoms", nerve + both_legs, pair=(nerve, both_legs))
        # weakness + limb
        weak = cue("weakness")
        # a weak muscle found on examination ("weak quadriceps", "debilidad de la flexión dorsal") is not weakness
        # that is new and getting worse (the flags' definitions): asked, not set, unless words say it worsens
        exam = [w for w in weak if any(f.kind == "finding" and f.i <= w.i and w.j <= f.j and not f.neg for f in ms)]
        worse = cue("worsening")
        if exam and len(exam) == len(weak) and not worse:
            legs, arms = regions(lambda x: x in LEG), regions(lambda x: x in ARM or x == "shoulder-lateral")
            f = next(f for f in ms if f.kind == "finding" and f.i <= exam[0].i and exam[0].j <= f.j)
            closest = [("red_flags", "progressive-weakness")] if legs or not arms else []
            closest += [("red_flags", "arm-weakness-progressive")] if arms or not legs else []
            p.unsure_add("check", f.i, f.j, closest)
            weak = []
        if weak:
            legs, arms = regions(lambda x: x in LEG), regions(lambda x: x in ARM or x == "shoulder-lateral")
            if legs:
                add("progressive-weakness", weak + legs, pair=(weak, legs))
            if arms:
                add("arm-weakness-progressive", weak + arms, pair=(weak, arms))
            if not legs and not arms:
                m = weak[0]
                p.unsure_add("weak-match", m.i, m.j, [("red_flags", "progressive-weakness"), ("red_flags", "arm-weakness-progressive")])
        # swollen + hot/red: calf (DVT) or a joint
        sw, warm = cue("swelling"), cue("warm")
        if sw:
            calf = regions(lambda x: x == "calf")
            if calf and (warm or len(sw)):
                add("calf-swelling-redness", sw + calf, pair=(sw, calf))
            joint = regions(lambda x: x in JOINT)
            if warm and joint:
                add("hot-swollen-joint", sw + warm + joint, pair=(sw + warm, joint))
        swn = cue("swelling", negated=True)
        if swn and regions(lambda x: x == "calf", negated=True) and not sw:
            add("calf-swelling-redness", swn, denied=True)
        # chest: the word "chest"/"pecho" with pain, or chest + effort
        chest = regions(lambda x: x in ("sternum", "chest"))
        painish = [m for m in ms if m.kind in ("pain", "quality") and not m.neg] + cue("pressure")
        if chest and painish:
            add("chest-pain-or-breathlessness", chest, pair=(chest, painish))
        effort = aggr(EXERTION)
        cj = regions(lambda x: x in CHEST or x == "jaw")
        if chest and cue("rest_relief") and not effort:
            effort = cue("rest_relief")
        if effort and (cj or (ms and "chest-pain-or-breathlessness" in pos["red_flags"]
                              and any(m.sent == ms[0].sent for m in pos["red_flags"]["chest-pain-or-breathlessness"]))):
            add("exertional-chest-arm-jaw-pain", effort + cj, pair=(effort, cj))
        # the scalp with a pain word: scalp tenderness
        scalp = cue("scalp")
        if scalp and any(m.kind in ("pain", "quality") and not m.neg for m in ms):
            add("scalp-tenderness", scalp)
        # sudden + neck / head
        sudden = cue("sudden")
        if sudden:
            neck, head = regions(lambda x: x in NECK), regions(lambda x: x in HEAD)
            if neck:
                add("sudden-unusual-neck-pain", sudden + neck, pair=(sudden, neck))
            if head:
                add("thunderclap-headache", sudden + head, pair=(sudden, head))
        # jaw + chewing + eases with rest
        jaw = regions(lambda x: x in ("jaw", "ear", "cheek"))
        if jaw and aggr({"chewing"}) and cue("rest_relief"):
            add("jaw-claudication", jaw + aggr({"chewing"}))
        # pulsing lump in the belly
        if cue("lump") and cue("pulsing") and (regions(lambda x: x in ABDOMEN)):
            add("pulsatile-abdominal-mass", cue("lump") + cue("pulsing"))
        # new headache (age checked by the caller)
        if cue("new") and regions(lambda x: x in HEAD):
            add("new-headache-over-50", cue("new") + regions(lambda x: x in HEAD))
        # constant pain at night
        if cue("constant") and aggr({"night"}):
            add("night-pain-unrelenting", cue("constant") + aggr({"night"}))
    if "headache-with-fever-and-stiff-neck" in pos["red_flags"] and "fever" not in pos["red_flags"]:
        pos["red_flags"]["fever"] = pos["red_flags"]["headache-with-fever-and-stiff-neck"][:1]
    # across the text: fever + stiff neck (+ headache)
    if "fever" in pos["red_flags"]:
        stiff = [m for m in p.mentions if m.kind == "quality" and not m.neg and m.ids[0] == "stiffness"]
        necks = [m for m in p.mentions if m.kind == "region" and not m.neg and any(x in NECK for x in m.ids)]
        if stiff and necks and any(s.sent == n.sent for s in stiff for n in necks):
            add("headache-with-fever-and-stiff-neck", stiff + necks)
    if (
        ("chest-pain-or-breathlessness" in pos["red_flags"] or text_regions & {"sternum", "chest"})
        and text_aggr & EXERTION
        and "exertional-chest-arm-jaw-pain" not in pos["red_flags"]
    ):
            ms2 = [m for m in p.mentions if m.kind == "aggravating" and m.ids[0] in EXERTION and not m.neg]
            add("exertional-chest-arm-jaw-pain", ms2[:1])
    _ = marks
