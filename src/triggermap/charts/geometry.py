"""Body-chart geometry at run time: the compiled views, region names and trigger-point positions.

The geometry is data (``knowledge/data/geometry/``), compiled with the knowledge base by
:mod:`triggermap.knowledge.geometry` (which also defines the compiled types, :class:`View` and
:class:`RegionShape`) and kept, pickled, in its one cached artifact. This module unpickles it on
first use and answers the charts' questions: a view, where a trigger point is marked, the points
inside a region. Data flows one way: the knowledge base never imports this module.
"""

from __future__ import annotations

import math
import pickle
from functools import lru_cache
from typing import TYPE_CHECKING, Any, cast

from ..knowledge.geometry import BODY_VIEWS as BODY_VIEWS
from ..knowledge.geometry import CLOSE_UPS as CLOSE_UPS
from ..knowledge.geometry import GEOMETRY_DIR as GEOMETRY_DIR
from ..knowledge.geometry import POSITION_KEY as POSITION_KEY
from ..knowledge.geometry import REGIONS_FILE as REGIONS_FILE
from ..knowledge.geometry import SIDES as SIDES
from ..knowledge.geometry import VIEW_FILES as VIEW_FILES
from ..knowledge.geometry import VIEW_SIDE as VIEW_SIDE
from ..knowledge.geometry import VIEWS as VIEWS
from ..knowledge.geometry import GeometryError as GeometryError
from ..knowledge.geometry import Point as Point
from ..knowledge.geometry import RegionShape as RegionShape
from ..knowledge.geometry import Segment as Segment
from ..knowledge.geometry import View as View
from ..knowledge.geometry import _bezier_samples as _bezier_samples
from ..knowledge.geometry import _boundary_loops as _boundary_loops
from ..knowledge.geometry import _Builder as _Builder
from ..knowledge.geometry import _Bundle as _Bundle
from ..knowledge.geometry import _centroid as _centroid
from ..knowledge.geometry import _compile_view as _compile_view
from ..knowledge.geometry import _edge as _edge
from ..knowledge.geometry import _read_yaml as _read_yaml
from ..knowledge.geometry import compile_bundle as compile_bundle
from ..knowledge.geometry import dumps_bundle as dumps_bundle
from ..knowledge.geometry import finer_regions_of
from ..knowledge.geometry import fmt as fmt
from ..knowledge.geometry import polygon as polygon
from ..knowledge.geometry import signed_area as signed_area

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ..knowledge.entities import Muscle


def region_meta() -> dict[str, dict[str, Any]]:
    """The region vocabulary (id -> id, label, midline, group), read without compiling the whole KB."""
    return _bundle()["regions"]


@lru_cache(maxsize=1)
def finer_regions() -> dict[str, tuple[str, ...]]:
    """coarse region -> the finer regions inside it (the reverse of ``within``)."""
    return finer_regions_of(region_meta())


@lru_cache(maxsize=1)
def _bundle() -> _Bundle:
    """Views, region names and trigger-point positions: the geometry blob of the compiled knowledge
    base (:func:`triggermap.knowledge.load`, one cache file for both), unpickled on first use, so a
    process that never draws a chart never pays for it."""
    from ..knowledge import load

    blob = load().geometry
    if blob is not None:
        bundle = pickle.loads(blob)
        if isinstance(bundle, dict) and set(bundle.get("views", ())) == set(VIEWS):
            return cast(_Bundle, bundle)  # written by the knowledge compiler from compile_bundle()
    return compile_bundle()  # a knowledge base compiled without geometry (a data directory lacking it)


def get_view(name: str) -> View:
    """A compiled view (one of :data:`VIEWS`, cached)."""
    views = _bundle()["views"]
    if name not in views:
        raise ValueError(f"unknown view {name!r}; allowed: {', '.join(VIEWS)}")
    return views[name]


def tp_positions() -> dict[str, dict[str, Point]]:
    """Trigger-point positions as authored: tp id -> {position key: (x, y)} (see :data:`POSITION_KEY`)."""
    return _bundle()["tps"]


def _authored_to_screen(v: View, p: Point, side: str) -> Point:
    if v.symmetric:
        sign = v.right_sign if side == "right" else -v.right_sign
        return (v.cx + sign * (p[0] + v.x_shift), p[1] + v.body_top)
    x = v.width - p[0] if v.mirror_of else p[0]
    return (x, p[1] + v.body_top)


def tp_point(tp_id: str, view: str, side: str) -> Point | None:
    """Screen position of a trigger point's explicit position on a view for the person's ``side``, or None."""
    pos = tp_positions().get(tp_id)
    if not pos:
        return None
    v = get_view(view)
    if VIEW_SIDE.get(view, side) != side:  # a lateral view only shows its own side
        return None
    p = pos.get(POSITION_KEY[view])
    if p is None:
        return None
    return _authored_to_screen(v, p, side)


def muscle_views() -> dict[str, list[str]]:
    """Optional per-muscle choice of chart views (``views:`` in trigger_points.yaml)."""
    return _bundle()["muscle_views"]


# --------------------------------------------------------------------------- trigger points at their site


def _dist_to_segments(p: Point, poly: list[Point]) -> float:
    best = math.inf
    px, py = p
    for (x0, y0), (x1, y1) in zip(poly, poly[1:] + poly[:1], strict=False):
        dx, dy = x1 - x0, y1 - y0
        ll = dx * dx + dy * dy
        t = 0.0 if ll == 0 else max(0.0, min(1.0, ((px - x0) * dx + (py - y0) * dy) / ll))
        best = min(best, math.hypot(px - x0 - t * dx, py - y0 - t * dy))
    return best


def point_in_polygon(p: Point, poly: list[Point]) -> bool:
    x, y = p
    inside = False
    for (x0, y0), (x1, y1) in zip(poly, poly[1:] + poly[:1], strict=False):
        if (y0 > y) != (y1 > y) and x < x0 + (y - y0) * (x1 - x0) / (y1 - y0):
            inside = not inside
    return inside


def spread_points(poly: list[Point], count: int) -> list[Point]:
    """``count`` points inside the polygon, well apart from each other and from its border
    (farthest-point choice on a grid over the region's core, then a few passes of re-placing each
    point), in reading order (top to bottom, then left to right). Deterministic."""
    xs = [p[0] for p in poly]
    ys = [p[1] for p in poly]
    x0, y0, x1, y1 = min(xs), min(ys), max(xs), max(ys)
    step = max(x1 - x0, y1 - y0) / 28 or 1.0
    cands: list[Point] = []
    y = y0 + step / 2
    while y < y1:
        x = x0 + step / 2
        while x < x1:
            if point_in_polygon((x, y), poly):
                cands.append((x, y))
            x += step
        y += step
    if not cands:
        area = signed_area(poly)
        cands = [_centroid(poly, area) if abs(area) > 1e-9 else (sum(xs) / len(xs), sum(ys) / len(ys))]
    border = [_dist_to_segments(c, poly) for c in cands]
    # one point: the one deepest inside; several: spread as far apart as they can be within the
    # region's core (the points at least half as deep as the deepest one)
    deepest = max(range(len(cands)), key=lambda i: (round(border[i], 6), -cands[i][1], -cands[i][0]))
    if count == 1:
        return [cands[deepest]]
    core = [c for c, b in zip(cands, border, strict=True) if b >= 0.5 * border[deepest]]

    def best(others: list[Point]) -> Point:
        def score(c: Point) -> tuple[float, float, float]:
            d = min(math.hypot(c[0] - o[0], c[1] - o[1]) for o in others)
            return (round(d, 6), -c[1], -c[0])
        return max(core, key=score)

    chosen: list[Point] = [cands[deepest]]
    for _ in range(count - 1):
        chosen.append(best(chosen))
    for _ in range(3):
        for i in range(count):
            chosen[i] = best(chosen[:i] + chosen[i + 1:])
    return sorted(chosen, key=lambda p: (round(p[1] / max(step, 1e-9)), p[0]))


@lru_cache(maxsize=4096)
def site_points(view: str, region: str, side: str, count: int = 1) -> tuple[Point, ...]:
    """``count`` spread-out points inside ``region`` as drawn on ``view``, for trigger points of the
    person's ``side`` (mirrored for the left side); empty when the view does not draw the region there."""
    meta = region_meta().get(region)
    if meta is None or count < 1 or VIEW_SIDE.get(view, side) != side:
        return ()
    v = get_view(view)
    frame = get_view(v.mirror_of) if v.mirror_of else v
    key_side = None if meta["midline"] else "right"  # placed on the authored (right) side, then mirrored
    shapes = frame.shapes(region, key_side)
    if not shapes:
        return ()
    shape = max(shapes, key=lambda s: s.area)
    pts = spread_points(polygon(frame.edges, shape.nodes, frame.points), count)
    if v.mirror_of:
        pts = [(v.width - x, y) for x, y in pts]
    elif v.symmetric and side == "left":
        pts = [(2 * v.cx - x, y) for x, y in pts]
    return tuple(pts)


def muscle_tp_points(muscle: Muscle, view: str, side: str) -> dict[str, Point]:
    """Where each of a muscle's trigger points is marked on ``view`` for the person's ``side``:
    its explicit position (trigger_points.yaml) when it has one; otherwise a point inside its
    ``site`` region, the trigger points of the muscle that share a site spread apart."""
    tps = muscle.trigger_points
    explicit = tp_positions()
    by_site: dict[str, list[str]] = {}
    for tp in tps:
        if not explicit.get(tp.id) and tp.site:
            by_site.setdefault(tp.site, []).append(tp.id)
    out: dict[str, Point] = {}
    for tp in tps:
        tid = tp.id
        if explicit.get(tid):
            p = tp_point(tid, view, side)
        elif tp.site:
            group = by_site[tp.site]
            pts = site_points(view, tp.site, side, len(group))
            p = pts[group.index(tid)] if pts else None
        else:
            p = None
        if p is not None:
            out[tid] = p
    return out


def unplaced_trigger_points(muscles: Mapping[str, Muscle]) -> list[str]:
    """The trigger points (of ``muscles``: id -> muscle) that no view can mark: neither an explicit
    position nor a site drawn on some view."""
    missing = []
    for m in muscles.values():
        placed: set[str] = set()
        for view in VIEWS:
            for side in SIDES:
                placed |= set(muscle_tp_points(m, view, side))
        missing += [tp.id for tp in m.trigger_points if tp.id not in placed]
    return missing
