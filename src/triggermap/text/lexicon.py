"""The free-text lexicons (``knowledge/data/lexicon/{en,es}.yaml``): normalisation, tokens, phrase index.

The knowledge loader validates only the folders it knows, so the lexicons are read here, once per
process and language. Every phrase is normalised exactly like the text it is matched against:
lower case, accents and apostrophes removed ("ñ" kept: "año" is not "ano"), word-internal hyphens
split, listed compounds fused ("de pie" -> one token) and articles and possessives skipped.
"""

from __future__ import annotations

import os
import re
import unicodedata
from functools import lru_cache
from typing import Any, NamedTuple

from ..vocabulary import LANGS

LEXICON_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "knowledge", "data", "lexicon")

#: sentence boundaries and clause boundaries (tokens)
SENTENCE_END = frozenset(".!?;\n¡¿")
CLAUSE = frozenset(",")
PUNCT = SENTENCE_END | CLAUSE | frozenset(":()[]\"")


class Token(NamedTuple):
    text: str  # normalised
    start: int  # offsets into the original text
    end: int


_WORD = re.compile(r"[^\W\d_]+(?:['’`´‘][^\W\d_]+)*|\d+(?:[.,]\d+)?|\n|[^\w\s]")
_APOS = re.compile(r"['’`´‘]")


def norm_token(word: str) -> str:
    """Lower case, apostrophes and accents removed, "ñ" kept."""
    w = word.lower()
    if "'" in w or not w.isascii():
        w = _APOS.sub("", w)
    if w.isascii():
        return w
    out = []
    for ch in w:
        if ch == "ñ" or ch.isascii():
            out.append(ch)
            continue
        out.extend(c for c in unicodedata.normalize("NFD", ch) if unicodedata.category(c) != "Mn")
    return "".join(out)


def tokenize(text: str) -> list[Token]:
    """Tokens with their offsets into ``text``; a hyphen inside a word ("62-year-old") is dropped."""
    toks: list[Token] = []
    n = len(text)
    for m in _WORD.finditer(text):
        w = m.group()
        s, e = m.span()
        if w == "-" and s > 0 and e < n and text[s - 1].isalnum() and text[e].isalnum():
            continue
        t = norm_token(w)
        if t:
            toks.append(Token(t, s, e))
    return toks


class Entry(NamedTuple):
    kind: str  # region, side, quality, aggravating, finding, test, history, red_flag, red_flag_weak, cue,
    # ignore, neg_pre, neg_post, pseudo, hypothetical, other_person, terminate, subject, pain, positive, negative
    ids: tuple[str, ...] = ()
    plural: bool = False
    vague: bool = False
    midline_side: tuple[str, ...] = ()
    sided: tuple[str, ...] = ()  # the region meant by "the left side of ..." (a side word before "side")
    test: bool = False  # a finding whose words name a clinical test ("straight leg raise positive")


#: which pass matches each kind: "clinical" phrases (red flags, findings, history) are matched apart
#: from the "body" ones (regions, sides, qualities, activities), so that "chest pain on exertion" gives
#: both the red flag and the region; "scope" triggers are matched on what no clinical phrase covers
CLINICAL = frozenset({"finding", "test", "history", "red_flag", "red_flag_weak", "ignore"})
SCOPE = frozenset({"neg_pre", "neg_post", "pseudo", "hypothetical", "other_person", "terminate", "subject"})
BODY = frozenset({"region", "side", "quality", "aggravating", "cue", "pain", "positive", "negative", "ignore"})


class PhraseIndex:
    """Longest-match-first phrase lookup: first token -> the phrase lengths it starts, longest first."""

    def __init__(self) -> None:
        self._phrases: dict[tuple[str, ...], list[Entry]] = {}
        self._lengths: dict[str, list[int]] = {}
        self.single: dict[str, list[Entry]] = {}

    def add(self, toks: tuple[str, ...], entry: Entry) -> None:
        if not toks:
            return
        entries = self._phrases.setdefault(toks, [])
        if entry not in entries:
            entries.append(entry)

    def freeze(self) -> None:
        lengths: dict[str, set[int]] = {}
        for toks in self._phrases:
            lengths.setdefault(toks[0], set()).add(len(toks))
        self._lengths = {w: sorted(ls, reverse=True) for w, ls in lengths.items()}
        self.single = {toks[0]: es for toks, es in self._phrases.items() if len(toks) == 1}

    def match(self, words: list[str], i: int) -> tuple[int, list[Entry]] | None:
        """The longest phrase starting at ``words[i]``: (length, entries)."""
        ls = self._lengths.get(words[i])
        if ls is None:
            return None
        n = len(words)
        phrases = self._phrases
        for k in ls:
            if i + k <= n:
                es = phrases.get(tuple(words[i : i + k]))
                if es is not None:
                    return k, es
        return None


class Lexicon:
    def __init__(self, lang: str, raw: dict[str, Any]):
        self.lang = lang
        self.raw = raw
        self.sources: list[str] = list(raw.get("sources") or [])
        self.skip = frozenset(norm_words(" ".join(raw.get("skip") or [])))
        self.compounds: dict[tuple[str, ...], str] = {}
        for c in raw.get("compounds") or []:
            ws = tuple(t.text for t in tokenize(str(c)))
            self.compounds[ws] = "_".join(ws)
        self.max_compound = max((len(k) for k in self.compounds), default=0)
        self.compound_first = frozenset(k[0] for k in self.compounds)
        self.stop = frozenset(norm_words(" ".join(str(w) for w in raw.get("stop") or [])))
        self.clinical = PhraseIndex()
        self.scope = PhraseIndex()
        self.body = PhraseIndex()
        self.sides = PhraseIndex()  # matched before the body phrases, which then look through them
        self.raw_index = PhraseIndex()  # raw tokens (no skipping): numbers, intensity words, durations, sex
        self.vocab_words: set[str] = set(self.skip) | self.stop
        self._build(raw)

    # -- building -------------------------------------------------------------------------------------
    def content(self, words: list[str]) -> list[str]:
        return [w for w in self.fuse(words) if w not in self.skip]

    def fuse(self, words: list[str]) -> list[str]:
        if not self.compounds:
            return words
        out: list[str] = []
        i, n = 0, len(words)
        while i < n:
            if words[i] not in self.compound_first:
                out.append(words[i])
                i += 1
                continue
            for k in range(min(self.max_compound, n - i), 1, -1):
                c = self.compounds.get(tuple(words[i : i + k]))
                if c:
                    out.append(c)
                    i += k
                    break
            else:
                out.append(words[i])
                i += 1
        return out

    def phrase(self, text: str) -> tuple[str, ...]:
        return tuple(self.content(norm_words(text)))

    def _add(self, index: PhraseIndex, text: Any, entry: Entry, raw_tokens: bool = False) -> None:
        words = norm_words(str(text))
        toks = tuple(self.fuse(words)) if raw_tokens else tuple(self.content(words))
        if not toks:
            return
        index.add(toks, entry)
        self.vocab_words.update(toks)

    def _plural(self, word: str) -> str | None:
        """A regular plural of a body word ("thigh" -> "thighs", "talon" -> "talones"); None when unsure."""
        if len(word) < 3 or not word.isalpha() or word.endswith("s"):
            return None  # "biceps", "glutes", "dedos": plural already, or Latin
        if self.lang == "es":
            return word + "s" if word[-1] in "aeiou" else word + "es"
        if word.endswith(("x", "ch", "sh")):
            return word + "es"
        if word.endswith("f") or word.endswith("y"):
            return None  # calf -> calves, body -> bodies: listed by hand
        return word + "s"

    def _build(self, raw: dict[str, Any]) -> None:
        plurals: list[tuple[str, Entry]] = []
        for group in raw.get("regions") or []:
            ids = tuple(group["ids"])
            mid = tuple(group.get("midline_side") or ())
            vague = bool(group.get("vague"))
            sided = tuple(group.get("sided") or ())
            for w in group.get("words") or []:
                self._add(self.body, w, Entry("region", ids, False, vague, mid, sided))
                if not vague and not mid and not group.get("midline"):
                    plurals.append((str(w), Entry("region", ids, True, vague, mid, sided)))
            for w in group.get("plural") or []:
                self._add(self.body, w, Entry("region", ids, True, vague, mid, sided))
        # regular plurals of the lateral body words not listed ("the backs of both thighs" -> both sides):
        # the last word, and the first and the last of a longer phrase ("backs of thighs")
        for w, entry in plurals:
            words = self.content(norm_words(w))
            variants = []
            last = self._plural(words[-1])
            if last:
                variants.append((*words[:-1], last))
                first = self._plural(words[0]) if len(words) > 1 else None
                if first:
                    variants.append((first, *words[1:-1], last))
            for toks in variants:
                if toks not in self.body._phrases:
                    self.body.add(toks, entry)
                    self.vocab_words.update(toks)
        for side, words in (raw.get("sides") or {}).items():
            for w in words:
                self._add(self.sides, w, Entry("side", (side,)))
        # "las dos manos", "two hands": a side only right before a body part ("dos semanas" is not)
        for w in raw.get("sides_before_part") or []:
            self._add(self.sides, w, Entry("side", ("both",), plural=True))
        for kind, key in (("quality", "qualities"), ("aggravating", "aggravating")):
            for iid, words in (raw.get(key) or {}).items():
                for w in words:
                    self._add(self.body, w, Entry(kind, (iid,)))
        # clinical test names: their body words are never a painful part ("straight leg raise",
        # "extensión de muñeca contra resistencia"), so each name is also an ignored body phrase
        test_phrases: set[tuple[str, ...]] = set()
        for iid, words in (raw.get("tests") or {}).items():
            for w in words:
                self._add(self.clinical, w, Entry("test", (iid,)))
                self._add(self.body, w, Entry("ignore"))
                test_phrases.add(self.phrase(str(w)))
        test_phrases.discard(())

        def names_test(toks: tuple[str, ...]) -> bool:
            return any(toks[k : k + len(t)] == t for t in test_phrases for k in range(len(toks) - len(t) + 1))

        for kind, key in (
            ("finding", "findings"),
            ("history", "history"),
            ("red_flag", "red_flags"),
            ("red_flag_weak", "red_flags_weak"),
        ):
            for iid, words in (raw.get(key) or {}).items():
                for w in words:
                    self._add(self.clinical, w, Entry(kind, (iid,), test=kind == "finding" and names_test(self.phrase(str(w)))))
        for cue, words in (raw.get("cues") or {}).items():
            for w in words:
                self._add(self.body, w, Entry("cue", (cue,)))
        for w in raw.get("ignore") or []:
            self._add(self.clinical, w, Entry("ignore"))
            self._add(self.body, w, Entry("ignore"))
        scopes = raw.get("scopes") or {}
        self.clause_verbs = frozenset(t for w in scopes.get("clause_verbs") or [] for t in norm_words(str(w)))
        for key, kind in (
            ("negation_pre", "neg_pre"),
            ("negation_post", "neg_post"),
            ("pseudo", "pseudo"),
            ("hypothetical", "hypothetical"),
            ("other_person", "other_person"),
            ("terminate", "terminate"),
            ("subject", "subject"),
        ):
            for w in scopes.get(key) or []:
                # scope triggers are matched on raw tokens: "my mother" keeps its "my"
                self._add(self.scope, w, Entry(kind), raw_tokens=True)
        # a post-negation that starts with a pre-negation word ("no me duele", "doesnt hurt") denies what
        # comes before it ("la rodilla no me duele") and what follows it ("no me duele la rodilla")
        pre_words = {tuple(norm_words(str(w))) for w in scopes.get("negation_pre") or []}
        for w in scopes.get("negation_post") or []:
            toks = tuple(norm_words(str(w)))
            if len(toks) > 1 and any(toks[: len(p)] == p for p in pre_words):
                self._add(self.scope, w, Entry("neg_pre"), raw_tokens=True)
        for w in raw.get("pain_words") or []:
            self._add(self.body, w, Entry("pain"))
        for kind, key in (("positive", "positive"), ("negative", "negative")):
            for w in raw.get(key) or []:
                self._add(self.body, w, Entry(kind))
        # raw-token phrases
        inten = raw.get("intensity") or {}
        for value, words in (inten.get("words") or {}).items():
            for w in words:
                self._add(self.raw_index, w, Entry("intensity", (str(value),)), raw_tokens=True)
        self.scale_words = {tuple(self.fuse(norm_words(str(w)))) for w in inten.get("scale") or []}
        self.intensity_lead = {tuple(self.fuse(norm_words(str(w)))) for w in inten.get("lead") or []}
        self.numbers: dict[tuple[str, ...], float] = {
            tuple(norm_words(str(k))): float(v) for k, v in (raw.get("numbers") or {}).items()
        }
        self.units: dict[str, float] = {}
        for weeks, words in (raw.get("units") or {}).items():
            for w in words:
                for t in norm_words(str(w)):
                    self.units[t] = float(weeks)
        # raw-token phrases around a body part: a place ("near my spine"), an object ("bend my elbow"),
        # the midline ("in the middle")
        self.locator_pre = {tuple(self.fuse(norm_words(str(w)))) for w in raw.get("locator_pre") or []}
        self.object_pre = {tuple(self.fuse(norm_words(str(w)))) for w in raw.get("object_pre") or []}
        self.midline_marks = {tuple(self.fuse(norm_words(str(w)))) for w in raw.get("midline_marks") or []}
        self.positions = {where: {tuple(self.fuse(norm_words(str(w)))) for w in ws}
                          for where, ws in (raw.get("positions") or {}).items()}
        dur = raw.get("duration") or {}
        self.duration_ago = {tuple(norm_words(str(w))) for w in dur.get("ago") or []}
        self.duration_pre = {tuple(norm_words(str(w))) for w in dur.get("pre") or []}
        self.duration_post = {tuple(norm_words(str(w))) for w in dur.get("post") or []}
        # minutes and hours that are how long one bout lasts, not how long the problem has lasted
        self.duration_episode = {tuple(self.fuse(norm_words(str(w)))) for w in dur.get("episode") or []}
        self.duration_episode_verbs = frozenset(t for w in dur.get("episode_verbs") or [] for t in norm_words(str(w)))
        self.duration_onset = frozenset(t for w in dur.get("onset") or [] for t in norm_words(str(w)))
        for weeks, words in (dur.get("fixed") or {}).items():
            for w in words:
                self._add(self.raw_index, w, Entry("duration", (str(weeks),)), raw_tokens=True)
        age = raw.get("age") or {}
        self.age_pre = {tuple(norm_words(str(w))) for w in age.get("pre") or []}
        self.age_post = {tuple(norm_words(str(w))) for w in age.get("post") or []}
        for sex, words in (raw.get("sex") or {}).items():
            for w in words:
                self._add(self.raw_index, w, Entry("sex", (sex,)), raw_tokens=True)
        for idx in (self.clinical, self.scope, self.body, self.sides, self.raw_index):
            idx.freeze()
        # single body and red-flag words for spelling correction, by length
        self.fuzzy_words: dict[int, list[tuple[str, frozenset[str], list[Entry]]]] = {}
        self.fuzzy_cache: dict[str, list[Entry] | None] = {}  # word -> correction (words only, never texts)
        for index, kinds in ((self.body, ("region", "quality")), (self.clinical, ("red_flag", "history"))):
            for w, entries in index.single.items():
                if len(w) >= 5 and w.isalpha():
                    good = [e for e in entries if e.kind in kinds]
                    if good:
                        self.fuzzy_words.setdefault(len(w), []).append((w, frozenset(w), good))
        # symmetric-delete index (SymSpell): every word with one letter (two from 8 letters) removed ->
        # the words it comes from; a misspelling is looked up through its own deletions
        self.deletes: dict[str, set[str]] = {}
        self.fuzzy_entries: dict[str, list[Entry]] = {}
        for bucket in self.fuzzy_words.values():
            for w, _letters, entries in bucket:
                self.fuzzy_entries[w] = entries
                for d in deletions(w, 1 if len(w) < 8 else 2):
                    self.deletes.setdefault(d, set()).add(w)
        self.side_words = frozenset(self.sides.single)
        self.region_words = sorted(
            {w for w, es in self.body.single.items() if any(e.kind == "region" for e in es)}
        )

    def ids(self) -> dict[str, set[str]]:
        """Every id the lexicon names, by intake field (for the tests)."""
        out: dict[str, set[str]] = {k: set() for k in ("pain", "qualities", "aggravating", "findings", "history", "red_flags")}
        raw = self.raw
        for g in raw.get("regions") or []:
            out["pain"].update(g["ids"])
            out["pain"].update(g.get("midline_side") or ())
        for key, field in (
            ("qualities", "qualities"),
            ("aggravating", "aggravating"),
            ("findings", "findings"),
            ("tests", "findings"),
            ("history", "history"),
            ("red_flags", "red_flags"),
            ("red_flags_weak", "red_flags"),
        ):
            out[field].update((raw.get(key) or {}).keys())
        return out


def norm_words(text: str) -> list[str]:
    return [t.text for t in tokenize(text)]


@lru_cache(maxsize=4)
def load_lexicon(lang: str, folder: str = LEXICON_DIR) -> Lexicon:
    import yaml

    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}")
    class _Loader(yaml.SafeLoader):
        """YAML 1.1 reads "no", "on", "yes" as booleans: here every plain scalar word stays a word."""

    _Loader.yaml_implicit_resolvers = {
        k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:bool"]
        for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    with open(os.path.join(folder, f"{lang}.yaml"), encoding="utf-8") as fh:
        raw = yaml.load(fh, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    return Lexicon(lang, raw)


def deletions(word: str, depth: int) -> set[str]:
    """The word and every string made by removing up to ``depth`` letters from it."""
    out = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))}
        out |= frontier
    return out


def damerau(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance, giving up (returning limit + 1) once it exceeds ``limit``."""
    la, lb = len(a), len(b)
    if abs(la - lb) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(lb + 1))
    for i in range(1, la + 1):
        cur = [i] + [0] * lb
        best = cur[0]
        ca = a[i - 1]
        for j in range(1, lb + 1):
            cost = 0 if ca == b[j - 1] else 1
            v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == b[j - 1]:
                v = min(v, prev2[j - 2] + 1)
            cur[j] = v
            if v < best:
                best = v
        if best > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[lb]
