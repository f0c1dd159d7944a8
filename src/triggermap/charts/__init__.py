"""Body charts: triggermap's own anterior, posterior and lateral body views as clean SVG.

* :func:`body_svg` - the clickable body map of one view (for the web app);
* :func:`muscle_chart` - a muscle's trigger points and referral zones (essential solid, spillover
  stippled, X at each trigger point);
* :func:`drawing_chart` - a pain drawing shaded by 0-10 intensity (colour-blind-safe scale);
* :func:`assessment_chart` - the drawing with the top muscles' zones outlined over it;
* :func:`export` - SVG to SVG/PNG/PDF bytes or file.

Geometry lives in ``knowledge/data/geometry/`` (see :mod:`triggermap.charts.geometry`).
Importing this package is light: YAML is read on first use, cairosvg only when exporting.
"""

from .export import FORMATS, export
from .geometry import VIEWS, GeometryError, get_view
from .render import ChartError, assessment_chart, body_svg, drawing_chart, muscle_chart, region_title

__all__ = [
    "FORMATS",
    "VIEWS",
    "ChartError",
    "GeometryError",
    "assessment_chart",
    "body_svg",
    "drawing_chart",
    "export",
    "get_view",
    "muscle_chart",
    "region_title",
]
