"""Charts for the pages, from :mod:`triggermap.charts`, never allowed to break a page.

A results page must always show the triage and the answer in words, so a chart that fails
to draw is logged and left out (the page says so); the list-based alternative of the body
map always works.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from typing import Any

from markupsafe import Markup

log = logging.getLogger("triggermap.web")

#: the whole-body views of the body map (their coarse regions), then the close-ups with the finer
#: regions of the head, neck, shoulder, arm and hand (see knowledge/data/geometry/*.yaml)
BODY_VIEWS = ("front", "back", "left", "right")
CLOSE_UPS = ("upper-front", "upper-back", "arms-front", "arms-back", "head-right", "head-left", "hands-palm",
             "hands-back")
VIEWS = BODY_VIEWS + CLOSE_UPS


def view_label(view: str, lang: str) -> str:
    """The name of a close-up view in ``lang`` (the charts' own words; the whole-body views are
    named in the templates)."""
    from ..charts import style

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


def _safe(fn_name: str, *args: Any, prefix: str | None = None, **kw: Any) -> Markup | None:
    charts = _charts()
    fn = getattr(charts, fn_name, None) if charts is not None else None
    if fn is None:
        return None
    try:
        svg = csp_safe(str(fn(*args, **kw)))
    except Exception:  # a chart must never take the page down
        log.exception("chart %s failed", fn_name)
        return None
    if prefix:
        svg = uniquify(svg, prefix)
    return Markup(svg)  # noqa: S704 - our own SVG, sanitised above


@lru_cache(maxsize=32)
def body_map(view: str, lang: str) -> Markup | None:
    """The clickable body view (every region a path with data-region/data-side/title)."""
    return _safe("body_svg", view, lang=lang)


def body_maps(lang: str) -> dict[str, Markup]:
    out = {}
    for v in VIEWS:
        svg = body_map(v, lang)
        if svg is not None:
            out[v] = svg
    return out


def assessment_chart(kb: Any, assessment: dict[str, Any], pain: list[dict[str, Any]], lang: str,
                     prefix: str = "tma") -> Markup | None:
    """The drawing with the top muscles' referral zones outlined over it."""
    return _safe("assessment_chart", kb, pain, assessment, lang, prefix=prefix)


@lru_cache(maxsize=512)
def muscle_chart(kb: Any, muscle_id: str, lang: str, side: str | None = None, prefix: str = "tmm") -> Markup | None:
    """One muscle's trigger points and referral zones, on the side given (right by default)."""
    side = side if side in ("left", "right") else "right"
    return _safe("muscle_chart", kb, muscle_id, lang, side=side, prefix=prefix)


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
