"""The pelvis and buttock close-up of the body map: a schematic, not a drawing.

On a 360 px phone the whole-body Back view draws the areas of the low back and buttock 9 to 45 px
wide (the side of the hip 9 px, the tailbone 10 x 17 px), under the 44 x 44 CSS px a finger needs
(WCAG 2.5.5, target size). This view lays the same areas out as tiles in their anatomical order,
seen from behind (the person's left on the viewer's left, as in the Back view), each tile at least
at least 46 x 46 view units with no gap between tiles (an outline separates them); the view is
334 units wide, and on a phone the page gives it the card's full width (334 px at 360 px), so every
tile is at least 46 CSS px in each direction there.

Every tile is a region path with the same attributes as the body map's
(``data-region``, ``data-side``, ``role="checkbox"``, ``aria-checked``, ``aria-label``, a
``<title>``), so the page's script treats it as one more view. The words inside the tiles are
short names at 12.5 units (about 13 CSS px at 360 px), left out where one would not fit.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

VIEW = "pelvis"
MARGIN = 3.0
TOP = 24.0  # the L / R row
#: the column edges, in view units: six side columns of 46 and a wider midline column of 52 (the
#: spine, sacrum and tailbone, whose names are longer)
EDGES = (0.0, 46.0, 92.0, 138.0, 190.0, 236.0, 282.0, 328.0)
WIDTH = EDGES[-1] + 2 * MARGIN
FONT_SIZE = 12.5
LINE = 15.0

# rows of tiles: (height, [(region, side, x0, x1)]), x as a column edge index (int) or in units
# (float); side None = midline. Seen from behind: the person's left on the viewer's left.
_ROWS: list[tuple[float, list[tuple[str, str | None, float, float]]]] = [
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
]


def _x(edge: float) -> float:
    return MARGIN + (EDGES[edge] if isinstance(edge, int) else edge)


def N_(s: str) -> str:
    """Marks a UI string for extraction (translated when the view is drawn)."""
    return s


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
}
TITLE = N_("Pelvis and buttocks")


def tiles() -> list[tuple[str, str | None, float, float, float, float]]:
    """Each tile as (region, side, x0, y0, x1, y1) in view units; a region spanning rows
    (the sacrum, the side of the hip, the side of the thigh) is one tile, as wide as its widest row."""
    out: dict[tuple[str, str | None], list[float]] = {}
    y = TOP
    for h, row in _ROWS:
        for region, side, c0, c1 in row:
            box = [_x(c0), y, _x(c1), y + h]
            key = (region, side)
            if key in out:  # the same area in the row above: grow its tile downwards
                prev = out[key]
                prev[1], prev[3] = min(prev[1], box[1]), max(prev[3], box[3])
                prev[0], prev[2] = min(prev[0], box[0]), max(prev[2], box[2])
            else:
                out[key] = box
        y += h
    return [(r, s, b[0], b[1], b[2], b[3]) for (r, s), b in out.items()]


def height() -> float:
    return TOP + sum(h for h, _ in _ROWS) + MARGIN


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


def pelvis_svg(lang: str, label: Callable[[str, str | None], str], gettext: Callable[[str], str]) -> str:
    """The close-up's SVG. ``label(region, side)`` is the area's full name; ``gettext`` the UI's."""
    from ..charts import style as st

    w, h = WIDTH, height()
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{w:.0f}" height="{h:.0f}" '
             f'viewBox="0 0 {w:.0f} {h:.0f}" role="group" aria-labelledby="tm-{VIEW}-title tm-{VIEW}-desc" '
             f'xml:lang="{lang}" lang="{lang}" class="tile-map">',
             f'<title id="tm-{VIEW}-title">{escape(gettext(TITLE))}</title>',
             f'<desc id="tm-{VIEW}-desc">{escape(st.word(lang, "map.desc"))}</desc>']
    for mark, x in (("L", _x(1)), ("R", _x(6))):
        parts.append(f'<text x="{x:.1f}" y="17" font-size="15" font-weight="bold" fill="{st.MUTED}" '
                     f'text-anchor="middle" pointer-events="none">{escape(st.word(lang, mark))}</text>')
    texts = []
    for region, side, x0, y0, x1, y1 in tiles():
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
