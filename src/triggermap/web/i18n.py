"""UI language: negotiation and gettext catalogues (English and Spanish, both first-class).

UI strings live in babel/gettext catalogues, ``web/locale/{en,es}/LC_MESSAGES/messages.po``;
knowledge texts (regions, muscles, red flags...) come from the data in the chosen language.

The ``.po`` files are compiled to gettext ``.mo`` form **in memory when the app starts**
(babel's ``read_po`` + ``write_mo``, a few milliseconds, once per process). Why at load time:
no binary ``.mo`` files in git to drift out of sync with their ``.po`` source, no build
step, and an editable install or a plain checkout works as is.

Maintenance (``python -m triggermap.web.i18n``):

* ``extract``: rewrite both catalogues from the templates and Python sources, keeping
  existing translations (new strings get an empty ``msgstr`` to translate);
* ``check``: exit 1 if a catalogue is out of date or a Spanish string is missing.

Language choice, in order: ``?lang=`` (the toggle, remembered in a ``lang`` cookie), the
cookie, the browser's ``Accept-Language`` (``es*`` -> Spanish), else English.
"""

from __future__ import annotations

import gettext
import io
import sys
from functools import cache
from pathlib import Path
from typing import Any

from ..vocabulary import DEFAULT_LANG, LANG_NAMES, LANGS

__all__ = ["DEFAULT_LANG", "LANGS", "LANG_NAMES", "choose_lang", "parse_accept_language", "translations"]
WEB_DIR = Path(__file__).resolve().parent
LOCALE_DIR = WEB_DIR / "locale"
DOMAIN = "messages"


def parse_accept_language(header: str | None) -> str | None:
    """The supported language the browser prefers most (``es-MX`` -> ``es``), or None."""
    if not header:
        return None
    best: tuple[float, int, str] | None = None
    for i, part in enumerate(header.split(",")[:20]):
        piece = part.strip()
        if not piece:
            continue
        tag, _, params = piece.partition(";")
        q = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                q = float(params[2:])
            except ValueError:
                q = 0.0
        primary = tag.strip().split("-")[0].lower()
        if primary == "*":
            primary = DEFAULT_LANG
        if primary in LANGS and q > 0:
            cand = (-q, i, primary)
            if best is None or cand < best:
                best = cand
    return best[2] if best else None


def choose_lang(query: str | None, cookie: str | None, accept: str | None) -> str:
    for value in (query, cookie):
        if value in LANGS:
            return str(value)
    return parse_accept_language(accept) or DEFAULT_LANG


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(lang: str) -> gettext.NullTranslations:
    """The compiled catalogue of one language (compiled in memory from its .po file)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    path = po_path(lang)
    if not path.is_file():
        return gettext.NullTranslations()
    with open(path, "rb") as fh:
        catalog = read_po(fh, locale=lang, domain=DOMAIN)
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


def gettext_for(lang: str) -> Any:
    return translations(lang).gettext


# --- catalogue maintenance -------------------------------------------------------------

METHOD_MAP = [
    ("**.py", "python"),
    ("templates/**.html", "jinja2"),
]
OPTIONS_MAP = {"templates/**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "true"}}
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}


def extract_catalog() -> Any:
    """A babel Catalog of every UI string in the web package (templates and Python)."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir

    catalog = Catalog(project="triggermap", version="1", charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
        str(WEB_DIR), METHOD_MAP, OPTIONS_MAP, keywords={**KEYWORDS}, strip_comment_tags=True
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def _msgids(catalog: Any) -> set[Any]:
    return {m.id for m in catalog if m.id}


def update_catalogs() -> None:
    """Merge freshly extracted strings into both .po files, keeping translations."""
    from babel.messages.pofile import read_po, write_po

    template = extract_catalog()
    for lang in LANGS:
        path = po_path(lang)
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_file():
            with open(path, "rb") as fh:
                catalog = read_po(fh, locale=lang, domain=DOMAIN)
            catalog.update(template, no_fuzzy_matching=True)
            catalog.obsolete.clear()
        else:
            from babel.messages.catalog import Catalog

            catalog = Catalog(locale=lang, domain=DOMAIN, project="triggermap", version="1", charset="utf-8")
            catalog.update(template, no_fuzzy_matching=True)
        with open(path, "wb") as fh:
            write_po(fh, catalog, width=100, omit_header=False, sort_output=False, include_lineno=False)


def check_catalogs() -> list[str]:
    """Problems: strings missing from a catalogue, stale entries, untranslated Spanish."""
    from babel.messages.pofile import read_po

    problems: list[str] = []
    wanted = _msgids(extract_catalog())
    for lang in LANGS:
        path = po_path(lang)
        if not path.is_file():
            problems.append(f"{path}: missing")
            continue
        with open(path, "rb") as fh:
            catalog = read_po(fh, locale=lang, domain=DOMAIN)
        have = _msgids(catalog)
        for mid in sorted(map(str, wanted - have)):
            problems.append(f"{lang}: not in the catalogue: {mid!r}")
        for mid in sorted(map(str, have - wanted)):
            problems.append(f"{lang}: stale entry: {mid!r}")
        if lang == "es":
            for m in catalog:
                if not m.id:
                    continue
                strings = m.string if isinstance(m.string, tuple | list) else (m.string,)
                if not all(strings) or m.fuzzy:
                    problems.append(f"es: untranslated: {m.id!r}")
    return problems


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    cmd = args[0] if args else "check"
    if cmd == "extract":
        update_catalogs()
        return 0
    if cmd == "check":
        problems = check_catalogs()
        for p in problems:
            print(p)
        return 1 if problems else 0
    print("usage: python -m triggermap.web.i18n [extract|check]", file=sys.stderr)
    return 2


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
