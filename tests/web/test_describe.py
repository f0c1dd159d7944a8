"""The start page's "keep my words in my diary" (issue 14): ``POST /diary/words`` fills the own diary's
quick-add form from the words and stores nothing; only the diary's Save keeps them. Offered only where
a diary exists (single-user mode on this computer, or a signed-in patient)."""

from __future__ import annotations

import re
import warnings
from typing import Any

import pytest

from tmhelpers import csrf_of
from triggermap.store import db, repo

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette prefers httpx2; nothing to act on here
    from fastapi.testclient import TestClient


def entries(url: str) -> list[Any]:
    from triggermap.store.errors import NotFound

    with db.session_scope(url, readonly=True) as s:
        try:
            person = repo.get_person(s, "me")
        except NotFound:  # made on the diary's first use: refused before it, nothing at all
            return []
        return list(repo.list_entries(s, person))


def checked(html: str, name: str) -> set[str]:
    return set(re.findall(rf'<input[^>]*name="{name}" value="([^"]+)"[^>]*checked', html))


def test_start_page_offers_it_hidden_until_the_words_are_used(c):
    page = c.get("/").text
    form = re.search(r"<form[^>]*data-describe-save[^>]*>", page)
    assert form and "hidden" in form.group(0) and 'action="/diary/words"' in form.group(0)


def test_not_offered_without_a_diary(kb):
    from triggermap.web.app import create_app

    with TestClient(create_app(kb=kb), raise_server_exceptions=False) as client:  # not this computer
        assert "data-describe-save" not in client.get("/").text
    with TestClient(create_app(kb=kb, clinic=True), raise_server_exceptions=False) as client:  # not signed in
        assert "data-describe-save" not in client.get("/").text


@pytest.mark.parametrize(
    ("lang", "text", "regions", "pain"),
    [
        ("en", "my right thumb hurts at the base, 5 out of 10, no pain in my left wrist", {"thumb:right"}, {"5"}),
        ("es", "me duele la rodilla izquierda, un ocho de diez, la derecha no me duele", {"knee-anterior:left"}, {"8"}),
        ("en", "my left knee hurts when I kneel", {"knee-anterior:left"}, set()),  # no score said: none chosen
    ],
)
def test_the_words_fill_the_diary_form_and_nothing_is_stored(c, db_url, lang, text, regions, pain):
    token = csrf_of(c.get("/").text)
    r = c.post("/diary/words", data={"csrf": token, "lang": lang, "text": text})
    assert r.status_code == 200
    assert "data-from-words" in r.text
    assert re.search(r'<textarea id="f-note" name="note"[^>]*>([^<]*)</textarea>', r.text).group(1) == text
    assert checked(r.text, "region") == regions
    assert checked(r.text, "pain") == pain
    assert entries(db_url) == []
    # the diary's own Save keeps them
    pid = re.search(r'action="/diary/([^/"]+)/entries"', r.text).group(1)
    saved = c.post(f"/diary/{pid}/entries", data={"csrf": csrf_of(r.text), "date": "2026-11-30", "pain": "5",
                                                  "region": sorted(regions), "note": text}, follow_redirects=False)
    assert saved.status_code == 303
    assert [e.note for e in entries(db_url)] == [text]


def test_words_that_cannot_be_placed_still_fill_the_note(c, db_url):
    token = csrf_of(c.get("/").text)
    r = c.post("/diary/words", data={"csrf": token, "lang": "en", "text": "tired today, slept badly"})
    assert r.status_code == 200
    assert "tired today, slept badly</textarea>" in r.text
    assert checked(r.text, "region") == set() and checked(r.text, "pain") == set()
    assert entries(db_url) == []


def test_diary_words_needs_the_csrf_token(c, db_url):
    c.get("/")
    r = c.post("/diary/words", data={"lang": "en", "text": "my left knee hurts"})
    assert r.status_code == 403
    assert c.post("/diary/words", data={"csrf": "x" * 43, "lang": "en", "text": "my left knee hurts"}).status_code == 403
    assert entries(db_url) == []
