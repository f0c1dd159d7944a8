"""SVG charts: the clickable body map, the muscle (trigger-point) chart, the pain drawing and the
assessment chart.

Output is deterministic (fixed number formatting, stable ordering, no timestamps or random ids),
valid XML, and accessible: the root has a ``<title>``/``<desc>``; every region path carries
``data-region`` (and ``data-side`` for lateral regions) and a ``<title>`` in the chosen language.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..vocabulary import BODY_SIDES, INTENSITY_MAX, INTENSITY_MIN, did_you_mean
from ..vocabulary import SIDES as MARK_SIDES
from . import style as st

if TYPE_CHECKING:
    from ..knowledge.entities import Knowledge, Muscle
from .geometry import (
    BODY_VIEWS,
    CLOSE_UPS,
    SIDES,
    VIEWS,
    Point,
    RegionShape,
    View,
    fmt,
    get_view,
    muscle_tp_points,
    region_meta,
    tp_point,
)

LATERAL_FOCUS = frozenset({"hip-lateral", "thigh-lateral", "knee-lateral", "leg-lateral", "ankle-lateral"})
MAX_MUSCLES = len(st.MUSCLE_COLOURS)
LOWER_BODY_TOP = 240.0  # crop line of lower-body charts (view units, just above the lowest ribs)
TRIM_BELOW = 600.0  # muscle charts whose zones end above this (the knees) are cut below them



class ChartError(ValueError):
    """Bad input to a chart. ``field`` names the offending input; the message says what is allowed."""

    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


# --------------------------------------------------------------------------- helpers


def esc(s: str) -> str:
    """Escape text and attribute values for XML."""
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _check_lang(lang: str) -> str:
    if lang not in st.LANGS:
        raise ChartError("lang", f"{lang!r} is not a supported language; allowed: {', '.join(st.LANGS)}")
    return lang


def _check_view(view: str) -> str:
    if view not in VIEWS:
        raise ChartError("view", f"{view!r} is not a view; allowed: {', '.join(VIEWS)}")
    return view


def region_title(region: str, side: str | None, lang: str) -> str:
    """The region's name in ``lang``, with the side for lateral regions."""
    label = region_meta()[region]["label"][lang]
    return f"{label} ({st.word(lang, side)})" if side else label


def _text_width(s: str, size: float, bold: bool = False) -> float:
    return st.text_width(s, size, bold)


def _label_offsets(points: Sequence[Point], r: float = 9.0) -> list[tuple[float, float, str]]:
    """For each X mark, where to put its number: the corner farthest from the other marks."""
    cands = ((r, -r * 0.8, "start"), (r, r * 1.6, "start"), (-r, -r * 0.8, "end"), (-r, r * 1.6, "end"))
    placed: list[Point] = []
    out = []
    for i, (x, y) in enumerate(points):
        others = [p for j, p in enumerate(points) if j != i] + placed

        def score(c: tuple[float, float, str], x: float = x, y: float = y,
                  others: list[Point] = others) -> float:
            lx, ly = x + c[0] + (4 if c[2] == "start" else -4), y + c[1] - 4
            return min((abs(lx - ox) + abs(ly - oy) for ox, oy in others), default=1e9)

        best = max(cands, key=score)  # first wins ties: upper right
        placed.append((x + best[0], y + best[1]))
        out.append(best)
    return out


def _wrap(s: str, size: float, width: float) -> list[str]:
    words = s.split()
    lines: list[str] = []
    cur = ""
    for w in words:
        trial = f"{cur} {w}".strip()
        if cur and _text_width(trial, size) > width:
            lines.append(cur)
            cur = w
        else:
            cur = trial
    if cur:
        lines.append(cur)
    return lines


def _text(x: float, y: float, s: str, size: float, *, weight: str = "normal", fill: str = st.INK,
          anchor: str = "start", italic: bool = False, halo: bool = False) -> str:
    attrs = (f'x="{fmt(x)}" y="{fmt(y)}" font-size="{fmt(size)}" font-family="{st.FONT}" fill="{fill}"'
             + (f' font-weight="{weight}"' if weight != "normal" else "")
             + (f' text-anchor="{anchor}"' if anchor != "start" else "")
             + (' font-style="italic"' if italic else ""))
    if halo:
        return (f'<text {attrs} stroke="#ffffff" stroke-width="{fmt(size * 0.28)}" stroke-linejoin="round">'
                f"{esc(s)}</text><text {attrs}>{esc(s)}</text>")
    return f"<text {attrs}>{esc(s)}</text>"


def _document(width: float, height: float, title: str, desc: str, lang: str, body: Sequence[str],
              defs: str = "", role: str = "img", prefix: str = "tm", declaration: bool = True) -> str:
    return (
        ('<?xml version="1.0" encoding="UTF-8"?>\n' if declaration else "")
        + f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{fmt(width)}" height="{fmt(height)}" '
        f'viewBox="0 0 {fmt(width)} {fmt(height)}" role="{role}" aria-labelledby="{prefix}-title {prefix}-desc" '
        f'xml:lang="{lang}" lang="{lang}">'
        f'<title id="{prefix}-title">{esc(title)}</title><desc id="{prefix}-desc">{esc(desc)}</desc>'
        + (f"<defs>{defs}</defs>" if defs else "")
        + f'<rect width="{fmt(width)}" height="{fmt(height)}" fill="#ffffff"/>'
        + "".join(body)
        + "</svg>\n"
    )


def _fade_defs(prefix: str) -> str:
    return (f'<linearGradient id="{prefix}-fade" x1="0" y1="0" x2="0" y2="1">'
            '<stop offset="0" stop-color="#ffffff" stop-opacity="1"/>'
            '<stop offset="1" stop-color="#ffffff" stop-opacity="0"/></linearGradient>')


def _stipple_defs(prefix: str) -> str:
    # spillover: red dots on a faint wash, in a fixed (user-space) grid so adjacent regions line up
    return _fade_defs(prefix) + (
        f'<pattern id="{prefix}-stipple" patternUnits="userSpaceOnUse" width="6" height="6">'
        f'<rect width="6" height="6" fill="{st.SPILLOVER_WASH}"/>'
        f'<circle cx="1.5" cy="1.5" r="1.1" fill="{st.SPILLOVER}"/>'
        f'<circle cx="4.5" cy="4.5" r="1.1" fill="{st.SPILLOVER}"/></pattern>'
    )


def _hatch_defs(prefix: str) -> str:
    return (
        f'<pattern id="{prefix}-hatch" patternUnits="userSpaceOnUse" width="6" height="6" '
        f'patternTransform="rotate(45)"><rect width="6" height="6" fill="none"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="#5f5a55" stroke-width="1.6"/></pattern>'
    )


def _x_mark(x: float, y: float, r: float, colour: str = st.TRP, width: float = 2.6) -> str:
    d = f"M{fmt(x - r)} {fmt(y - r)}L{fmt(x + r)} {fmt(y + r)}M{fmt(x - r)} {fmt(y + r)}L{fmt(x + r)} {fmt(y - r)}"
    return (f'<path d="{d}" stroke="#ffffff" stroke-width="{fmt(width + 2.4)}" stroke-linecap="round" fill="none"/>'
            f'<path d="{d}" stroke="{colour}" stroke-width="{fmt(width)}" stroke-linecap="round" fill="none"/>')


# --------------------------------------------------------------------------- regions


def _region_path(shape: RegionShape, fill: str, lang: str, extra: str = "", stroke: str | None = None) -> str:
    side = f' data-side="{shape.side}"' if shape.side else ""
    s = stroke or fill
    return (f'<path d="{shape.d}" fill="{fill}" stroke="{s}" stroke-width="0.7" stroke-linejoin="round" '
            f'class="tm-region" data-region="{shape.region}"{side}{extra}>'
            f"<title>{esc(region_title(shape.region, shape.side, lang))}</title></path>")


def _body_layers(view: View, fills: Mapping[tuple[str, str | None], str], lang: str, *,
                 grid: str | None = "#d9d0c5", extra: Mapping[tuple[str, str | None], str] | None = None) -> list[str]:
    """The regions (filled), the region grid, anatomical details and the outline of one view."""
    out = ['<g class="tm-regions">']
    for shape in _reading_order(view):
        fill = fills.get(shape.key, st.BODY_FILL)
        out.append(_region_path(shape, fill, lang, (extra or {}).get(shape.key, "")))
    out.append("</g>")
    if grid:
        out.append(f'<path d="{view.grid}" fill="none" stroke="{grid}" stroke-width="0.6" class="tm-grid" '
                   'pointer-events="none"/>')
    out.append(f'<path d="{view.details}" fill="none" stroke="{st.DETAIL}" stroke-width="0.8" '
               'stroke-linecap="round" class="tm-details" pointer-events="none"/>')
    out.append(f'<path d="{view.outline}" fill="none" stroke="{st.OUTLINE}" stroke-width="1.4" '
               'stroke-linejoin="round" class="tm-outline" pointer-events="none"/>')
    return out


def _reading_order(view: View) -> list[RegionShape]:
    """Regions top to bottom, then left to right (the keyboard's tab order on the body map)."""
    return sorted(view.regions, key=lambda r: (round(r.center[1] / 24), r.center[0], r.region, r.side or ""))


class _Panel:
    """A view placed on the page: page = (view - (0, crop_top)) * scale + (x, y)."""

    def __init__(self, view: View, x: float, y: float, scale: float, crop: tuple[float, float]):
        self.view = view
        self.x = x
        self.y = y
        self.scale = scale
        self.crop = crop

    @property
    def width(self) -> float:
        return self.view.width * self.scale

    @property
    def height(self) -> float:
        return (self.crop[1] - self.crop[0]) * self.scale

    def page(self, p: Point) -> Point:
        return (self.x + p[0] * self.scale, self.y + (p[1] - self.crop[0]) * self.scale)

    def open(self, prefix: str) -> str:
        cid = f"{prefix}-clip-{self.view.name}"
        c0, c1 = self.crop
        return (f'<clipPath id="{cid}"><rect x="0" y="{fmt(c0)}" width="{fmt(self.view.width)}" '
                f'height="{fmt(c1 - c0)}"/></clipPath>'
                f'<g class="tm-view" data-view="{self.view.name}" '
                f'transform="translate({fmt(self.x)} {fmt(self.y - c0 * self.scale)}) scale({self.scale:.4f})">'
                f'<g clip-path="url(#{cid})">')

    def close(self, prefix: str) -> str:
        out = []
        # fade the cut edges of a cropped figure into the page
        c0, c1 = self.crop
        w = fmt(self.view.width + 4)
        if c0 > 0:
            out.append(f'<rect x="-2" y="{fmt(c0 - 1)}" width="{w}" height="46" fill="url(#{prefix}-fade)" '
                       'pointer-events="none"/>')
        if c1 < self.view.height:
            out.append(f'<rect x="-2" y="{fmt(c1 - 45)}" width="{w}" height="46" fill="url(#{prefix}-fade)" '
                       f'transform="rotate(180 {fmt(self.view.width / 2)} {fmt(c1 - 22)})" pointer-events="none"/>')
        return "".join(out) + "</g></g>"


def _layout(views: Sequence[str], crop: tuple[float, float], scale: float, x0: float, y0: float,
            gap: float) -> list[_Panel]:
    panels = []
    x = x0
    for name in views:
        v = get_view(name)
        panels.append(_Panel(v, x, y0, scale, crop))
        x += v.width * scale + gap
    return panels


def _panel_labels(panel: _Panel, lang: str) -> list[str]:
    v = panel.view
    out = [_text(panel.x + panel.width / 2, panel.y - 8, st.word(lang, f"view.{v.name}"), 13,
                 weight="bold", fill=st.MUTED, anchor="middle")]
    if v.name in ("front", "back"):
        y = max(panel.y + 26, panel.page((0, v.body_top + 150))[1])
        for side in SIDES:
            px = panel.x + (v.cx + (v.right_sign if side == "right" else -v.right_sign) * 150) * panel.scale
            out.append(_text(px, y, st.word(lang, "R" if side == "right" else "L"), 15, weight="bold",
                             fill=st.MUTED, anchor="middle"))
    elif v.symmetric:
        for side in SIDES:
            if side in v.side_marks:
                px, py = panel.page(v.side_marks[side])
                out.append(_text(px, py, st.word(lang, "R" if side == "right" else "L"), 15, weight="bold",
                                 fill=st.MUTED, anchor="middle"))
    return out


def _arrange(views: Sequence[str], crop: tuple[float, float], top: float, gap: float, body_h: float,
             close_h: float, max_w: float) -> tuple[list[_Panel], float, float]:
    """Panels in up to two rows: the whole-body views (cropped to ``crop``, ``body_h`` high), then the
    close-ups (each whole, the tallest ``close_h`` high). Returns the panels (x from 0), the width of
    the widest row and the bottom of the last row."""
    body = [v for v in views if v in BODY_VIEWS]
    close = [v for v in views if v not in BODY_VIEWS]
    panels: list[_Panel] = []
    widest = 0.0
    y = top
    if body:
        scale = _fit_scale(body, crop, gap, body_h, max_w)
        row = _layout(body, crop, scale, 0.0, y, gap)
        panels += row
        widest = max(widest, row[-1].x + row[-1].width)
        y += max(p.height for p in row) + 46
    if close:
        tallest = max(get_view(v).height for v in close)
        widths = sum(get_view(v).width for v in close)
        scale = min(close_h / tallest, (max_w - gap * (len(close) - 1)) / widths)
        x = 0.0
        row = []
        for name in close:
            v = get_view(name)
            row.append(_Panel(v, x, y, scale, (0.0, v.height)))
            x += v.width * scale + gap
        panels += row
        widest = max(widest, row[-1].x + row[-1].width)
        y += max(p.height for p in row) + 46
    # centre each row in the widest one
    for row_y in {p.y for p in panels}:
        row = [p for p in panels if p.y == row_y]
        shift = (widest - (row[-1].x + row[-1].width)) / 2
        for p in row:
            p.x += shift
    return panels, widest, y - 46


def _shift(panels: Sequence[_Panel], dx: float) -> None:
    for p in panels:
        p.x += dx


def _page_panels(views: Sequence[str], crop: tuple[float, float], *, top: float, gap: float, margin: float,
                 whole_h: float, body_h: float, close_h: float, max_w: float
                 ) -> tuple[list[_Panel], float, float]:
    """A chart page's panels, centred on a page at least 720 wide with ``margin`` each side: whole-body
    views alone stand in one row ``whole_h`` high (the layout as it always was); with close-ups, in
    the rows of :func:`_arrange` (``body_h``, ``close_h``). No row is wider than ``max_w``. Returns
    the panels, the page width and the bottom of the last row."""
    body_views = [n for n in views if n in BODY_VIEWS]
    if body_views and len(body_views) == len(views):
        scale = _fit_scale(views, crop, gap, whole_h, max_w)
        widths = sum(get_view(n).width * scale for n in views) + gap * (len(views) - 1)
        page_w = max(widths + 2 * margin, 720.0)
        panels = _layout(views, crop, scale, (page_w - widths) / 2, top, gap)
        return panels, page_w, top + max(p.height for p in panels)
    panels, widths, bottom = _arrange(views, crop, top, gap, body_h, close_h, max_w)
    page_w = max(widths + 2 * margin, 720.0)
    _shift(panels, (page_w - widths) / 2)
    return panels, page_w, bottom


def _on_view(view: View, values: Mapping[tuple[str, str | None], Any],
             rank: Any = None) -> dict[tuple[str, str | None], Any]:
    """``values`` keyed by the shapes drawn on ``view``: a region's own shape, and for a coarse
    region also the finer regions inside it (its own value wins over a coarse one; among coarse
    ones the highest ``rank``)."""
    out: dict[tuple[str, str | None], Any] = {}
    for k, val in values.items():
        if view.has(*k):
            out[k] = val
    for k, val in sorted(values.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
        for shape in view.cover(*k):
            if shape.key in values and view.has(*shape.key):
                continue
            old = out.get(shape.key)
            if old is None or (rank is not None and rank(val) > rank(old)):
                out[shape.key] = val
    return out


def _zone_rank(z: str) -> int:
    return 2 if z == "essential" else 1


def _crop_for(ys: Iterable[float], full_height: float, trim_legs: bool = False) -> tuple[float, float]:
    """The part of the views to draw: the whole body, or from the lowest ribs down when that holds
    everything; with ``trim_legs``, also cut below the content when it all lies above the knees."""
    ys = list(ys)
    top = LOWER_BODY_TOP if ys and min(ys) >= LOWER_BODY_TOP + 30 else 0.0
    bottom = full_height
    if trim_legs and ys and top > 0 and max(ys) < TRIM_BELOW:
        bottom = max(max(ys) + 90.0, top + 380.0)
    return (top, bottom)


def _fit_scale(views: Sequence[str], crop: tuple[float, float], gap: float, target_h: float,
               max_w: float) -> float:
    """Scale so the panels are ``target_h`` high, unless that makes them wider than ``max_w``."""
    widths = sum(get_view(n).width for n in views)
    return min(target_h / (crop[1] - crop[0]), (max_w - gap * (len(views) - 1)) / widths)


# --------------------------------------------------------------------------- input


def normalise_marks(marks: Iterable[Any] | None, field: str = "pain") -> list[tuple[str, str | None, int]]:
    """Pain marks as sorted ``(region, side, intensity)``; accepts PainMark, tuples or dicts.

    ``side`` ``"both"`` is expanded; a midline region takes no side. Raises :class:`ChartError`.
    """
    meta = region_meta()
    out: dict[tuple[str, str | None], int] = {}
    for i, m in enumerate(marks or ()):
        if isinstance(m, Mapping):
            region, side, intensity = m.get("region"), m.get("side"), m.get("intensity", 5)
        else:
            try:
                region, side, intensity = m[0], m[1], (m[2] if len(m) > 2 else 5)
            except (TypeError, IndexError, KeyError):
                raise ChartError(f"{field}[{i}]", "expected {region, side, intensity}") from None
        if region not in meta:
            raise ChartError(f"{field}[{i}].region", f"{region!r} is not a region id; see `triggermap vocab regions`")
        midline = bool(meta[region]["midline"])
        if midline:
            if side not in (None, ""):
                raise ChartError(f"{field}[{i}].side", f"{region!r} is a midline region and takes no side")
            sides: tuple[str | None, ...] = (None,)
        elif side == "both":
            sides = BODY_SIDES
        elif side in BODY_SIDES:
            sides = (side,)
        else:
            raise ChartError(f"{field}[{i}].side", f"{side!r} is not a side; allowed: {', '.join(MARK_SIDES)}")
        if (isinstance(intensity, bool) or not isinstance(intensity, int)
                or not INTENSITY_MIN <= intensity <= INTENSITY_MAX):
            raise ChartError(f"{field}[{i}].intensity",
                             f"{intensity!r} is not an integer from {INTENSITY_MIN} to {INTENSITY_MAX}")
        for s in sides:
            out[(region, s)] = max(out.get((region, s), 0), intensity)
    return sorted(((r, s, n) for (r, s), n in out.items()), key=lambda t: (t[0], t[1] or ""))


def _muscle(kb: Knowledge, muscle_id: str) -> Muscle:
    muscles = kb.muscles
    if muscle_id not in muscles:
        hint = did_you_mean(muscle_id, muscles, fmt=" (did you mean {!r}?)")
        raise ChartError("muscle", f"{muscle_id!r} is not a muscle id{hint}; allowed: {', '.join(sorted(muscles))}")
    return muscles[muscle_id]


def muscle_zones(muscle: Muscle, side: str, tp_ids: Iterable[str] | None = None
                 ) -> dict[tuple[str, str | None], str]:
    """(region, side) -> 'essential' | 'spillover' for the muscle on ``side`` (essential wins)."""
    meta = region_meta()
    wanted = set(tp_ids) if tp_ids is not None else None
    other = "left" if side == "right" else "right"
    zones: dict[tuple[str, str | None], str] = {}
    for tp in muscle.trigger_points:
        if wanted is not None and tp.id not in wanted:
            continue
        for zone, refs in (("essential", tp.essential), ("spillover", tp.spillover)):
            for ref in refs:
                region = ref.region
                if region not in meta:
                    continue
                if meta[region]["midline"]:
                    keys: tuple[tuple[str, str | None], ...] = ((region, None),)
                elif ref.side == "both":
                    keys = ((region, side), (region, other))
                else:
                    keys = ((region, side),)
                for k in keys:
                    if zones.get(k) != "essential":
                        zones[k] = zone
    return zones


#: which way a view faces: between equally good views, a chart keeps to one face (an arm seen from
#: the back goes with the back of the hand)
_FACE = {"front": "front", "upper-front": "front", "arms-front": "front", "hands-palm": "front",
         "back": "back", "upper-back": "back", "arms-back": "back", "hands-back": "back"}


def _candidates(side: str) -> list[str]:
    """The views a chart of the person's ``side`` may use, in order of preference."""
    return ["front", "back", side, "arms-front", "arms-back", "upper-front", "upper-back", f"head-{side}",
            "hands-palm", "hands-back"]


def _pick_views(zones: Mapping[tuple[str, str | None], str], tp_ids: Sequence[str], side: str,
                override: Sequence[str] | None = None, muscle: Muscle | None = None) -> list[str]:
    """The views of a muscle chart: those holding its trigger points (explicit positions or their
    site regions), then those covering its zones (a close-up covers a coarse region by the finer
    regions inside it)."""
    if override:
        wanted = {side if v in ("side", "right", "left") else f"head-{side}" if v in ("head", "head-right", "head-left")
                  else v for v in override}
        return [v for v in VIEWS if v in wanted]
    cands = _candidates(side)
    cover = {v: {k for k in zones if get_view(v).covers(*k)} for v in cands}
    if muscle is not None:
        tps = {v: set(muscle_tp_points(muscle, v, side)) & set(tp_ids) for v in cands}
    else:
        tps = {v: {t for t in tp_ids if tp_point(t, v, side) is not None} for v in cands}
    chosen: list[str] = []
    need_tp: set[str] = set().union(*tps.values())
    while need_tp:
        best = max(cands, key=lambda v: (len(tps[v] & need_tp), len(cover[v]), -cands.index(v)))
        chosen.append(best)
        need_tp -= tps[best]
    seen: set[tuple[str, str | None]] = set().union(*(cover[v] for v in chosen)) if chosen else set()
    need = set(zones) - seen
    while need:
        rest = [v for v in cands if v not in chosen]
        if not rest:
            break
        faces = [_FACE.get(c) for c in chosen]
        best = max(rest, key=lambda v: (sum(2 if zones[k] == "essential" else 1 for k in cover[v] & need),
                                        faces.count(_FACE.get(v)) if _FACE.get(v) else 0, -cands.index(v)))
        if not cover[best] & need:
            break
        chosen.append(best)
        need -= cover[best]
    # pain on the side of the hip and leg reads best on the side view
    if side not in chosen and any(z == "essential" and r in LATERAL_FOCUS for (r, _), z in zones.items()):
        chosen.append(side)
    if not chosen:
        chosen = ["back"]
    return [v for v in VIEWS if v in chosen]


# --------------------------------------------------------------------------- body map


def body_svg(view: str, lang: str = "en", marks: Iterable[Any] | None = None, *, id_prefix: str | None = None,
             scale: float = 1.0) -> str:
    """The clickable body map of one view: each region a focusable checkbox path.

    Every region path has ``data-region`` (+ ``data-side``), ``role="checkbox"``,
    ``aria-checked``, ``tabindex="0"``, an ``aria-label`` and a ``<title>`` in ``lang``.
    ``marks`` (region, side, intensity) shade and check the regions already drawn.
    """
    _check_view(view)
    _check_lang(lang)
    prefix = id_prefix or f"tm-{view}"
    v = get_view(view)
    marked = {(r, s): n for r, s, n in normalise_marks(marks)}
    fills = {k: st.INTENSITY_COLOURS[n] for k, n in _on_view(v, marked, lambda n: n).items()}
    extra: dict[tuple[str, str | None], str] = {}
    for shape in v.regions:
        n = marked.get(shape.key)
        label = region_title(shape.region, shape.side, lang)
        if n is not None:
            label += ", " + st.word(lang, "map.intensity").format(n=n)
            extra[shape.key] = (f' role="checkbox" aria-checked="true" tabindex="0" aria-label="{esc(label)}" '
                                f'data-intensity="{n}"')
        else:
            extra[shape.key] = f' role="checkbox" aria-checked="false" tabindex="0" aria-label="{esc(label)}"'
    body = [f'<g transform="scale({scale:.4f})">'] if scale != 1.0 else []
    body += _body_layers(v, fills, lang, extra=extra)
    if v.symmetric:
        for side in SIDES:
            x, y = v.side_marks.get(side, (0.0, 0.0))
            body.append(_text(x, y, st.word(lang, "R" if side == "right" else "L"), 15, weight="bold",
                              fill=st.MUTED, anchor="middle"))
    if scale != 1.0:
        body.append("</g>")
    title = st.word(lang, "map.title").format(view=st.word(lang, f"view.{view}").lower())
    # no XML declaration: the map is meant to be inlined in the web app's HTML
    return _document(v.width * scale, v.height * scale, title, st.word(lang, "map.desc"), lang, body,
                     role="group", prefix=prefix, declaration=False)


# --------------------------------------------------------------------------- muscle chart


def muscle_chart(kb: Knowledge, muscle_id: str, lang: str = "en", *, side: str = "right",
                 views: Sequence[str] | None = None, id_prefix: str = "tm") -> str:
    """A trigger-point chart of one muscle, in the field's convention.

    Trigger points are bold X marks (numbered when there are several), the essential referral
    zone is solid red, the spillover zone red stipple; with a legend, the muscle's names
    (language + Latin) and the disclaimer. ``side`` is the side of the body shown.
    """
    _check_lang(lang)
    if side not in SIDES:
        raise ChartError("side", f"{side!r} is not a side; allowed: {', '.join(SIDES)}")
    muscle = _muscle(kb, muscle_id)
    prefix = id_prefix
    tps = muscle.trigger_points
    tp_ids = [tp.id for tp in tps]
    zones = muscle_zones(muscle, side)
    override = views or tp_positions_views().get(muscle_id)
    if views:
        for vname in views:
            _check_view(vname)
    chosen = _pick_views(zones, tp_ids, side, override, muscle)

    # crop the whole-body views from the content
    ys: list[float] = []
    for name in chosen:
        if name not in BODY_VIEWS:
            continue
        view = get_view(name)
        for k in zones:
            for shape in view.cover(*k):
                ys.extend((shape.bbox[1], shape.bbox[3]))
        ys.extend(p[1] for p in muscle_tp_points(muscle, name, side).values())
    body_views = [n for n in chosen if n in BODY_VIEWS]
    full_h = max((get_view(n).height for n in body_views), default=0.0)
    crop = _crop_for(ys, full_h, trim_legs=True)
    margin = 28.0
    top = 112.0
    panels, page_w, bottom = _page_panels(chosen, crop, top=top, gap=18.0, margin=margin,
                                          whole_h=660.0 if crop[0] > 0 else 700.0, body_h=600.0,
                                          close_h=420.0 if body_views else 600.0, max_w=1040.0)
    panel_h = bottom - top

    name = muscle.names.of(lang)
    latin = muscle.names.la
    body: list[str] = []
    body.append(_text(margin, 44, name, 26, weight="bold"))
    sub = st.word(lang, "muscle.subtitle")
    body.append(_text(margin, 68, latin, 15, italic=True, fill=st.MUTED))
    body.append(_text(margin + _text_width(latin, 15) + 14 if latin else margin, 68, sub, 14, fill=st.MUTED))
    body.append(f'<line x1="{fmt(margin)}" y1="82" x2="{fmt(page_w - margin)}" y2="82" stroke="#d8d2cb" '
                'stroke-width="1"/>')

    numbered = len(tps) > 1
    marks_page: list[str] = []
    for panel in panels:
        fills = {k: (st.ESSENTIAL if z == "essential" else f"url(#{prefix}-stipple)")
                 for k, z in _on_view(panel.view, zones, _zone_rank).items()}
        body.append(panel.open(prefix))
        body.extend(_body_layers(panel.view, fills, lang, grid=None))
        body.append(panel.close(prefix))
        body.extend(_panel_labels(panel, lang))
        where = muscle_tp_points(muscle, panel.view.name, side)
        pts = [(n, t, panel.page(where[t])) for n, t in enumerate(tp_ids, start=1) if t in where]
        offsets = _label_offsets([q for _, _, q in pts])
        for (n, t, (px, py)), (dx, dy, anchor) in zip(pts, offsets, strict=True):
            marks_page.append(f'<g class="tm-trp" data-trigger-point="{esc(t)}" data-side="{side}">'
                              + _x_mark(px, py, 6.0)
                              + (_text(px + dx, py + dy, str(n), 13, weight="bold", halo=True, anchor=anchor)
                                 if numbered else "") + "</g>")
    body.extend(marks_page)

    # legend
    y = top + panel_h + 34
    x = margin
    items = [
        ("trp", st.word(lang, "legend.trp")),
        ("essential", st.word(lang, "legend.essential")),
        ("spillover", st.word(lang, "legend.spillover")),
    ]
    for kind, label in items:
        w = 26 + _text_width(label, 13) + 26
        if x + w > page_w - margin:
            x = margin
            y += 26
        if kind == "trp":
            body.append(_x_mark(x + 9, y - 5, 6.0))
        elif kind == "essential":
            body.append(f'<rect x="{fmt(x)}" y="{fmt(y - 14)}" width="18" height="18" rx="2" fill="{st.ESSENTIAL}"/>')
        else:
            body.append(f'<rect x="{fmt(x)}" y="{fmt(y - 14)}" width="18" height="18" rx="2" '
                        f'fill="url(#{prefix}-stipple)" stroke="{st.SPILLOVER}" stroke-width="0.8"/>')
        body.append(_text(x + 26, y, label, 13))
        x += w
    # trigger points, by number
    y += 30
    body.append(_text(margin, y, st.word(lang, "muscle.trps"), 13, weight="bold"))
    y += 20
    for n, tp in enumerate(tps, start=1):
        label = f"{n}. {tp.name.of(lang)}" if numbered else tp.name.of(lang)
        loc = tp.location.of(lang)
        lines = _wrap(f"{label}: {loc}" if loc else label, 12, page_w - 2 * margin)
        for line in lines:
            body.append(_text(margin, y, line, 12, fill=st.INK))
            y += 17
        y += 3
    y += 8
    body.append(_text(margin, y, _footer(kb, lang), 11, fill=st.MUTED))
    page_h = y + 18

    essential = sorted({region_title(r, s, lang) for (r, s), z in zones.items() if z == "essential"})
    spill = sorted({region_title(r, s, lang) for (r, s), z in zones.items() if z == "spillover"})
    desc = st.word(lang, "muscle.desc").format(
        name=name, essential=", ".join(essential) or st.word(lang, "none"),
        spillover=", ".join(spill) or st.word(lang, "none"))
    title = f"{name} ({latin})" if latin else name
    return _document(page_w, page_h, title, desc, lang, body, defs=_stipple_defs(prefix), prefix=prefix)


def tp_positions_views() -> dict[str, list[str]]:
    """Optional per-muscle view choice from trigger_points.yaml (``views:``)."""
    from .geometry import muscle_views

    return muscle_views()


def _footer(kb: Knowledge | None, lang: str) -> str:
    version = kb.version if kb is not None else None
    tail = "  ·  triggermap" + (f" (knowledge base {version})" if version and lang == "en" else
                                  f" (base de conocimiento {version})" if version else "")
    return st.word(lang, "disclaimer") + tail


# --------------------------------------------------------------------------- pain drawing


def _drawing_views(marks: Sequence[tuple[str, str | None, int]], extra_sides: Iterable[str] = (),
                   extra_keys: Iterable[tuple[str, str | None]] = (),
                   tps: Iterable[tuple[Muscle, str, Sequence[str]]] = ()) -> list[str]:
    """The views of a drawing: the whole-body views (the side views for lateral pain), and the
    close-ups needed for what only a close-up draws: marks (and ``extra_keys``, e.g. the top muscles'
    zones) on the finer 1.1 regions, and trigger points (``tps``: muscle, side, ids) placed at a finer
    site. The whole-body views are left out when the close-ups already show everything."""
    body = ["front", "back"]
    sides = {s for r, s, _ in marks if r in LATERAL_FOCUS and s} | set(extra_sides)
    body += [s for s in SIDES if s in sides]
    mark_keys = {(r, s) for r, s, _ in marks}
    keys = mark_keys | set(extra_keys)
    tp_list = [(m, side, t) for m, side, ids in tps for t in ids]

    def tp_on(v: str, item: tuple[Muscle, str, str]) -> bool:
        return item[2] in muscle_tp_points(item[0], v, item[1])

    need = {k for k in keys if not any(get_view(v).has(*k) for v in body)}
    need_tp = [i for i in tp_list if not any(tp_on(v, i) for v in body)]
    close: list[str] = []
    while need or need_tp:
        cands = [v for v in CLOSE_UPS if v not in close]

        def gain(v: str, need: set[tuple[str, str | None]] = need,
                 need_tp: list[tuple[Muscle, str, str]] = need_tp) -> int:
            return len({k for k in need if get_view(v).has(*k)}) + sum(1 for i in need_tp if tp_on(v, i))

        faces = [_FACE.get(c) for c in close]
        best = max(cands, key=lambda v: (gain(v), len({k for k in keys if get_view(v).covers(*k)}),
                                         faces.count(_FACE.get(v)) if _FACE.get(v) else 0, -cands.index(v)),
                   default=None)
        if best is None or not gain(best):
            break
        close.append(best)
        need = {k for k in need if not get_view(best).has(*k)}
        need_tp = [i for i in need_tp if not tp_on(best, i)]
    if close:
        # keep the whole-body views only for what the close-ups do not show
        hidden = [k for k in mark_keys if not any(get_view(v).covers(*k) for v in close)]
        hidden += [k for k in keys - mark_keys if not any(get_view(v).covers(*k) for v in close)
                   and any(get_view(v).has(*k) for v in body)]
        hidden_tp = [i for i in tp_list if not any(tp_on(v, i) for v in close)]
        if not hidden and not hidden_tp:
            body = []
    return [v for v in VIEWS if v in {*body, *close}]


def _colour_scale(x: float, y: float, lang: str) -> list[str]:
    out = [_text(x, y, st.word(lang, "drawing.scale"), 13, weight="bold")]
    y += 10
    w = 30.0
    for i, c in enumerate(st.INTENSITY_COLOURS):
        out.append(f'<rect x="{fmt(x + i * w)}" y="{fmt(y)}" width="{fmt(w)}" height="18" fill="{c}" '
                   f'stroke="#8a827a" stroke-width="0.6" data-intensity="{i}"/>')
        out.append(_text(x + i * w + w / 2, y + 13, str(i), 11, anchor="middle", fill=st.text_on(c)))
    out.append(_text(x, y + 34, st.word(lang, "drawing.none"), 11, fill=st.MUTED))
    out.append(_text(x + 11 * w, y + 34, st.word(lang, "drawing.worst"), 11, fill=st.MUTED, anchor="end"))
    return out


def _drawing_body(marks: Sequence[tuple[str, str | None, int]], views: Sequence[str], lang: str, title: str,
                  subtitle: str, prefix: str, overlay: Any = None, extra_ys: Iterable[float] = ()
                  ) -> tuple[list[str], float, float, list[_Panel]]:
    body_views = [n for n in views if n in BODY_VIEWS]
    full_h = max((get_view(n).height for n in body_views), default=0.0)
    ys = list(extra_ys)
    for name in body_views:
        for r, s, _ in marks:
            for shape in get_view(name).cover(r, s):
                ys.extend((shape.bbox[1], shape.bbox[3]))
    crop = _crop_for(ys, full_h)
    margin = 28.0
    body_h = 620.0 if crop[0] > 0 else 663.0
    panels, page_w, bottom = _page_panels(views, crop, top=108.0, gap=14.0, margin=margin, whole_h=body_h,
                                          body_h=body_h, close_h=360.0 if body_views else 560.0, max_w=1120.0)
    intensities = {(r, s): n for r, s, n in marks}
    body = [_text(margin, 44, title, 26, weight="bold"), _text(margin, 68, subtitle, 14, fill=st.MUTED),
            f'<line x1="{fmt(margin)}" y1="82" x2="{fmt(page_w - margin)}" y2="82" stroke="#d8d2cb" stroke-width="1"/>']
    for panel in panels:
        fills = {k: st.INTENSITY_COLOURS[n] for k, n in _on_view(panel.view, intensities, lambda n: n).items()}
        body.append(panel.open(prefix))
        body.extend(_body_layers(panel.view, fills, lang))
        if overlay is not None:
            body.extend(overlay(panel))
        body.append(panel.close(prefix))
        body.extend(_panel_labels(panel, lang))
    y = bottom + 30
    return body, page_w, y, panels


def drawing_chart(kb: Knowledge | None, pain_marks: Iterable[Any], lang: str = "en", *, id_prefix: str = "tm") -> str:
    """The person's pain drawing: each marked region shaded by its 0-10 intensity (YlOrRd scale)."""
    _check_lang(lang)
    marks = normalise_marks(pain_marks)
    prefix = id_prefix
    views = _drawing_views(marks)
    body, page_w, y, _ = _drawing_body(marks, views, lang, st.word(lang, "drawing.title"),
                                       st.word(lang, "drawing.subtitle"), prefix)
    margin = 28.0
    body.extend(_colour_scale(margin, y, lang))
    y += 76
    if marks:
        y = _marks_list(body, marks, lang, margin, y, page_w)
    if not [m for m in marks if m[2] > 0]:
        body.append(_text(margin, y, st.word(lang, "drawing.empty"), 12, fill=st.MUTED))
        y += 20
    body.append(_text(margin, y, _footer(kb, lang), 11, fill=st.MUTED))
    desc = st.word(lang, "drawing.desc").format(marks=_marks_text(marks, lang))
    return _document(page_w, y + 18, st.word(lang, "drawing.title"), desc, lang, body, defs=_fade_defs(prefix),
                     prefix=prefix)


def _marks_list(body: list[str], marks: Sequence[tuple[str, str | None, int]], lang: str, x0: float, y: float,
                page_w: float) -> float:
    """The marked regions, most painful first, in columns: a swatch, the intensity and the name."""
    body.append(_text(x0, y, st.word(lang, "drawing.marked"), 13, weight="bold"))
    y += 22
    items = sorted(marks, key=lambda m: (-m[2], region_title(m[0], m[1], lang)))
    labels = [region_title(r, s, lang) for r, s, _ in items]
    col_w = max(_text_width(t, 12) for t in labels) + 54
    cols = max(1, min(3, int((page_w - 2 * x0 + 16) // col_w)))
    rows = (len(items) + cols - 1) // cols
    for i, ((_, _, n), label) in enumerate(zip(items, labels, strict=True)):
        cx = x0 + (i // rows) * col_w
        cy = y + (i % rows) * 20
        c = st.INTENSITY_COLOURS[n]
        body.append(f'<rect x="{fmt(cx)}" y="{fmt(cy - 12)}" width="24" height="16" rx="2" fill="{c}" '
                    'stroke="#8a827a" stroke-width="0.6"/>')
        body.append(_text(cx + 12, cy + 0.5, str(n), 11, anchor="middle", fill=st.text_on(c), weight="bold"))
        body.append(_text(cx + 32, cy, label, 12))
    return y + rows * 20 + 8


def _marks_text(marks: Sequence[tuple[str, str | None, int]], lang: str) -> str:
    if not marks:
        return st.word(lang, "none")
    return "; ".join(f"{region_title(r, s, lang)} {n}/10" for r, s, n in marks)


# --------------------------------------------------------------------------- assessment chart


def assessment_chart(kb: Knowledge, pain_marks: Iterable[Any], assessment: Mapping[str, Any], lang: str = "en", *,
                     top: int = 3, id_prefix: str = "tm") -> str:
    """The pain drawing with the referral zones of the top muscles outlined over it.

    Each muscle gets a colour-blind-safe colour (Okabe-Ito) and its own dash pattern; its
    essential zone is a solid band inside the outline, its spillover zone a dashed band, and
    its trigger points X marks in its colour. Nested bands keep shared borders readable.
    """
    _check_lang(lang)
    if not 1 <= top <= MAX_MUSCLES:
        raise ChartError("top", f"{top!r} must be between 1 and {MAX_MUSCLES}")
    marks = normalise_marks(pain_marks)
    prefix = id_prefix
    entries = list(assessment.get("muscles") or [])[:top]
    painful = [m for m in marks if m[2] > 0]

    muscles: list[dict[str, Any]] = []
    lateral_sides: set[str] = set()
    for rank, entry in enumerate(entries):
        mid = entry.get("id")
        muscle = _muscle(kb, mid) if mid in kb.muscles else None
        if muscle is None:
            raise ChartError(f"assessment.muscles[{rank}].id", f"{mid!r} is not a muscle id")
        sides = sorted({e.get("side") for e in entry.get("explains") or () if e.get("side")}) or list(SIDES)
        tp_ids = list(entry.get("trigger_points") or [tp.id for tp in muscle.trigger_points])
        zones: dict[tuple[str, str | None], str] = {}
        for s in sides:
            for k, z in muscle_zones(muscle, s, tp_ids).items():
                if zones.get(k) != "essential":
                    zones[k] = z
        for s in sides:
            only_lateral = [t for t in tp_ids if t in muscle_tp_points(muscle, s, s)
                            and t not in muscle_tp_points(muscle, "front", s)
                            and t not in muscle_tp_points(muscle, "back", s)]
            if only_lateral or any(r in LATERAL_FOCUS and zs == s for r, zs in zones):
                lateral_sides.add(s)
        explained = {(e.get("region"), e.get("side")) for e in entry.get("explains") or ()}
        muscles.append({
            "id": mid, "rank": rank, "name": muscle.names.of(lang), "sides": sides, "tp_ids": tp_ids,
            "muscle": muscle,
            "zones": zones, "explains": len(explained),
            "colour": st.MUSCLE_COLOURS[rank], "dash": st.MUSCLE_DASHES[rank],
        })
    uncovered = set()
    for u in assessment.get("uncovered") or ():
        r, s = u.get("region"), u.get("side")
        if r in region_meta():
            if s in (None, "both") and not region_meta()[r]["midline"]:
                uncovered |= {(r, "left"), (r, "right")} & {(m[0], m[1]) for m in marks}
            else:
                uncovered.add((r, s))
    # the top muscles' zones and trigger points that only a close-up shows bring that close-up
    extra: set[tuple[str, str | None]] = set()
    for m in muscles:
        extra |= set(m["zones"])
    views = _drawing_views(marks, lateral_sides & {s for _, s, _ in marks if s} or lateral_sides, extra,
                           [(m["muscle"], sd, m["tp_ids"]) for m in muscles for sd in m["sides"]])
    band = 2.2  # inner band width per rank, view units

    def overlay(panel: _Panel) -> list[str]:
        v = panel.view
        out: list[str] = []
        # hatch the painful regions no muscle explains
        hatch = [s.d for k in sorted(uncovered, key=lambda k: (k[0], k[1] or "")) for s in v.cover(*k)]
        if hatch:
            out.append(f'<path d="{"".join(hatch)}" fill="url(#{prefix}-hatch)" fill-opacity="0.55" '
                       'pointer-events="none"/>')
        for m in reversed(muscles):  # widest band first, so the ranks nest from the border inward
            width = band * (m["rank"] + 1) * 2
            for zone in ("essential", "spillover"):
                shapes = [s for k, z in sorted(m["zones"].items(), key=lambda kv: (kv[0][0], kv[0][1] or ""))
                          if z == zone for s in v.cover(*k)]
                if not shapes:
                    continue
                d = v.union_outline(shapes)
                cid = f"{prefix}-{v.name}-m{m['rank']}-{zone}"
                dash = "" if zone == "essential" else ' stroke-dasharray="7 4"'
                out.append(f'<clipPath id="{cid}"><path d="{d}" fill-rule="evenodd"/></clipPath>')
                out.append(f'<path d="{d}" fill="none" stroke="{m["colour"]}" stroke-width="{fmt(width)}" '
                           f'stroke-linejoin="round"{dash} clip-path="url(#{cid})" class="tm-zone" '
                           f'data-muscle="{m["id"]}" data-zone="{zone}" pointer-events="none"/>')
        return out

    ys: list[float] = []
    for name in views:
        if name not in BODY_VIEWS:
            continue
        for m in muscles:
            for k in m["zones"]:
                for shape in get_view(name).cover(*k):
                    ys.extend((shape.bbox[1], shape.bbox[3]))
            ys.extend(p[1] for sd in m["sides"] for t, p in muscle_tp_points(m["muscle"], name, sd).items()
                      if t in m["tp_ids"])
    title = st.word(lang, "assessment.title")
    body, page_w, y, panels = _drawing_body(marks, views, lang, title, st.word(lang, "assessment.subtitle"),
                                            prefix, overlay, ys)
    # trigger points, in each muscle's colour
    for panel in panels:
        pts = [(m, s, t, panel.page(where[t])) for m in muscles for s in m["sides"]
               for where in (muscle_tp_points(m["muscle"], panel.view.name, s),) for t in m["tp_ids"] if t in where]
        offsets = _label_offsets([q for *_, q in pts], 8.0)
        for (m, s, t, (px, py)), (dx, dy, anchor) in zip(pts, offsets, strict=True):
            body.append(f'<g class="tm-trp" data-muscle="{m["id"]}" data-trigger-point="{esc(t)}" '
                        f'data-side="{s}">' + _x_mark(px, py, 5.0, m["colour"], 2.4)
                        + _text(px + dx, py + dy, str(m["rank"] + 1), 12, weight="bold", fill=m["colour"],
                                halo=True, anchor=anchor) + "</g>")
    margin = 28.0
    # muscles legend
    for m in muscles:
        sw = band * 2.4
        body.append(f'<rect x="{fmt(margin)}" y="{fmt(y - 13)}" width="34" height="16" fill="{st.BODY_FILL}" '
                    f'stroke="#8a827a" stroke-width="0.6"/>')
        body.append(f'<rect x="{fmt(margin + sw / 2)}" y="{fmt(y - 13 + sw / 2)}" width="{fmt(34 - sw)}" '
                    f'height="{fmt(16 - sw)}" fill="none" stroke="{m["colour"]}" stroke-width="{fmt(sw)}"/>')
        label = f"{m['rank'] + 1}. {m['name']}"
        body.append(_text(margin + 44, y, label, 14, weight="bold", fill=st.INK))
        expl = st.word(lang, "assessment.explains").format(n=m["explains"], total=len(painful))
        body.append(_text(margin + 44 + _text_width(label, 14, bold=True) + 10, y, expl, 12, fill=st.MUTED))
        y += 24
    if not muscles:
        body.append(_text(margin, y, st.word(lang, "assessment.none"), 12, fill=st.MUTED))
        y += 22
    if muscles:
        for line in _wrap(st.word(lang, "assessment.key"), 12, page_w - 2 * margin):
            body.append(_text(margin, y, line, 12, fill=st.MUTED))
            y += 17
    if uncovered:
        body.append(f'<rect x="{fmt(margin)}" y="{fmt(y - 12)}" width="16" height="16" fill="url(#{prefix}-hatch)" '
                    'stroke="#8a827a" stroke-width="0.6"/>')
        body.append(_text(margin + 24, y, st.word(lang, "assessment.uncovered"), 12, fill=st.MUTED))
        y += 22
    y += 8
    body.extend(_colour_scale(margin, y, lang))
    y += 64
    body.append(_text(margin, y, _footer(kb, lang), 11, fill=st.MUTED))
    names = ", ".join(m["name"] for m in muscles) or st.word(lang, "none")
    desc = st.word(lang, "assessment.desc").format(muscles=names) + " " + st.word(lang, "drawing.desc").format(
        marks=_marks_text(marks, lang))
    return _document(page_w, y + 18, title, desc, lang, body, defs=_fade_defs(prefix) + _hatch_defs(prefix),
                     prefix=prefix)
