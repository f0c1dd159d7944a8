"""Browser tests of the start page's free-text box (issue 14, contract "Free-text intake (1.1)"):
words typed in English and in Spanish pre-fill the safety ticks, then the body map and the answers,
then give a result; the words leave the browser only in the parse request (and in the diary request
when the person presses "keep my words in my diary"), never in an address, a cookie or storage.

The expected marks are what the words say (the side, the area, the score, how long), not the
parser's output copied; the result's top muscle is compared with the API's answer to the same
intake. Playwright drives Debian's chromium against the real app under uvicorn.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from webhelpers import serve_in_thread, shot

pytestmark = pytest.mark.browser

BUTTOCK = ("buttock-upper-inner", "buttock-upper-outer", "buttock-lower-inner", "buttock-lower-outer")
SECRET = "Zanzibar"  # a word no page, id or label contains: where it shows up, the text went


def describe(page: Any, text: str, status: int = 200) -> None:
    """Type ``text`` in the box and use it; waits for the answer of POST /api/v1/parse (422: nothing
    could be drawn, the words that could not be placed are listed)."""
    box = page.locator("[data-describe]")
    assert box.is_visible()
    page.fill("[data-describe-text]", text)
    with page.expect_response(lambda r: r.url.endswith("/api/v1/parse")) as resp:
        page.click("[data-describe-go]")
    assert resp.value.status == status, resp.value.text()
    page.wait_for_selector("[data-describe-out]:not([hidden])")
    page.wait_for_selector("[data-describe-evidence] li" if status == 200 else "[data-describe-unsure] li")


def next_step(page: Any) -> None:
    page.locator("#safety-form button[type=submit]").click()
    page.wait_for_selector("#intake-form")
    page.wait_for_selector(".describe-result")  # the pre-fill ran


def ticked_pain(page: Any) -> dict[str, str]:
    """The body-map list's ticked marks and their intensity select."""
    out = {}
    for key in page.eval_on_selector_all("#intake-form input[name=pain]:checked", "els => els.map(e => e.value)"):
        out[key] = page.input_value(f"select[name='int:{key}']")
    return out


def parse_api(base: str, text: str, lang: str) -> dict[str, Any]:
    r = httpx.post(f"{base}/api/v1/parse", json={"text": text, "lang": lang}, timeout=30)
    r.raise_for_status()
    return dict(r.json())


def top_muscle(base: str, intake: dict[str, Any], lang: str) -> str:
    r = httpx.post(f"{base}/api/v1/assess?lang={lang}", json=intake, timeout=30)
    r.raise_for_status()
    return str(r.json()["muscles"][0]["id"])


def test_english_words_prefill_the_map_and_give_a_result(live_server, page_factory):
    page = page_factory(1280, 900)
    page.goto(live_server + "/")
    text = ("Pain in my left buttock when I sit for long, 6/10, started 3 weeks ago. "
            "No fever, no pain in my right knee.")
    describe(page, text)
    # the words behind each mark are highlighted, and what was said "no" to is listed as such
    marked = page.locator("[data-describe-marked] mark").all_inner_texts()
    assert any("buttock" in m for m in marked), marked
    listed = " ".join(page.locator("[data-describe-evidence] li").all_inner_texts())
    assert "you said no" in listed and "fever" in listed.lower()
    shot(page, "20-describe-en-desktop", full_page=False)
    next_step(page)
    got = ticked_pain(page)
    # the left buttock at 6/10, nothing else ticked (the right knee was said not to hurt)
    assert set(got) == {f"{r}:left" for r in BUTTOCK}, got
    assert set(got.values()) == {"6"}
    assert page.is_checked("#agg-sitting")
    assert float(page.input_value("#f-weeks")) == pytest.approx(3, abs=0.5)
    assert "From your words" in page.inner_text(".describe-result")
    shot(page, "21-describe-en-prefilled", full_page=False)
    page.locator("#intake-form button[type=submit]").click()
    page.wait_for_selector(".triage")
    first = page.locator("article.muscle-result").first
    want = top_muscle(live_server, parse_api(live_server, text, "en")["intake"], "en")
    assert first.get_attribute("id") == "m-" + want
    assert page.errors == []


def test_spanish_words_on_a_phone(live_server, page_factory):
    page = page_factory(390, 844, locale="es-ES", is_mobile=True, has_touch=True)
    page.goto(live_server + "/")
    assert page.get_attribute("html", "lang") == "es"
    assert "Describa su dolor con sus propias palabras" in page.inner_text("[data-describe]")
    text = "Me duele el hombro derecho desde hace dos semanas, como un siete de diez, peor al levantar el brazo. Sin fiebre."
    describe(page, text)
    listed = " ".join(page.locator("[data-describe-evidence] li").all_inner_texts())
    assert "usted dijo que no" in listed
    shot(page, "22-describe-es-phone", full_page=False)
    next_step(page)
    got = ticked_pain(page)
    assert got == {"shoulder-lateral:right": "7"}, got
    assert page.is_checked("#agg-overhead-reaching")
    assert float(page.input_value("#f-weeks")) == pytest.approx(2, abs=0.5)
    assert "Según sus palabras" in page.inner_text(".describe-result")
    page.locator("#intake-form button[type=submit]").click()
    page.wait_for_selector(".triage")
    assert page.get_attribute("html", "lang") == "es"
    want = top_muscle(live_server, parse_api(live_server, text, "es")["intake"], "es")
    assert page.locator("article.muscle-result").first.get_attribute("id") == "m-" + want
    assert page.errors == []


@pytest.mark.parametrize(
    ("lang", "text", "flag"),
    [
        ("en", "my lower back hurts and since yesterday I can't pee properly", "bladder-dysfunction"),
        ("es", "me duele la espalda baja y desde ayer no puedo orinar bien", "bladder-dysfunction"),
    ],
)
def test_a_warning_sign_in_the_words_is_ticked_at_once(live_server, page_factory, lang, text, flag):
    page = page_factory(1280, 900, locale="es-ES" if lang == "es" else "en-US")
    page.goto(live_server + "/")
    alert = page.locator("#alert-emergency")
    assert alert.is_hidden()
    describe(page, text)
    assert page.is_checked(f"#rf-{flag}")
    assert alert.is_visible()  # the emergency advice shows before anything is submitted
    assert page.errors == []


def test_words_that_cannot_be_placed_are_listed(live_server, page_factory):
    page = page_factory(1280, 900)
    page.goto(live_server + "/")
    describe(page, "my knee hurts when I kneel", status=422)  # no side: nothing drawn, asked instead
    assert page.locator("[data-describe-unsure-title]").is_visible()
    unsure = " ".join(page.locator("[data-describe-unsure] li").all_inner_texts())
    assert "which side?" in unsure
    describe(page, "My left hip hurts. My knee hurts too.")  # one part placed, one asked about
    unsure = " ".join(page.locator("[data-describe-unsure] li").all_inner_texts())
    assert "which side?" in unsure
    # chromium reports the 422 answer itself on the console; nothing else may be there
    assert [e for e in page.errors if "status of 422" not in e] == []


def test_the_words_leave_the_browser_only_in_the_parse_request(live_server, page_factory):
    page = page_factory(1280, 900)
    sent: list[tuple[str, str, str]] = []
    page.on("request", lambda r: sent.append((r.method, r.url, r.post_data or "")))
    page.goto(live_server + "/")
    text = f"I was hiking near {SECRET} and now my left calf cramps at night, 4/10, for two weeks"
    describe(page, text)
    next_step(page)
    page.locator("#intake-form button[type=submit]").click()
    page.wait_for_selector(".triage")
    carrying = [(m, u) for m, u, body in sent if SECRET in u or SECRET in body]
    assert carrying == [("POST", live_server + "/api/v1/parse")], carrying
    assert all(SECRET not in u for _, u, _ in sent)
    assert all(SECRET not in c["value"] for c in page.context.cookies())
    assert page.evaluate("Object.keys(localStorage).length") == 0
    # the draft that carried the marks to the next page is gone, and it never held the whole text
    assert page.evaluate("sessionStorage.getItem('triggermap-draft')") is None
    assert SECRET not in page.content()
    assert page.errors == []


@pytest.fixture(scope="module")
def diary_server(kb: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """Single-user mode on a database of its own (the browser is on the loopback: a local diary)."""
    from triggermap.store import db
    from triggermap.web.app import create_app

    url = f"sqlite:///{Path(tmp_path_factory.mktemp('describe-diary')) / 'diary.sqlite3'}"
    with serve_in_thread(create_app(kb=kb, database_url=url)) as base:
        yield base, url
    db.dispose_engines()


def notes(url: str) -> list[str]:
    from triggermap.store import db, repo

    with db.session_scope(url, readonly=True) as s:
        return [e.note or "" for e in repo.list_entries(s, repo.get_person(s, "me"))]


def test_the_words_are_kept_only_when_saved_to_the_diary(diary_server, page_factory):
    base, url = diary_server
    page = page_factory(1280, 900)
    page.goto(base + "/")
    save = page.locator("[data-describe-save]")
    assert save.is_hidden()  # nothing to keep before the words are used
    text = f"{SECRET} day: my right thumb hurts at the base, 5 out of 10"
    describe(page, text)
    assert save.is_visible()
    with page.expect_navigation():
        save.locator("button").click()
    # the diary's quick-add form, filled from the words, and nothing saved yet
    assert page.locator("[data-from-words]").is_visible()
    assert page.input_value("#f-note") == text
    assert page.is_checked("#pain-5")
    assert page.is_checked("#r-thumb-right")
    assert not any(SECRET in n for n in notes(url))
    shot(page, "23-describe-to-diary", full_page=False)
    page.locator("#add-form button[type=submit]").click()
    page.wait_for_selector(".alert-ok")
    assert [n for n in notes(url) if SECRET in n] == [text]  # kept: the person saved it
    assert SECRET in page.inner_text("main")  # and shown in the history
    assert page.errors == []


def test_draft_is_json_of_ids_and_short_words(live_server, page_factory):
    """What the start page hands to the next page (sessionStorage, this tab only) holds ids and the
    words behind each one, not the description."""
    page = page_factory(1280, 900)
    page.goto(live_server + "/")
    text = f"I told {SECRET} that my left heel hurts in the morning, first steps are the worst"
    describe(page, text)
    draft = json.loads(page.evaluate("sessionStorage.getItem('triggermap-draft')"))
    assert set(draft) == {"intake", "evidence", "unsure"}
    assert SECRET not in json.dumps(draft)
    assert all(len(e["text"]) < len(text) for e in draft["evidence"])
    assert {p["region"] for p in draft["intake"]["pain"]} == {"heel"}
