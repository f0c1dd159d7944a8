"""The tile close-ups of the body map on the narrowest phones (issue 12): in each close-up (pelvis
and buttocks with the pubic area and groin, neck and shoulders, hands, feet) every area is at least
44 x 44 CSS px at 360 and at 320 px, measured with Playwright's bounding boxes on the page; the
tiles do not overlap and each has a dark outline against its neighbours (WCAG 1.4.11, 3:1); a tap
on a tile marks that area; the list alternative stays; and the close-ups hold every area of the
regions they show, no area twice."""

from __future__ import annotations

import itertools

import pytest
from test_accessibility import contrast
from webhelpers import open_map, shot, sized_page

from triggermap.web import closeup
from triggermap.web.i18n import translations

pytestmark = pytest.mark.browser

MIN = 44.0
TILE_VIEWS = closeup.VIEWS

#: each tile's box on the page, its stroke and fill
BOXES = r"""
(view) => Array.from(document.querySelectorAll(`[data-view-panel='${view}'] [data-region]`)).map(p => {
  const r = p.getBoundingClientRect(); const cs = getComputedStyle(p);
  return {key: p.dataset.region + (p.dataset.side ? ':' + p.dataset.side : ''), x: r.x, y: r.y, w: r.width, h: r.height,
          stroke: cs.stroke, strokeWidth: parseFloat(cs.strokeWidth), fill: cs.fill};
})
"""


def _hex(rgb: str) -> str:
    parts = [int(float(v)) for v in rgb[rgb.index("(") + 1:rgb.index(")")].split(",")[:3]]
    return "#" + "".join(f"{v:02x}" for v in parts)


def test_layouts_in_view_units():
    """Every tile at least MIN_TILE units and inside the view, no area twice, each with its name."""
    for view, layout in closeup.LAYOUTS.items():
        tiles = closeup.tiles(layout)
        keys = [(r, s) for r, s, *_ in tiles]
        assert len(keys) == len(set(keys)), view
        for r, s, x0, y0, x1, y1 in tiles:
            assert x1 - x0 >= closeup.MIN_TILE and y1 - y0 >= closeup.MIN_TILE, (view, r, s, x1 - x0, y1 - y0)
            assert x0 >= 0 and x1 <= closeup.WIDTH
    for lang in ("en", "es"):  # every tile has its short name written in it, in both languages
        gettext = translations(lang).gettext
        for view, layout in closeup.LAYOUTS.items():
            for r, s, x0, y0, x1, y1 in closeup.tiles(layout):
                assert closeup._lines(gettext(closeup.SHORT[r]), x1 - x0, y1 - y0), (lang, view, r, s)
    pelvis = {r for r, *_ in closeup.tiles(closeup.PELVIS)}
    assert {"pubic", "groin", "coccyx", "perineum"} <= pelvis


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("width", [360, 320])
def test_every_tile_is_a_finger_target(live_server, page_factory, width, lang):
    page = sized_page(page_factory, width, lang)
    open_map(page, live_server + f"/?lang={lang}", width)
    measured = {}
    for view in TILE_VIEWS:
        page.locator(f"button.view-tab[data-view='{view}']").tap()
        panel = page.locator(f"[data-view-panel='{view}']")
        assert panel.is_visible()
        boxes = page.evaluate(BOXES, view)
        assert len(boxes) == len(closeup.tiles(closeup.LAYOUTS[view]))
        small = [b for b in boxes if b["w"] < MIN or b["h"] < MIN]
        assert not small, f"{view} at {width} px: " + "; ".join(f"{b['key']} {b['w']:.1f}x{b['h']:.1f}" for b in small)
        # Playwright's own boundingBox agrees with the page's numbers
        first = panel.locator("[data-region]").first.bounding_box()
        assert first is not None and min(first["width"], first["height"]) >= MIN
        for a, b in itertools.combinations(boxes, 2):  # neighbours share an edge, never overlap
            ox = min(a["x"] + a["w"], b["x"] + b["w"]) - max(a["x"], b["x"])
            oy = min(a["y"] + a["h"], b["y"] + b["h"]) - max(a["y"], b["y"])
            assert ox <= 0.5 or oy <= 0.5, (view, a["key"], b["key"])
        for b in boxes:
            assert b["strokeWidth"] >= 1.5, b
            assert contrast(_hex(b["stroke"]), _hex(b["fill"])) >= 3.0, b
        measured[view] = min(min(b["w"], b["h"]) for b in boxes)
        # no tile is hidden from the finger: the tap lands on the tile itself and marks it
        tile = panel.locator("[data-region]").nth(len(boxes) // 2)
        key = tile.evaluate("p => p.dataset.region + (p.dataset.side ? ':' + p.dataset.side : '')")
        tile.tap()
        assert tile.get_attribute("aria-checked") == "true", (view, key)
        assert page.is_checked(f"#p-{key.replace(':', '-')}")
        tile.tap()  # moderate
        if (width, lang) == (360, "en") or (width, lang, view) == (320, "es", "pelvis"):
            page.evaluate("v => document.querySelector(`[data-view-panel='${v}']`).scrollIntoView({block: 'center'})",
                          view)
            shot(page, f"35-{lang}-{width}-close-up-{view}", full_page=False)
        tile.tap()  # severe
        tile.tap()  # cleared
        assert tile.get_attribute("aria-checked") == "false", (view, key)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    # the list alternative is still there, below the map
    assert page.locator("details[data-region-list] input[name=pain]").count() >= 100
    assert page.errors == []
    print(f"smallest tile at {width} px ({lang}):", {v: round(m, 1) for v, m in measured.items()})
