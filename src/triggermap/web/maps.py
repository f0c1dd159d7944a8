"""Charts for the pages, from :mod:`triggermap.charts`, never allowed to break a page.

A results page must always show the triage and the answer in words, so a chart that fails
to draw is logged and left out (the page says so); the list-based alternative of the body
map always works.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from . import closeup

if TYPE_CHECKING:
    from ..knowledge import Knowledge

log = logging.getLogger("triggermap.web")

#: the whole-body views of the body map (their coarse regions), then the close-ups: the pelvis and
#: buttock tiles (:mod:`.closeup`, every area a phone-sized target) and the finer regions of the
#: head, neck, shoulder, arm and hand (see knowledge/data/geometry/*.yaml)
BODY_VIEWS = ("front", "back", "left", "right")
CLOSE_UPS = ("pelvis", "upper-front", "upper-back", "arms-front", "arms-back", "head-right", "head-left", "hands-palm",
             "hands-back")
VIEWS = BODY_VIEWS + CLOSE_UPS


def view_label(view: str, lang: str) -> str:
    """The name of a close-up view in ``lang`` (the charts' own words; the whole-body views are
    named in the templates)."""
    from ..charts import style

    if view == closeup.VIEW:
        from .i18n import translations

        return str(translations(lang).gettext(closeup.TITLE))
    return style.word(lang, f"view.{view}")

#: Inline ``<style>`` elements and ``style=""`` attributes would be blocked by the strict CSP
#: (``style-src 'self'``): they are removed, and the chart classes are styled in app.css.
_STYLE_EL = re.compile(r"<style\b[^>]*>.*?</style>", re.S | re.I)
_STYLE_ATTR = re.compile(r"\sstyle=(\"[^\"]*\"|'[^']*')", re.I)
_SCRIPT_EL = re.compile(r"<script\b[^>]*>.*?</script>", re.S | re.I)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>\s*", re.I)
_DOCTYPE = re.compile(r"<!DOCTYPE[^>]*>\s*", re.I)


def csp_safe(svg: str) -> str:
    """An SVG document made fit for inline use under the page's Content-Security-Policy."""
    svg = _XML_DECL.sub("", svg)
    svg = _DOCTYPE.sub("", svg)
    svg = _SCRIPT_EL.sub("", svg)
    svg = _STYLE_EL.sub("", svg)
    return _STYLE_ATTR.sub("", svg)


def _charts() -> Any:
    try:
        from .. import charts
    except ImportError as exc:  # charts not installed/built: pages still work without them
        log.warning("charts unavailable: %s", exc)
        return None
    return charts


_ID_REF = re.compile(r'(\bid="|url\(#|href="#)tm-')
_LABELLEDBY = re.compile(r'aria-labelledby="([^"]*)"')


def uniquify(svg: str, prefix: str) -> str:
    """Give a chart's ids (``tm-...``) a page-unique prefix, so several charts can share a page
    (patterns, clip paths and ``aria-labelledby`` must each point into their own chart)."""
    svg = _ID_REF.sub(lambda m: f"{m.group(1)}{prefix}-", svg)
    return _LABELLEDBY.sub(
        lambda m: 'aria-labelledby="'
        + " ".join(prefix + t[2:] if t.startswith("tm-") else t for t in m.group(1).split())
        + '"',
        svg,
    )


def _safe(fn_name: str, *args: Any, prefix: str | None = None, page: bool = False, **kw: Any) -> Markup | None:
    charts = _charts()
    fn = getattr(charts, fn_name, None) if charts is not None else None
    if fn is None:
        return None
    try:
        svg = csp_safe(str(fn(*args, **kw)))
        if page:
            svg = for_page(svg)
    except Exception:  # a chart must never take the page down
        log.exception("chart %s failed", fn_name)
        return None
    if prefix:
        svg = uniquify(svg, prefix)
    return Markup(svg)  # noqa: S704 - our own SVG, sanitised above


#: the width (CSS px) a chart is drawn at on a 360 px phone (a card inside the page): the words
#: kept inside a chart are sized for it, so they read at 12 px or more there
PHONE_CHART_PX = 300.0
MIN_TEXT_PX = 12.5
_PANEL = re.compile(
    r'<clipPath id="[^"]*"><rect x="0" y="(?P<c0>[-\d.]+)" width="(?P<w>[\d.]+)" height="(?P<h>[\d.]+)"/></clipPath>'
    r'<g class="tm-view" data-view="[^"]*" transform="translate\((?P<tx>[-\d.]+) (?P<ty>[-\d.]+)\) '
    r'scale\((?P<s>[\d.]+)\)">')
_TEXT = re.compile(r"<text\b[^>]*>[^<]*</text>")
_TRP = re.compile(r'(<g class="tm-trp"[^>]*>)(.*?)(</g>)', re.S)
_XD = re.compile(r'd="M([-\d.]+) ([-\d.]+)L([-\d.]+) ([-\d.]+)')
_SIZE = re.compile(r'font-size="([\d.]+)"')
_ROOT = re.compile(r'<svg\b[^>]*?width="[\d.]+" height="[\d.]+" viewBox="[^"]*"')


def _attr(tag: str, name: str) -> str | None:
    m = re.search(rf'\s{name}="([^"]*)"', tag)
    return m.group(1) if m else None


def _set_attr(tag: str, name: str, value: str) -> str:
    if _attr(tag, name) is None:
        return tag.replace("<text", f'<text {name}="{value}"', 1)
    return re.sub(rf'(\s{name}=")[^"]*(")', lambda m: m.group(1) + value + m.group(2), tag, count=1)


def for_page(svg: str, min_px: float = MIN_TEXT_PX, width_px: float = PHONE_CHART_PX) -> str:
    """A chart made for a page: cropped to its body views, with the words outside them (title,
    legend, trigger-point list, footer: the page prints them as text) left out, and the words
    kept (the trigger-point numbers, R and L) enlarged to ``min_px`` CSS px at ``width_px``.

    A chart document is some 720 units wide and a phone draws it 300 px wide, so its 11-15 unit
    words came out at 4.5-6 px (issue 12); the page says the same things in its own text."""
    panels = []
    for m in _PANEL.finditer(svg):
        c0, w, h, tx, ty, sc = (float(m.group(k)) for k in ("c0", "w", "h", "tx", "ty", "s"))
        panels.append((tx, ty + c0 * sc, tx + w * sc, ty + (c0 + h) * sc))
    if not panels:
        return svg
    pad = 14.0
    x0 = min(p[0] for p in panels) - pad
    y0 = min(p[1] for p in panels) - pad
    x1 = max(p[2] for p in panels) + pad
    y1 = max(p[3] for p in panels) + pad
    vw, vh = x1 - x0, y1 - y0
    size = min_px * vw / width_px  # the font size, in view units, that reads min_px at width_px

    def keep_trp(m: re.Match[str]) -> str:
        inner = m.group(2)
        xm = _XD.search(inner)
        if not xm:
            return m.group(1) + _TEXT.sub("", inner) + m.group(3)
        ax, ay, bx, by = (float(v) for v in xm.groups())
        cx, cy, r = (ax + bx) / 2, (ay + by) / 2, abs(bx - ax) / 2

        def grow(t: re.Match[str]) -> str:
            tag = t.group(0)
            old = float(_SIZE.search(tag).group(1)) if _SIZE.search(tag) else 12.0  # type: ignore[union-attr]
            f = max(old, size)
            below = float(_attr(tag, "y") or cy) > cy
            start = (_attr(tag, "text-anchor") or "start") == "start"
            tag = _set_attr(tag, "font-size", f"{f:.1f}")
            tag = _set_attr(tag, "x", f"{cx + r + 1 if start else cx - r - 1:.1f}")
            tag = _set_attr(tag, "y", f"{cy + r + 0.8 * f if below else cy - r - 1:.1f}")
            if _attr(tag, "stroke-width") is not None:
                tag = _set_attr(tag, "stroke-width", f"{f * 0.28:.1f}")
            return tag

        return m.group(1) + _TEXT.sub(grow, inner) + m.group(3)

    kept: list[str] = []

    def stash(m: re.Match[str]) -> str:
        kept.append(keep_trp(m))
        return f"\x00{len(kept) - 1}\x00"

    out = _TRP.sub(stash, svg)

    def side_mark(t: re.Match[str]) -> str:
        tag = t.group(0)
        word = re.sub(r"<[^>]+>", "", tag)
        if _attr(tag, "font-size") == "15" and word in ("R", "L", "D", "I"):
            return _set_attr(tag, "font-size", f"{max(15.0, size * 1.1):.1f}")
        return ""

    out = _TEXT.sub(side_mark, out)
    out = re.sub("\x00(\\d+)\x00", lambda m: kept[int(m.group(1))], out)
    root = _ROOT.search(out)
    if root:
        tag = root.group(0)
        tag = re.sub(r'width="[\d.]+" height="[\d.]+" viewBox="[^"]*"',
                     f'width="{vw:.0f}" height="{vh:.0f}" viewBox="{x0:.1f} {y0:.1f} {vw:.1f} {vh:.1f}"', tag)
        out = out[:root.start()] + tag + out[root.end():]
    return out


@lru_cache(maxsize=32)
def body_map(view: str, lang: str) -> Markup | None:
    """The clickable body view (every region a path with data-region/data-side/title)."""
    if view == closeup.VIEW:
        return _pelvis(lang)
    return _safe("body_svg", view, lang=lang)


def _pelvis(lang: str) -> Markup | None:
    try:
        from ..charts.render import region_title
        from .i18n import translations

        svg = closeup.pelvis_svg(lang, lambda r, s: region_title(r, s, lang), translations(lang).gettext)
    except Exception:  # like every chart: never take the page down
        log.exception("pelvis close-up failed")
        return None
    return Markup(svg)  # noqa: S704 - our own SVG, every text escaped


def body_maps(lang: str) -> dict[str, Markup]:
    out = {}
    for v in VIEWS:
        svg = body_map(v, lang)
        if svg is not None:
            out[v] = svg
    return out


def assessment_chart(kb: Knowledge, assessment: dict[str, Any], pain: list[dict[str, Any]], lang: str,
                     prefix: str = "tma") -> Markup | None:
    """The drawing with the top muscles' referral zones outlined over it."""
    return _safe("assessment_chart", kb, pain, assessment, lang, prefix=prefix, page=True)


def overview_key(assessment: dict[str, Any], pain: list[dict[str, Any]], lang: str, top: int = 3) -> dict[str, Any]:
    """The overview chart's legend as page text (the chart itself keeps no words, see
    :func:`for_page`): each top muscle's colour and how many painful areas it explains, what the
    bands mean, the hatching, and the pain scale, in the chart's own words."""
    from ..charts import style as st

    painful = {(p.get("region"), p.get("side")) for p in pain if p.get("intensity", 5) > 0}
    muscles = []
    for rank, m in enumerate(assessment.get("muscles", [])[:top]):
        n = len({(e.get("region"), e.get("side")) for e in m.get("explains") or ()})
        muscles.append({"n": rank + 1, "id": m["id"], "colour": st.MUSCLE_COLOURS[rank],
                        "explains": st.word(lang, "assessment.explains").format(n=n, total=len(painful))})
    return {
        "muscles": muscles,
        "key": st.word(lang, "assessment.key"),
        "body": st.BODY_FILL,
        "uncovered": st.word(lang, "assessment.uncovered") if assessment.get("uncovered") else "",
        "scale": [(i, c, st.text_on(c)) for i, c in enumerate(st.INTENSITY_COLOURS)],
        "scale_title": st.word(lang, "drawing.scale"),
        "scale_none": st.word(lang, "drawing.none"),
        "scale_worst": st.word(lang, "drawing.worst"),
    }


@lru_cache(maxsize=512)
def muscle_chart(kb: Knowledge, muscle_id: str, lang: str, side: str | None = None, prefix: str = "tmm") -> Markup | None:
    """One muscle's trigger points and referral zones, on the side given (right by default)."""
    side = side if side in ("left", "right") else "right"
    return _safe("muscle_chart", kb, muscle_id, lang, side=side, prefix=prefix, page=True)


def export_pdf(svg: str) -> bytes | None:
    charts = _charts()
    if charts is None or not hasattr(charts, "export"):
        return None
    try:
        out = charts.export(svg, "pdf")
    except Exception:
        log.exception("chart export failed")
        return None
    return out if isinstance(out, bytes) else None
