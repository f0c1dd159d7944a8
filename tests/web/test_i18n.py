"""UI catalogues: complete, in sync with the sources, placeholders kept; language negotiation."""

from __future__ import annotations

import re

import pytest

from triggermap.web import i18n


def test_catalogues_are_complete_and_in_sync():
    """Every UI string of the templates and Python sources is in both catalogues, and every Spanish
    one is translated (run `python -m triggermap.web.i18n extract` after changing UI strings)."""
    assert i18n.check_catalogs() == []


def test_placeholders_survive_translation():
    from babel.messages.pofile import read_po

    with open(i18n.po_path("es"), "rb") as fh:
        catalog = read_po(fh, locale="es")
    pat = re.compile(r"%\([a-z_]+\)[sd]|\{[a-z_]+\}|%%")
    for m in catalog:
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        want = sorted(pat.findall(ids[-1]))
        for s in strings:
            assert sorted(pat.findall(s)) == want, (m.id, s)


def test_spanish_catalogue_translates():
    _ = i18n.gettext_for("es")
    assert _("Check my pain") == "Evaluar mi dolor"
    assert i18n.gettext_for("en")("Check my pain") == "Check my pain"
    assert i18n.translations("es").ngettext("%(num)d muscle", "%(num)d muscles", 3) == "%(num)d músculos"


@pytest.mark.parametrize(
    ("header", "lang"),
    [
        ("es", "es"), ("es-MX", "es"), ("es-419,es;q=0.9", "es"), ("en-GB", "en"),
        ("fr-FR,fr;q=0.9,es;q=0.8,en;q=0.7", "es"), ("fr-FR,en;q=0.8,es;q=0.7", "en"),
        ("de", None), ("", None), (None, None), ("es;q=0", None), ("*", "en"), ("es;q=abc, en", "en"),
        ("EN-us", "en"),
    ],
)
def test_accept_language(header, lang):
    assert i18n.parse_accept_language(header) == lang


def test_choose_lang_order():
    assert i18n.choose_lang("es", "en", "en") == "es"
    assert i18n.choose_lang(None, "es", "en") == "es"
    assert i18n.choose_lang("xx", None, "es-CL") == "es"
    assert i18n.choose_lang(None, None, None) == "en"


def test_every_page_is_translated(client, kb):
    """No English UI string is left on the Spanish pages (spot check of the main ones)."""
    english = ["Check my pain", "Safety questions", "Where does it hurt?", "See my answer",
               "Muscle library", "What is the pain like?", "Self-care plan", "Conditions to rule out"]
    pages = [client.get("/?lang=es").text, client.post("/check?lang=es", data={}).text,
             client.post("/results?lang=es", data={"pain": ["calf:left"]}).text,
             client.get("/muscles?lang=es").text]
    for html in pages:
        text = re.sub(r"<[^>]+>", " ", html)
        for s in english:
            assert s not in text, s
