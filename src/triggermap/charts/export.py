"""Export an SVG chart to SVG, PNG or PDF.

PNG and PDF go through CairoSVG (LGPL-3.0, maintained by CourtBouillon, the WeasyPrint team):
pure Python over the system's libcairo2, which this project already needs, renders our subset
of SVG (paths, patterns, clip paths, text) faithfully, and writes both raster and vector PDF
with one API. resvg (via resvg-py) would need a Rust-built wheel and cannot write PDF.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from .render import ChartError

FORMATS = ("svg", "png", "pdf")

# cairo (1.16) stamps each PDF with the time of rendering; pin it so the same chart always gives
# the same bytes (deterministic output, reproducible handouts). Same length: xref offsets hold.
_PDF_DATE = re.compile(rb"(/(?:CreationDate|ModDate) \(D:)(\d{14})")
_FIXED_DATE = b"20000101000000"


def _format_of(path_or_format: str | os.PathLike[str]) -> tuple[str, Path | None]:
    s = os.fspath(path_or_format)
    if s.lower() in FORMATS:
        return s.lower(), None
    suffix = Path(s).suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise ChartError("output", f"{s!r}: cannot tell the format from the suffix; allowed: .svg, .png, .pdf")
    return suffix, Path(s)


#: Largest PNG scale: 8 pixels per SVG unit makes a body chart about 6,000 x 7,200 pixels (twice the
#: width of an A4 page at 300 dpi); more only costs memory (cairo refuses surfaces past 32,767 pixels).
MAX_SCALE = 8.0
#: Smallest PNG scale: a tenth of a pixel per unit is a 75-pixel-wide thumbnail; much less rounds the
#: image to no pixels at all (cairosvg then fails)
MIN_SCALE = 0.1


def export(svg: str, path_or_format: str | os.PathLike[str], *, scale: float = 2.0) -> bytes:
    """Render ``svg`` as ``svg``/``png``/``pdf`` (a format name or a file path, format from its suffix).

    Returns the bytes; also writes them when given a path. PNG is rasterised at ``scale`` pixels per
    SVG unit (2 = sharp on phones and in print); PDF is vector.
    """
    fmt, path = _format_of(path_or_format)
    if fmt == "svg":
        data = svg.encode("utf-8")
    else:
        if not MIN_SCALE <= scale <= MAX_SCALE:  # also refuses nan and inf
            raise ChartError("scale", f"must be a number from {MIN_SCALE:g} to {MAX_SCALE:g}, got {scale!r}")
        import cairosvg  # heavy: imported only when exporting

        if fmt == "png":
            data = cairosvg.svg2png(bytestring=svg.encode("utf-8"), scale=scale)
        else:
            data = _PDF_DATE.sub(lambda m: m.group(1) + _FIXED_DATE, cairosvg.svg2pdf(bytestring=svg.encode("utf-8")))
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return data
