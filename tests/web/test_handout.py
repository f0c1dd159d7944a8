"""The handout (issue 12): at most two A4 pages for a typical result, as the PDF (WeasyPrint)
and as the browser prints it (GET /handout, the same markup), in English and Spanish."""

from __future__ import annotations

import contextlib
import json
import re
import zlib
from collections.abc import Iterator
from typing import Any

import pytest
from webhelpers import serve_in_thread

from triggermap.web import readability as rd
from triggermap.web.forms import encode_intake

MAX_PAGES = 2


def pdf_pages(data: bytes) -> int:
    """The page count of a PDF: the /Count of its page tree (read inside compressed object
    streams too, where WeasyPrint and chromium put it)."""
    assert data.startswith(b"%PDF")
    chunks = [data]
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        with contextlib.suppress(zlib.error):
            chunks.append(zlib.decompress(m.group(1)))
    counts = [int(n) for ch in chunks
              for n in re.findall(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)", ch)
              + re.findall(rb"/Count\s+(\d+)[^>]*?/Type\s*/Pages\b", ch)]
    assert counts, "no page tree found"
    return max(counts)


@pytest.fixture(scope="module")
def pdf_client(kb: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Its own app and database, so the PDF rate limit of other tests does not apply."""
    import warnings

    from triggermap.store import db
    from triggermap.web.app import create_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from fastapi.testclient import TestClient

    url = f"sqlite:///{tmp_path_factory.mktemp('handout') / 'h.sqlite3'}"
    with TestClient(create_app(kb=kb, database_url=url), raise_server_exceptions=False) as c:
        yield c
    db.dispose_engines()


def test_page_count_reads_a_long_pdf():
    """The counter itself: a ten-page PDF from WeasyPrint counts ten."""
    from triggermap.web.handout import render_pdf

    html = "<html><body>" + "".join(f"<p style='page-break-after: always'>page {i}</p>" for i in range(10))
    assert pdf_pages(render_pdf(html + "</body></html>")) == 10


@pytest.mark.parametrize("case", sorted(rd.TYPICAL))
def test_pdf_handout_fits_two_pages(pdf_client, case):
    for lang in ("en", "es"):
        r = pdf_client.post(f"/handout.pdf?lang={lang}", data={"intake": json.dumps(rd.TYPICAL[case])})
        assert r.status_code == 200, r.text[:300]
        n = pdf_pages(r.content)
        assert 1 <= n <= MAX_PAGES, f"{case} ({lang}): {n} pages"


def test_handout_page_has_the_plan_as_a_checklist(pdf_client):
    token = encode_intake(rd.TYPICAL["buttock"])
    r = pdf_client.get(f"/handout?i={token}&lang=es")
    assert r.status_code == 200 and '<html lang="es">' in r.text
    assert r.text.count('class="h-box"') >= 3  # a box to tick for each step of the plan
    assert "https://doi.org/" in r.text  # references as short ids, with links
    assert f'href="/results?i={token}&amp;lang=es"' in r.text
    results = pdf_client.get(f"/results?i={token}")
    assert f'href="/handout?i={token}&amp;lang=en"' in results.text  # "Print handout" opens it
    assert pdf_client.get("/handout?i=junk", follow_redirects=False).status_code == 303


@pytest.fixture(scope="module")
def print_server(kb: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from triggermap.store import db
    from triggermap.web.app import create_app

    url = f"sqlite:///{tmp_path_factory.mktemp('print') / 'p.sqlite3'}"
    with serve_in_thread(create_app(kb=kb, database_url=url)) as base:
        yield base
    db.dispose_engines()


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["en", "es"])
def test_printed_handout_fits_two_pages(print_server, page_factory, lang):
    """What chromium prints from "Print handout" (its own PDF of the print layout)."""
    page = page_factory(794, 1123, locale="es-ES" if lang == "es" else "en-US")
    for case in ("buttock", "calf"):
        page.goto(print_server + f"/handout?i={encode_intake(rd.TYPICAL[case])}&lang={lang}")
        assert page.locator("button[data-print]").is_visible()
        page.emulate_media(media="print")
        n = pdf_pages(page.pdf(format="A4", print_background=True, prefer_css_page_size=True))
        page.emulate_media(media="screen")
        assert 1 <= n <= MAX_PAGES, f"{case} ({lang}): {n} printed pages"
    assert page.errors == []
