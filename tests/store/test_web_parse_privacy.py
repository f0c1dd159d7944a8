"""Issue 14: "the text is never logged or stored unless the person saves it to the diary", against a
real server process: uvicorn at its most verbose (trace level, access log) on a SQLite database.
A description goes through the parse API (good and refused requests) and through the diary's
"keep my words" form; neither the server's output nor any file of the database holds it. Then the
person saves the entry, and the database holds it exactly once (which also shows the search would
have found it)."""

from __future__ import annotations

import os
import re
import signal
import sys
from pathlib import Path

import httpx
import pytest

from triggermap.store import db, repo

from .test_web_durability import _wait_up, start_server

SECRET = "Quetzalcoatl-7731"


def database_bytes(url: str) -> bytes:
    """Every file of the SQLite database (main file, WAL, shared memory, journal)."""
    path = Path(url.removeprefix("sqlite:///"))
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*") if p.is_file())


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_description_is_neither_logged_nor_stored_unless_saved(db_url):
    en = f"my left knee hurts when I climb stairs, 6/10, since {SECRET} visited, no fever"
    es = f"me duele la rodilla izquierda al subir escaleras desde que vino {SECRET}, un seis, sin fiebre"
    cmd = [sys.executable, "-m", "uvicorn", "--factory", "triggermap.web.app:create_app", "--port", "{port}",
           "--log-level", "trace", "--access-log"]
    proc, base = start_server(db_url, cmd)
    try:
        _wait_up(proc, base)
        with httpx.Client(base_url=base, timeout=30) as http:
            for text, lang in ((en, "en"), (es, "es")):
                r = http.post("/api/v1/parse", json={"text": text, "lang": lang})
                assert r.status_code == 200, r.text
                assert r.json()["intake"]["pain"]  # the words really were read
            for body in ({"text": en, "lang": "xx"}, {"text": en * 400, "lang": "en"}, {"text": f"{SECRET}", "lang": "en"}):
                r = http.post("/api/v1/parse", json=body)
                assert r.status_code == 422
                assert SECRET not in r.json().get("message", "")
            page = http.get("/")
            token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
            r = http.post("/diary/words", data={"csrf": token, "lang": "en", "text": en})
            assert r.status_code == 200 and SECRET in r.text  # the diary form, filled, for the person to check
            assert SECRET.encode() not in database_bytes(db_url)
            with db.session_scope(db_url, readonly=True) as s:
                assert repo.list_entries(s, repo.get_person(s, "me")) == []
            # the person saves it: now, and only now, it is kept
            pid = re.search(r'action="/diary/([^/"]+)/entries"', r.text).group(1)
            saved = http.post(f"/diary/{pid}/entries", data={"csrf": token, "date": "2026-12-01", "pain": "6",
                                                             "region": "knee-anterior:left", "note": en})
            assert saved.status_code == 303, saved.text
        with db.session_scope(db_url, readonly=True) as s:
            assert [e.note for e in repo.list_entries(s, repo.get_person(s, "me"))] == [en]
        assert SECRET.encode() in database_bytes(db_url)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    log = (out + err).decode()
    assert "POST /api/v1/parse" in log and "POST /diary/words" in log and "TRACE" in log  # both logs were on
    assert SECRET not in log
    assert "rodilla" not in log and "knee" not in log
