"""The tile close-ups of the body map: schematics, not drawings.

On a 360 px phone the whole-body views draw many areas 9 to 45 px wide (the side of the hip 9 px,
the tailbone 10 x 17 px), under the 44 x 44 CSS px a finger needs (WCAG 2.5.5, target size). Each
close-up here (pelvis and buttocks, neck and shoulders, hands, feet) lays the areas of one part of
the body out as tiles in their anatomical order, the person's left on the viewer's left (as in the
Back view, with L and R written above), each tile at least 46 x 46 view units with no gap between
tiles (an outline separates them). A view is 334 units wide, and on a phone the page draws it the
screen's full width (see app.css), so every tile is at least 46 x 320 / 334 = 44.1 CSS px in each
direction at 320 px, and 49.6 px at 360 px.

Every tile is a region path with the same attributes as the body map's (``data-region``,
``data-side``, ``role="checkbox"``, ``aria-checked``, ``aria-label``, a ``<title>``), so the page's
script treats it as one more view. The words inside the tiles are short names at 12.5 units
(13.5 CSS px at 360 px, 12 px at 320 px; tests/web/test_closeups.py checks each tile has them); a caption row names the side of the body a
group of rows is seen from (the front of the pelvis, the palm).
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import NamedTuple

MARGIN = 3.0
TOP = 24.0  # the L / R row
WIDTH = 328.0 + 2 * MARGIN
FONT_SIZE = 12.5
LINE = 15.0
CAPTION = 22.0  # the height of a caption row
#: the smallest tile, in view units (tests/web/test_touch_targets.py measures it on the page)
MIN_TILE = 46.0


def N_(s: str) -> str:
    """Marks a UI string for extraction (translated when the view is drawn)."""
    return s


#: a row of tiles: (height, [(region, side, x0, x1)]), x as a column edge index (int) or in units
#: (float); side None = midline. A caption row: (height, the caption).
Row = tuple[float, list[tuple[str, str | None, float, float]] | str]


class Layout(NamedTuple):
    view: str
    title: str
    edges: tuple[float, ...]  # the column edges, in view units, from 0 to 328
    rows: list[Row]


def _even(n: int) -> tuple[float, ...]:
    return tuple(round(328.0 * i / n, 2) for i in range(n + 1))


#: six side columns of 46 and a wider midline column of 52 (the spine, sacrum and tailbone)
_SEVEN = (0.0, 46.0, 92.0, 138.0, 190.0, 236.0, 282.0, 328.0)

PELVIS = Layout("pelvis", N_("Pelvis and buttocks"), _SEVEN, [
    (52.0, [("flank", "left", 0, 60.0), ("low-back", "left", 60.0, 130.0), ("lumbar-spine", None, 130.0, 198.0),
            ("low-back", "right", 198.0, 268.0), ("flank", "right", 268.0, 7)]),
    (46.0, [("iliac-crest", "left", 0, 2), ("sacroiliac", "left", 2, 3), ("sacrum", None, 3, 4),
            ("sacroiliac", "right", 4, 5), ("iliac-crest", "right", 5, 7)]),
    (56.0, [("hip-lateral", "left", 0, 1), ("buttock-upper-outer", "left", 1, 2),
            ("buttock-upper-inner", "left", 2, 3), ("sacrum", None, 3, 4),
            ("buttock-upper-inner", "right", 4, 5), ("buttock-upper-outer", "right", 5, 6),
            ("hip-lateral", "right", 6, 7)]),
    (56.0, [("hip-lateral", "left", 0, 1), ("buttock-lower-outer", "left", 1, 2),
            ("buttock-lower-inner", "left", 2, 3), ("coccyx", None, 3, 4),
            ("buttock-lower-inner", "right", 4, 5), ("buttock-lower-outer", "right", 5, 6),
            ("hip-lateral", "right", 6, 7)]),
    (46.0, [("thigh-lateral", "left", 0, 1), ("gluteal-fold", "left", 1, 3), ("perineum", None, 3, 4),
            ("gluteal-fold", "right", 4, 6), ("thigh-lateral", "right", 6, 7)]),
    (64.0, [("thigh-lateral", "left", 0, 1), ("thigh-posterior", "left", 1, 3),
            ("thigh-posterior", "right", 4, 6), ("thigh-lateral", "right", 6, 7)]),
    (CAPTION, N_("Front")),
    (50.0, [("groin", "left", 0, 3), ("pubic", None, 3, 4), ("groin", "right", 4, 7)]),
])

#: two side columns and the spine: wide enough for two-word names
_FIVE = (0.0, 64.0, 132.0, 196.0, 264.0, 328.0)

NECK = Layout("neck-shoulders", N_("Neck and shoulders"), _FIVE, [
    (50.0, [("neck-lateral", "left", 0, 1), ("suboccipital", "left", 1, 2), ("cervical-spine", None, 2, 3),
            ("suboccipital", "right", 3, 4), ("neck-lateral", "right", 4, 5)]),
    (50.0, [("neck-lateral", "left", 0, 1), ("neck-posterior", "left", 1, 2), ("cervical-spine", None, 2, 3),
            ("neck-posterior", "right", 3, 4), ("neck-lateral", "right", 4, 5)]),
    (50.0, [("shoulder-lateral", "left", 0, 1), ("shoulder-top", "left", 1, 2), ("thoracic-spine", None, 2, 3),
            ("shoulder-top", "right", 3, 4), ("shoulder-lateral", "right", 4, 5)]),
    (50.0, [("shoulder-back", "left", 0, 1), ("scapula-upper", "left", 1, 2), ("thoracic-spine", None, 2, 3),
            ("scapula-upper", "right", 3, 4), ("shoulder-back", "right", 4, 5)]),
    (50.0, [("scapula", "left", 0, 1), ("interscapular", "left", 1, 2), ("thoracic-spine", None, 2, 3),
            ("interscapular", "right", 3, 4), ("scapula", "right", 4, 5)]),
    (50.0, [("axilla", "left", 0, 1), ("interscapular", "left", 1, 2), ("thoracic-spine", None, 2, 3),
            ("interscapular", "right", 3, 4), ("axilla", "right", 4, 5)]),
    (CAPTION, N_("Front")),
    (50.0, [("shoulder-front", "left", 0, 1), ("neck-front", "left", 1, 2), ("throat", None, 2, 3),
            ("neck-front", "right", 3, 4), ("shoulder-front", "right", 4, 5)]),
    (50.0, [("chest-upper", "left", 0, 2), ("sternum", None, 2, 3), ("chest-upper", "right", 3, 5)]),
])

HANDS = Layout("hands", N_("Hands"), (0.0, 62.0, 114.0, 164.0, 214.0, 266.0, 328.0), [
    (56.0, [("fingers-ulnar", "left", 0, 1), ("fingers-radial", "left", 1, 2), ("thumb", "left", 2, 3),
            ("thumb", "right", 3, 4), ("fingers-radial", "right", 4, 5), ("fingers-ulnar", "right", 5, 6)]),
    (CAPTION, N_("Palm side")),
    (52.0, [("palm", "left", 0, 3), ("palm", "right", 3, 6)]),
    (50.0, [("wrist-front", "left", 0, 3), ("wrist-front", "right", 3, 6)]),
    (CAPTION, N_("Back of the hand")),
    (52.0, [("hand-back", "left", 0, 3), ("hand-back", "right", 3, 6)]),
    (50.0, [("wrist-back", "left", 0, 3), ("wrist-back", "right", 3, 6)]),
])

FEET = Layout("feet", N_("Feet"), _even(6), [
    (CAPTION, N_("Top of the foot")),
    (50.0, [("lesser-toes", "left", 0, 2), ("big-toe", "left", 2, 3), ("big-toe", "right", 3, 4),
            ("lesser-toes", "right", 4, 6)]),
    (52.0, [("foot-dorsum", "left", 0, 3), ("foot-dorsum", "right", 3, 6)]),
    (50.0, [("ankle-lateral", "left", 0, 82.0), ("ankle-medial", "left", 82.0, 3),
            ("ankle-medial", "right", 3, 246.0), ("ankle-lateral", "right", 246.0, 6)]),
    (CAPTION, N_("Back and sole")),
    (50.0, [("achilles", "left", 0, 3), ("achilles", "right", 3, 6)]),
    (52.0, [("heel", "left", 0, 3), ("heel", "right", 3, 6)]),
    (52.0, [("sole", "left", 0, 3), ("sole", "right", 3, 6)]),
])

LAYOUTS: dict[str, Layout] = {lay.view: lay for lay in (PELVIS, NECK, HANDS, FEET)}
VIEWS = tuple(LAYOUTS)
#: kept for the callers of the first close-up
VIEW = PELVIS.view
TITLE = PELVIS.title


def _x(layout: Layout, edge: float) -> float:
    return MARGIN + (layout.edges[edge] if isinstance(edge, int) else edge)


#: short names inside the tiles (UI strings; the full name is the tile's title and label)
SHORT: dict[str, str] = {
    "flank": N_("Flank"),
    "low-back": N_("Low back"),
    "lumbar-spine": N_("Spine"),
    "iliac-crest": N_("Hip bone"),
    "sacroiliac": N_("SI joint"),
    "sacrum": N_("Sacrum"),
    "hip-lateral": N_("Side of hip"),
    "coccyx": N_("Tail-bone"),
    "buttock-upper-outer": N_("Upper outer"),
    "buttock-upper-inner": N_("Upper inner"),
    "buttock-lower-outer": N_("Lower outer"),
    "buttock-lower-inner": N_("Lower inner"),
    "gluteal-fold": N_("Buttock crease"),
    "perineum": N_("Crotch"),
    "thigh-lateral": N_("Side of thigh"),
    "thigh-posterior": N_("Back of thigh"),
    "groin": N_("Groin"),
    "pubic": N_("Pubic"),
    "neck-lateral": N_("Side of neck"),
    "suboccipital": N_("Base of skull"),
    "cervical-spine": N_("Spine"),
    "neck-posterior": N_("Back of neck"),
    "shoulder-lateral": N_("Outer shoulder"),
    "shoulder-top": N_("Top of shoulder"),
    "thoracic-spine": N_("Spine"),
    "shoulder-back": N_("Back of shoulder"),
    "scapula-upper": N_("Above blade"),
    "interscapular": N_("Between blades"),
    "axilla": N_("Armpit"),
    "scapula": N_("Shoulder blade"),
    "shoulder-front": N_("Front of shoulder"),
    "neck-front": N_("Front of neck"),
    "throat": N_("Throat"),
    "chest-upper": N_("Upper chest"),
    "sternum": N_("Breast-bone"),
    "fingers-ulnar": N_("Ring, little"),
    "fingers-radial": N_("Index, middle"),
    "thumb": N_("Thumb"),
    "palm": N_("Palm"),
    "wrist-front": N_("Wrist"),
    "hand-back": N_("Back of hand"),
    "wrist-back": N_("Wrist"),
    "lesser-toes": N_("Other toes"),
    "big-toe": N_("Big toe"),
    "foot-dorsum": N_("Top of foot"),
    "ankle-lateral": N_("Outer ankle"),
    "ankle-medial": N_("Inner ankle"),
    "achilles": N_("Achilles"),
    "heel": N_("Heel"),
    "sole": N_("Sole"),
}


def tiles(layout: Layout = PELVIS) -> list[tuple[str, str | None, float, float, float, float]]:
    """Each tile as (region, side, x0, y0, x1, y1) in view units; a region spanning rows
    (the sacrum, the side of the hip, the side of the thigh) is one tile, as wide as its widest row."""
    out: dict[tuple[str, str | None], list[float]] = {}
    y = TOP
    for h, row in layout.rows:
        if isinstance(row, str):
            y += h
            continue
        for region, side, c0, c1 in row:
            box = [_x(layout, c0), y, _x(layout, c1), y + h]
            key = (region, side)
            if key in out:  # the same area in the row above: grow its tile downwards
                prev = out[key]
                prev[1], prev[3] = min(prev[1], box[1]), max(prev[3], box[3])
                prev[0], prev[2] = min(prev[0], box[0]), max(prev[2], box[2])
            else:
                out[key] = box
        y += h
    return [(r, s, b[0], b[1], b[2], b[3]) for (r, s), b in out.items()]


def captions(layout: Layout) -> list[tuple[str, float]]:
    """Each caption row's text and the y of its baseline."""
    out, y = [], TOP
    for h, row in layout.rows:
        if isinstance(row, str):
            out.append((row, y + h - 6))
        y += h
    return out


def height(layout: Layout = PELVIS) -> float:
    return TOP + sum(h for h, _ in layout.rows) + MARGIN


def _lines(text: str, width: float, height: float) -> list[str] | None:
    """``text`` on as few lines as fit in the tile (``width`` x ``height``), or None."""
    from ..charts.style import text_width

    words = text.replace("-", "- ").split()
    room = width - 2
    lines: list[str] = []
    for word in words:
        if lines and text_width(lines[-1] + " " + word, FONT_SIZE) <= room:
            lines[-1] = lines[-1] + " " + word
        else:
            lines.append(word)
    lines = [ln.replace("- ", "-") for ln in lines]
    if any(text_width(ln, FONT_SIZE) > room for ln in lines) or len(lines) * LINE > height - 6:
        return None
    return lines


def tile_svg(view: str, lang: str, label: Callable[[str, str | None], str], gettext: Callable[[str], str]) -> str:
    """A close-up's SVG. ``label(region, side)`` is the area's full name; ``gettext`` the UI's."""
    from ..charts import style as st

    layout = LAYOUTS[view]
    w, h = WIDTH, height(layout)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{w:.0f}" height="{h:.0f}" '
             f'viewBox="0 0 {w:.0f} {h:.0f}" role="group" aria-labelledby="tm-{view}-title tm-{view}-desc" '
             f'xml:lang="{lang}" lang="{lang}" class="tile-map">',
             f'<title id="tm-{view}-title">{escape(gettext(layout.title))}</title>',
             f'<desc id="tm-{view}-desc">{escape(st.word(lang, "map.desc"))}</desc>']
    n = len(layout.edges) - 1
    for mark, x in (("L", (_x(layout, 0) + _x(layout, 1)) / 2), ("R", (_x(layout, n - 1) + _x(layout, n)) / 2)):
        parts.append(f'<text x="{x:.1f}" y="17" font-size="15" font-weight="bold" fill="{st.MUTED}" '
                     f'text-anchor="middle" pointer-events="none">{escape(st.word(lang, mark))}</text>')
    for text, y in captions(layout):
        parts.append(f'<text x="{w / 2:.1f}" y="{y:.1f}" font-size="{FONT_SIZE}" font-weight="bold" fill="{st.MUTED}" '
                     f'text-anchor="middle" pointer-events="none">{escape(gettext(text))}</text>')
    texts = []
    for region, side, x0, y0, x1, y1 in tiles(layout):
        name = label(region, side)
        attrs = f' data-side="{side}"' if side else ""
        d = f"M{x0:.1f} {y0:.1f}H{x1:.1f}V{y1:.1f}H{x0:.1f}Z"
        parts.append(f'<path d="{d}" fill="{st.BODY_FILL}" class="tm-region tm-tile" data-region="{region}"{attrs} '
                     f'role="checkbox" aria-checked="false" tabindex="0" aria-label="{escape(name)}">'
                     f"<title>{escape(name)}</title></path>")
        short = SHORT.get(region)
        lines = _lines(gettext(short), x1 - x0, y1 - y0) if short else None
        if lines:
            cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
            top = cy - (len(lines) - 1) * LINE / 2 + 4.5
            for i, line in enumerate(lines):
                texts.append(f'<text x="{cx:.1f}" y="{top + i * LINE:.1f}" font-size="{FONT_SIZE}" fill="{st.INK}" '
                             f'text-anchor="middle" pointer-events="none" aria-hidden="true">{escape(line)}</text>')
    parts += texts
    parts.append("</svg>")
    return "".join(parts)


def pelvis_svg(lang: str, label: Callable[[str, str | None], str], gettext: Callable[[str], str]) -> str:
    """The pelvis and buttock close-up (see :func:`tile_svg`)."""
    return tile_svg(PELVIS.view, lang, label, gettext)
