"""Touch targets on a 360 x 740 phone (issue 12): every control a finger can tap is at least
44 x 44 CSS px (WCAG 2.5.5, target size), body-map areas included; and no text inside a chart or
the body map is drawn under 12 CSS px.

What counts as a target: every link, button, form control, summary, and element with a checkbox,
radio or button role or a Tab stop, that is rendered and that the browser's own hit test reaches
at its centre (``elementFromPoint``, after scrolling it into view), so an area the page has made
untappable (pointer-events: none) is not one, and one it forgot is. A checkbox or radio counts as
big enough when it or one of its labels is (tapping the label ticks it). The measure is checked
against a 20 px button planted in the page, so the test can fail.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from webhelpers import serve_in_thread

from triggermap.web.forms import encode_intake

pytestmark = pytest.mark.browser

MIN = 44.0

#: every interactive element the browser can hit, with its size (see the module docstring)
MEASURE = r"""
() => {
  const SEL = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [role=checkbox], '
    + '[role=radio], [role=button], [tabindex]:not([tabindex="-1"])';
  const out = [];
  const box = el => { const r = el.getBoundingClientRect(); return {w: r.width, h: r.height}; };
  const hits = el => {
    el.scrollIntoView({block: 'center', inline: 'center'});
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) return false;
    const x = Math.min(Math.max(r.left + r.width / 2, 0), innerWidth - 1);
    const y = Math.min(Math.max(r.top + r.height / 2, 0), innerHeight - 1);
    const hit = document.elementFromPoint(x, y);
    return !!hit && (hit === el || el.contains(hit));
  };
  for (const el of document.querySelectorAll(SEL)) {
    if (!el.getClientRects().length || el.closest('.visually-hidden')) continue;
    const name = (el.getAttribute('aria-label') || el.textContent || el.value || el.id || '').trim().slice(0, 50);
    const what = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
      + (el.dataset.region ? `[${el.dataset.region}${el.dataset.side ? ':' + el.dataset.side : ''}]` : '');
    let sizes = [];
    if (el.tagName === 'INPUT' && (el.type === 'checkbox' || el.type === 'radio') && el.labels && el.labels.length) {
      const labels = Array.from(el.labels).filter(l => l.getClientRects().length && !l.closest('.visually-hidden'));
      const reachable = labels.filter(hits);
      if (hits(el)) reachable.push(el);
      if (!reachable.length) continue;
      sizes = reachable.map(box);
    } else {
      if (!hits(el)) continue;
      sizes = [box(el)];
    }
    const best = sizes.reduce((a, b) => Math.min(a.w, a.h) >= Math.min(b.w, b.h) ? a : b);
    out.push({what, name, w: Math.round(best.w * 10) / 10, h: Math.round(best.h * 10) / 10});
  }
  window.scrollTo(0, 0);
  return out;
}
"""

#: every visible text of an SVG in a figure (charts, body map), with its size on screen in CSS px
TEXT_SIZES = r"""
() => Array.from(document.querySelectorAll('figure svg text, [data-bodymap] svg text, .h-chart svg text, .h-overview svg text'))
  .filter(t => t.getClientRects().length && !t.closest('[hidden]'))
  .map(t => {
    const m = t.getScreenCTM();
    const px = parseFloat(getComputedStyle(t).fontSize) * (m ? Math.hypot(m.a, m.b) : 1);
    return {text: t.textContent.slice(0, 40), px: Math.round(px * 10) / 10};
  })
"""

BUTTOCK = {"version": 1, "pain": [{"region": "buttock-lower-outer", "side": "right", "intensity": 6},
                                  {"region": "buttock-upper-outer", "side": "right", "intensity": 5},
                                  {"region": "gluteal-fold", "side": "right", "intensity": 4}],
           "aggravating": ["sitting"]}


@pytest.fixture(scope="module")
def diary_server(kb: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The local app (single user on loopback) with its own diary database."""
    from triggermap.store import db
    from triggermap.web.app import create_app

    url = f"sqlite:///{tmp_path_factory.mktemp('targets') / 'diary.sqlite3'}"
    with serve_in_thread(create_app(kb=kb, database_url=url)) as base:
        yield base
    db.dispose_engines()


def phone(page_factory: Any, lang: str = "en") -> Any:
    return page_factory(360, 740, locale="es-ES" if lang == "es" else "en-US", is_mobile=True, has_touch=True)


def small_targets(page: Any) -> tuple[list[dict[str, Any]], int]:
    items = page.evaluate(MEASURE)
    return [i for i in items if i["w"] < MIN or i["h"] < MIN], len(items)


def assert_targets(page: Any, where: str, at_least: int = 3) -> int:
    small, n = small_targets(page)
    assert n >= at_least, f"{where}: only {n} targets found: the measure is broken"
    assert not small, f"{where}: {len(small)} of {n} targets under {MIN:.0f} px: " + "; ".join(
        f"{i['what']} '{i['name']}' {i['w']}x{i['h']}" for i in small[:12])
    return n


def open_all_details(page: Any) -> None:
    page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")


def test_the_measure_finds_a_small_target(live_server, page_factory):
    """The measure itself: a 20 px button planted in the page is reported, one made untappable
    is not, and a tiny checkbox passes through its big label."""
    page = phone(page_factory)
    page.goto(live_server + "/muscles")
    page.evaluate("""() => {
      // (the page's Content-Security-Policy drops style attributes: set the styles from script)
      const main = document.querySelector('main');
      const add = (html, css) => {
        const t = document.createElement('template'); t.innerHTML = html;
        const el = t.content.firstChild; Object.assign(el.style, css); main.prepend(el); return el;
      };
      add('<label for="cb">big label</label>', {display: 'block', minHeight: '48px', width: '200px'});
      add('<input type="checkbox" id="cb">', {width: '10px', height: '10px'});
      add('<button id="ghost">y</button>', {all: 'unset', display: 'block', width: '20px', height: '20px',
                                           pointerEvents: 'none'});
      add('<button id="tiny">x</button>', {all: 'unset', display: 'block', width: '20px', height: '20px'});
    }""")
    small, _ = small_targets(page)
    names = [i["what"] for i in small]
    assert "button#tiny" in names
    assert "button#ghost" not in names
    assert "input#cb" not in names


@pytest.mark.parametrize("lang", ["en", "es"])
def test_safety_step_targets(live_server, page_factory, lang):
    page = phone(page_factory, lang)
    page.goto(live_server + f"/?lang={lang}")
    page.locator("label.sg-yes-label, .yes-no label").first.tap()  # a Yes opens its questions
    assert_targets(page, "safety step", at_least=15)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_body_map_targets_in_every_view(live_server, page_factory, lang):
    """Every view of the body map at 360 px: what a finger can hit is at least 44 x 44 px; the
    buttock areas are tiles in the pelvis close-up, the map opens on it, and a tap on an area too
    small to hit opens the picker of the areas around it."""
    page = phone(page_factory, lang)
    page.goto(live_server + f"/?lang={lang}")
    page.locator("#safety-form button[type=submit]").tap()
    page.wait_for_selector("[data-bodymap]:not([hidden])")
    assert page.locator("[data-view-panel=pelvis]").is_visible()  # a phone opens on the close-up
    views = page.locator(".view-tab").evaluate_all("bs => bs.map(b => b.dataset.view)")
    assert "pelvis" in views and "back" in views
    tiles = 0
    for view in views:
        page.locator(f"button.view-tab[data-view='{view}']").tap()
        assert page.locator(f"[data-view-panel='{view}']").is_visible()
        assert_targets(page, f"body map, {view} view", at_least=10)
        if view == "pelvis":
            tiles = page.evaluate(MEASURE)
            tiles = [t for t in tiles if t["what"].startswith("path")]
        small_text = [t for t in page.evaluate(TEXT_SIZES) if t["px"] < 12]
        assert not small_text, (view, small_text[:5])
    # each area of the close-up is its own target
    assert len(tiles) == page.locator("[data-view-panel=pelvis] [data-region]").count() >= 25
    # the Back view on a phone: the tailbone is too small to tap; a tap there offers it in a picker
    page.locator("button.view-tab[data-view=back]").tap()
    coccyx = page.locator("[data-view-panel=back] [data-region=coccyx]")
    assert coccyx.get_attribute("data-small") is not None
    coccyx.scroll_into_view_if_needed()
    b = coccyx.bounding_box()
    page.touchscreen.tap(b["x"] + b["width"] / 2, b["y"] + b["height"] / 2)
    picker = page.locator("[data-picker]")
    picker.wait_for(state="visible")
    choice = picker.locator("button.picker-area[data-key=coccyx]")
    assert choice.count() == 1
    assert_targets(page, "area picker", at_least=3)
    choice.tap()
    assert page.is_checked("#p-coccyx")
    assert choice.get_attribute("aria-pressed") == "true"
    picker.locator("[data-picker-close]").tap()
    assert picker.is_hidden()
    # the list alternative, opened
    open_all_details(page)
    assert_targets(page, "body map with the list of areas open", at_least=100)
    assert page.errors == []


@pytest.mark.parametrize("lang", ["en", "es"])
def test_results_targets_and_chart_text(live_server, page_factory, lang):
    page = phone(page_factory, lang)
    page.goto(live_server + f"/results?i={encode_intake(BUTTOCK)}&lang={lang}")
    page.wait_for_selector(".triage")
    texts = page.evaluate(TEXT_SIZES)
    small_text = [t for t in texts if t["px"] < 12]
    assert not small_text, f"{len(small_text)} chart texts under 12 px: {small_text[:6]}"
    open_all_details(page)
    assert_targets(page, "results", at_least=10)
    assert page.errors == []


@pytest.mark.parametrize("path", ["/muscles", "/muscles/gluteus-medius", "/api", "/muscles/no-such-muscle"])
def test_other_pages_targets(live_server, page_factory, path):
    page = phone(page_factory)
    page.goto(live_server + path)
    open_all_details(page)
    assert_targets(page, path)
    small_text = [t for t in page.evaluate(TEXT_SIZES) if t["px"] < 12]
    assert not small_text, (path, small_text[:5])


@pytest.mark.parametrize("lang", ["en", "es"])
def test_handout_page_targets(live_server, page_factory, lang):
    page = phone(page_factory, lang)
    page.goto(live_server + f"/handout?i={encode_intake(BUTTOCK)}&lang={lang}")
    assert_targets(page, "handout page", at_least=10)
    small_text = [t for t in page.evaluate(TEXT_SIZES) if t["px"] < 12]
    assert not small_text, small_text[:5]
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert page.errors == []


def test_diary_targets(diary_server, page_factory):
    page = phone(page_factory)
    page.goto(diary_server + f"/results?i={encode_intake(BUTTOCK)}")
    page.locator("form[action='/diary/save'] button").tap()
    page.wait_for_selector("#add-form")
    page.locator("label[for=pain-4]").tap()
    page.locator("#add-form button[type=submit]").tap()
    page.wait_for_selector(".alert-ok")
    open_all_details(page)
    assert_targets(page, "diary", at_least=20)
