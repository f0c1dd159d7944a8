"""Body-chart geometry: the views, their regions as closed paths, trigger-point positions.

The geometry is data, kept next to the knowledge base in ``knowledge/data/geometry/``:

* ``front.yaml``, ``back.yaml``: symmetric views. Nodes are authored for the person's *right*
  half as ``[X, Y]`` with ``X`` the distance from the midline; nodes with ``X == 0`` lie on the
  midline and are shared by both halves. The left half is the mirror image.
* ``side.yaml``: the right lateral view, authored in its own frame (the person faces the
  viewer's right). The left lateral view is its mirror image.
* ``trigger_points.yaml``: where each trigger point is palpated, per view, in the same
  authored frames (for the person's right side; the left side is mirrored).

A view is a planar graph. ``chains`` are smooth curves through named nodes; a region is a
cycle of nodes, and the edge between two consecutive nodes is drawn as the matching piece of
the chain that contains them (or a straight line). Adjacent regions therefore share exactly
the same boundary, so the regions tile the body with no gaps or overlaps. The body outline
is derived: the edges used by exactly one region.

Everything is compiled once, with the knowledge base (into its one cached artifact, see
:func:`compile_bundle`); rendering only concatenates strings. This module is the build side and
the compiled data types (what the artifact pickles); :mod:`triggermap.charts.geometry` reads the
compiled geometry at run time. Data flows one way: this module never imports the charts.
"""

from __future__ import annotations

import math
import pickle
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

if TYPE_CHECKING:
    from collections.abc import Mapping

GEOMETRY_DIR = Path(__file__).resolve().parent / "data" / "geometry"
REGIONS_FILE = GEOMETRY_DIR.parent / "regions.yaml"

#: The views, in display order: the four whole-body views, then the close-up views.
VIEWS: tuple[str, ...] = ("front", "back", "right", "left", "upper-front", "upper-back", "arms-front",
                          "arms-back", "head-right", "head-left", "hands-palm", "hands-back")
#: The whole-body views (version-1 coarse regions) and the close-ups (the finer 1.1 regions).
BODY_VIEWS: tuple[str, ...] = ("front", "back", "right", "left")
CLOSE_UPS: tuple[str, ...] = tuple(v for v in VIEWS if v not in BODY_VIEWS)
#: The body sides a chart draws, in the order it draws them (the right side is the default).
SIDES: tuple[str, ...] = ("right", "left")
#: view -> (authored file, drawn mirrored)
VIEW_FILES: dict[str, tuple[str, bool]] = {
    "front": ("front.yaml", False), "back": ("back.yaml", False),
    "right": ("side.yaml", False), "left": ("side.yaml", True),
    "upper-front": ("upper-front.yaml", False), "upper-back": ("upper-back.yaml", False),
    "arms-front": ("arms-front.yaml", False), "arms-back": ("arms-back.yaml", False),
    "head-right": ("head.yaml", False), "head-left": ("head.yaml", True),
    "hands-palm": ("hands-palm.yaml", False), "hands-back": ("hands-back.yaml", False),
}
#: views that show one side of the body only (a lateral view) -> that side
VIEW_SIDE: dict[str, str] = {"right": "right", "left": "left", "head-right": "right", "head-left": "left"}
#: the key of a view in trigger_points.yaml positions (lateral views share their authored frame)
POSITION_KEY: dict[str, str] = {v: ("side" if v in ("right", "left") else "head" if v.startswith("head-") else v)
                                for v in VIEWS}

Point = tuple[float, float]
Segment = tuple[Point, Point, Point, Point]  # cubic Bezier p0, c1, c2, p1


class GeometryError(Exception):
    """The geometry data is inconsistent; ``problems`` lists each one."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("chart geometry is invalid:\n  " + "\n  ".join(problems))


def fmt(v: float) -> str:
    """Fixed, deterministic number formatting for SVG (one decimal, no ``-0``)."""
    s = f"{v:.1f}"
    if s.endswith(".0"):
        s = s[:-2]
    return "0" if s == "-0" else s


@dataclass(frozen=True)
class RegionShape:
    """One region instance drawn on one view."""

    region: str
    side: str | None  # "left" / "right", None for midline regions
    nodes: tuple[str, ...]  # node instance ids, counter-clockwise on screen
    d: str  # SVG path data
    bbox: tuple[float, float, float, float]
    center: Point  # a point inside the region (area centroid of the sampled polygon)
    area: float

    @property
    def key(self) -> tuple[str, str | None]:
        return (self.region, self.side)


@dataclass
class View:
    """A compiled view: regions, outline and anatomical detail lines, in view coordinates."""

    name: str
    width: float
    height: float
    body_top: float  # y of the top of the head
    cx: float  # x of the midline (symmetric views)
    right_sign: float  # +1 when the person's right is drawn on the viewer's right
    regions: tuple[RegionShape, ...]
    points: dict[str, Point]
    edges: dict[tuple[str, str], Segment | None]
    outline: str
    grid: str  # the interior boundaries between regions, as one path
    details: str
    side_marks: dict[str, Point]  # where to print R / L for the person's right / left
    symmetric: bool = False
    pieces: int = 1  # separate outlines (two hands are two pieces)
    mirror_of: str | None = None  # the view this one mirrors (left -> right)
    counterpart: str | None = None  # the whole-body view a close-up enlarges (its coarse regions)
    x_shift: float = 0.0  # added to authored X (symmetric views)
    _by_key: dict[tuple[str, str | None], list[RegionShape]] = field(default_factory=dict, repr=False)
    # set by compile_bundle on a close-up: coarse region -> the finer regions inside it (the reverse
    # of ``within`` in regions.yaml), and the (region, side) keys its whole-body counterpart draws
    _finer: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False)
    _counterpart_keys: frozenset[tuple[str, str | None]] = field(default_factory=frozenset, repr=False)

    def shapes(self, region: str, side: str | None) -> list[RegionShape]:
        return self._by_key.get((region, side), [])

    def has(self, region: str, side: str | None) -> bool:
        return (region, side) in self._by_key

    def _stands_for(self, region: str, side: str | None) -> bool:
        """Whether this close-up shows the coarse ``region`` by its finer regions: only a region its
        whole-body counterpart draws (so the palms do not stand for the backs of the hands)."""
        return self.counterpart is not None and (region, side) in self._counterpart_keys

    def cover(self, region: str, side: str | None) -> list[RegionShape]:
        """The shapes that show ``region`` on this view: its own, plus on a close-up the finer regions
        inside it (``within`` in regions.yaml), since a coarse region stands for all the finer ones."""
        out = list(self.shapes(region, side))
        fine = self._finer.get(region, ())
        if fine and self._stands_for(region, side):
            out += [s for s in self.regions if s.region in fine and (side is None or s.side in (None, side))]
        return out

    def covers(self, region: str, side: str | None) -> bool:
        return bool(self.cover(region, side))

    def edge_d(self, a: str, b: str, first: bool) -> str:
        """Path data for the edge a -> b (``M`` first when ``first``)."""
        return _edge_d(self.edges, self.points, a, b, first)

    def union_outline(self, shapes: list[RegionShape]) -> str:
        """Path data of the boundary of the union of ``shapes`` (all on this view)."""
        return _loops_d(self, _boundary_loops(shapes))


# --------------------------------------------------------------------------- curves


def _norm(x: float, y: float) -> Point:
    n = math.hypot(x, y)
    return (x / n, y / n) if n > 1e-9 else (0.0, 0.0)


def _smooth(pts: list[Point], start_phantom: Point | None, end_phantom: Point | None,
            closed: bool, tension: float) -> list[Segment]:
    """Cubic Bezier pieces of a smooth curve through ``pts`` (chord-length Catmull-Rom)."""
    n = len(pts)
    if closed:
        tangents = [_norm(pts[(i + 1) % n][0] - pts[i - 1][0], pts[(i + 1) % n][1] - pts[i - 1][1])
                    for i in range(n)]
        pairs = [(i, (i + 1) % n) for i in range(n)]
    else:
        tangents = []
        for i in range(n):
            if 0 < i < n - 1:
                a, b = pts[i - 1], pts[i + 1]
                tangents.append(_norm(b[0] - a[0], b[1] - a[1]))
            elif i == 0 and start_phantom is not None:
                tangents.append(_norm(pts[1][0] - start_phantom[0], pts[1][1] - start_phantom[1]))
            elif i == n - 1 and end_phantom is not None:
                tangents.append(_norm(end_phantom[0] - pts[-2][0], end_phantom[1] - pts[-2][1]))
            else:
                tangents.append((math.nan, math.nan))
        # free ends: mirror the neighbour's tangent across the chord (a natural, parabola-like end)
        for i, j in ((0, 1), (n - 1, n - 2)):
            if math.isnan(tangents[i][0]):
                cx, cy = _norm(pts[j][0] - pts[i][0], pts[j][1] - pts[i][1])
                if i == n - 1:
                    cx, cy = -cx, -cy
                if n > 2 and not math.isnan(tangents[j][0]):
                    tx, ty = tangents[j]
                    dot = cx * tx + cy * ty
                    tangents[i] = _norm(2 * dot * cx - tx, 2 * dot * cy - ty)
                else:
                    tangents[i] = (cx, cy)
        pairs = [(i, i + 1) for i in range(n - 1)]
    segs: list[Segment] = []
    for i, j in pairs:
        p0, p1 = pts[i], pts[j]
        length = math.hypot(p1[0] - p0[0], p1[1] - p0[1]) * tension
        t0, t1 = tangents[i], tangents[j]
        segs.append((p0, (p0[0] + t0[0] * length, p0[1] + t0[1] * length),
                     (p1[0] - t1[0] * length, p1[1] - t1[1] * length), p1))
    return segs


def _edge(edges: dict[tuple[str, str], Segment | None], a: str, b: str, points: dict[str, Point]) -> Segment:
    seg = edges.get((a, b))
    if seg is not None:
        return seg
    seg = edges.get((b, a))
    if seg is not None:
        return (seg[3], seg[2], seg[1], seg[0])
    pa, pb = points[a], points[b]
    return (pa, pa, pb, pb)


def _bezier_samples(seg: Segment, steps: int = 8) -> list[Point]:
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = seg
    out = []
    for k in range(steps):
        t = k / steps
        u = 1 - t
        a, b, c, d = u * u * u, 3 * u * u * t, 3 * u * t * t, t * t * t
        out.append((a * x0 + b * x1 + c * x2 + d * x3, a * y0 + b * y1 + c * y2 + d * y3))
    return out


def polygon(edges: dict[tuple[str, str], Segment | None], cycle: tuple[str, ...],
            points: dict[str, Point], steps: int = 8) -> list[Point]:
    """The cycle sampled as a polygon (for areas, centroids and tests)."""
    pts: list[Point] = []
    for i, a in enumerate(cycle):
        b = cycle[(i + 1) % len(cycle)]
        pts.extend(_bezier_samples(_edge(edges, a, b, points), steps))
    return pts


def signed_area(poly: list[Point]) -> float:
    s = 0.0
    for i, (x0, y0) in enumerate(poly):
        x1, y1 = poly[(i + 1) % len(poly)]
        s += x0 * y1 - x1 * y0
    return s / 2


def _centroid(poly: list[Point], area: float) -> Point:
    cx = cy = 0.0
    for i, (x0, y0) in enumerate(poly):
        x1, y1 = poly[(i + 1) % len(poly)]
        cr = x0 * y1 - x1 * y0
        cx += (x0 + x1) * cr
        cy += (y0 + y1) * cr
    return (cx / (6 * area), cy / (6 * area))


def _boundary_loops(shapes: list[RegionShape]) -> list[list[str]]:
    """Directed boundary edges of the union of the shapes, chained into closed loops."""
    count: dict[frozenset[str], int] = {}
    directed: list[tuple[str, str]] = []
    for s in shapes:
        cyc = s.nodes
        for i, a in enumerate(cyc):
            b = cyc[(i + 1) % len(cyc)]
            count[frozenset((a, b))] = count.get(frozenset((a, b)), 0) + 1
            directed.append((a, b))
    nxt: dict[str, list[str]] = {}
    order: list[tuple[str, str]] = []
    for a, b in directed:
        if count[frozenset((a, b))] == 1:
            nxt.setdefault(a, []).append(b)
            order.append((a, b))
    used: set[tuple[str, str]] = set()
    loops: list[list[str]] = []
    for a, b in order:
        if (a, b) in used:
            continue
        loop = [a]
        cur, to = a, b
        while (cur, to) not in used:
            used.add((cur, to))
            loop.append(to)
            cur = to
            cands = [c for c in nxt.get(cur, []) if (cur, c) not in used]
            if not cands:
                break
            to = cands[0]
        if loop[-1] == loop[0]:
            loop.pop()
        loops.append(loop)
    return loops


def _loops_d(view: View, loops: list[list[str]]) -> str:
    parts: list[str] = []
    for loop in loops:
        for i, a in enumerate(loop):
            b = loop[(i + 1) % len(loop)]
            parts.append(view.edge_d(a, b, first=(i == 0)))
        parts.append("Z")
    return "".join(parts)


# --------------------------------------------------------------------------- compile


@cache
def _read_yaml(path: Path) -> Any:
    """A geometry data file, read as ``yaml.safe_load`` reads it, by the knowledge compiler's
    faster reader (libyaml composes, a lean function builds; tests/test_fast_yaml.py)."""
    from .compiler import load_yaml

    with open(path, encoding="utf-8") as fh:
        return load_yaml(fh.read())


def _read_region_meta(regions_file: Path = REGIONS_FILE) -> dict[str, dict[str, Any]]:
    return {r["id"]: {**{k: r[k] for k in ("id", "label", "midline", "group")}, "within": list(r.get("within") or [])}
            for r in _read_yaml(regions_file)["regions"]}


def finer_regions_of(meta: Mapping[str, Mapping[str, Any]]) -> dict[str, tuple[str, ...]]:
    """coarse region -> the finer regions inside it (the reverse of ``within``), from region meta."""
    out: dict[str, list[str]] = {}
    for rid, r in meta.items():
        for coarse in r.get("within") or ():
            out.setdefault(coarse, []).append(rid)
    return {k: tuple(v) for k, v in out.items()}


class _Builder:
    """Instantiates one authored file into one view (one side of a lateral view, or both halves)."""

    def __init__(self, data: dict[str, Any], name: str, problems: list[str], mirror: bool = False,
                 meta: dict[str, dict[str, Any]] | None = None):
        self.data = data
        self.name = name
        self.problems = problems
        self.mirror = mirror  # lateral view drawn as the mirror image of the authored one
        self.symmetric = bool(data.get("symmetric"))
        self.width = float(data["width"])
        self.height = float(data["height"])
        self.top = float(data.get("top", 0))
        self.cx = float(data.get("cx", self.width / 2))
        # a close-up of the arms moves them toward the midline: X + x_shift (symmetric views)
        self.x_shift = float(data.get("x_shift", 0))
        # sign of screen x for the person's right half in a symmetric view
        self.right_sign = -1.0 if data.get("right_on") == "viewer-left" else 1.0
        self.nodes: dict[str, list[float]] = data["nodes"]
        self.points: dict[str, Point] = {}
        self.edges: dict[tuple[str, str], Segment | None] = {}
        self.meta = _read_region_meta() if meta is None else meta
        self.midline_regions = {rid for rid, r in self.meta.items() if r["midline"]}

    # -- nodes
    def is_mid(self, name: str) -> bool:
        return self.symmetric and float(self.nodes[name][0]) == 0.0

    def screen(self, x: float, y: float, side: str) -> Point:
        if self.symmetric:
            sign = self.right_sign if side == "right" else -self.right_sign
            return (self.cx + sign * (x + self.x_shift), y + self.top)
        if self.mirror:
            return (self.width - x, y + self.top)
        return (x, y + self.top)

    def inst(self, ref: str, side: str) -> str | None:
        """Instance id of a node reference on a side (``~name`` is the other half's node)."""
        other = ref.startswith("~")
        name = ref[1:] if other else ref
        if name not in self.nodes:
            self.problems.append(f"{self.name}: unknown node {name!r}")
            return None
        if not self.symmetric:
            iid = name
            side_used = side
        elif self.is_mid(name):
            iid = "M:" + name
            side_used = "right"
        else:
            side_used = ("left" if side == "right" else "right") if other else side
            iid = ("R:" if side_used == "right" else "L:") + name
        if iid not in self.points:
            x, y = self.nodes[name]
            self.points[iid] = self.screen(float(x), float(y), side_used)
        return iid

    def halves(self) -> tuple[str, ...]:
        return SIDES if self.symmetric else ("left" if self.mirror else "right",)

    # -- chains
    def add_chains(self) -> None:
        for cname, spec in (self.data.get("chains") or {}).items():
            refs, closed, tension = _chain_spec(spec)
            for side in self.halves():
                ids = [self.inst(r, side) for r in refs]
                if any(i is None for i in ids):
                    continue
                iids = [i for i in ids if i is not None]
                pts = [self.points[i] for i in iids]
                start_ph = end_ph = None
                if self.symmetric and not closed:
                    if self.is_mid(refs[0].lstrip("~")) and len(pts) > 1:
                        start_ph = (2 * self.cx - pts[1][0], pts[1][1])
                    if self.is_mid(refs[-1].lstrip("~")) and len(pts) > 1:
                        end_ph = (2 * self.cx - pts[-2][0], pts[-2][1])
                if len(pts) < 2:
                    self.problems.append(f"{self.name}: chain {cname} has fewer than two nodes")
                    continue
                segs = _smooth(pts, start_ph, end_ph, closed, tension)
                pairs = list(zip(iids, iids[1:] + iids[:1] if closed else iids[1:], strict=False))
                for (a, b), seg in zip(pairs, segs, strict=True):
                    if (a, b) in self.edges or (b, a) in self.edges:
                        continue  # a chain crossing the midline is met again from the other half
                    self.edges[(a, b)] = seg

    # -- regions
    def build_regions(self) -> list[RegionShape]:
        meta = self.meta
        shapes: list[RegionShape] = []
        for spec in self.data.get("regions") or []:
            rid = spec["region"]
            if rid not in meta:
                self.problems.append(f"{self.name}: region {rid!r} is not in regions.yaml")
                continue
            midline = rid in self.midline_regions
            sides: tuple[str, ...] = ("right",) if (midline and self.symmetric) else self.halves()
            for side in sides:
                ids = [self.inst(r, side) for r in spec["nodes"]]
                if any(i is None for i in ids):
                    continue
                cyc = tuple(i for i in ids if i is not None)
                poly = polygon(self.edges, cyc, self.points)
                area = signed_area(poly)
                if abs(area) < 1e-6:
                    self.problems.append(f"{self.name}: region {rid} ({side}) has no area")
                    continue
                if area < 0:  # normalise orientation (counter-clockwise on screen, y down)
                    cyc = (cyc[0], *reversed(cyc[1:]))
                    poly = polygon(self.edges, cyc, self.points)
                    area = -area
                xs = [p[0] for p in poly]
                ys = [p[1] for p in poly]
                d_parts = []
                for i, a in enumerate(cyc):
                    b = cyc[(i + 1) % len(cyc)]
                    d_parts.append(_edge_d(self.edges, self.points, a, b, i == 0))
                d_parts.append("Z")
                shapes.append(RegionShape(
                    region=rid,
                    side=None if midline else side,
                    nodes=cyc,
                    d="".join(d_parts),
                    bbox=(min(xs), min(ys), max(xs), max(ys)),
                    center=_centroid(poly, area),
                    area=area,
                ))
        return shapes

    def build_details(self) -> str:
        parts: list[str] = []
        for spec in self.data.get("details") or []:
            refs, closed, tension = _chain_spec(spec)
            for side in self.halves():
                ids = [self.inst(r, side) for r in refs]
                if any(i is None for i in ids):
                    continue
                pts = [self.points[i] for i in ids if i is not None]
                crosses = any(r.startswith("~") for r in refs) or all(self.is_mid(r.lstrip("~")) for r in refs)
                if self.symmetric and crosses and side == "left":
                    continue  # drawn once, from the right half
                segs = _smooth(pts, None, None, closed, tension)
                parts.append(f"M{fmt(pts[0][0])} {fmt(pts[0][1])}")
                for seg in segs:
                    parts.append(f"C{fmt(seg[1][0])} {fmt(seg[1][1])} {fmt(seg[2][0])} {fmt(seg[2][1])} "
                                 f"{fmt(seg[3][0])} {fmt(seg[3][1])}")
                if closed:
                    parts.append("Z")
        return "".join(parts)


def _edge_d(edges: dict[tuple[str, str], Segment | None], points: dict[str, Point], a: str, b: str,
            first: bool) -> str:
    seg = _edge(edges, a, b, points)
    out = f"M{fmt(seg[0][0])} {fmt(seg[0][1])}" if first else ""
    if seg[1] == seg[0] and seg[2] == seg[3]:
        return out + f"L{fmt(seg[3][0])} {fmt(seg[3][1])}"
    return out + (f"C{fmt(seg[1][0])} {fmt(seg[1][1])} {fmt(seg[2][0])} {fmt(seg[2][1])} "
                  f"{fmt(seg[3][0])} {fmt(seg[3][1])}")


def _chain_spec(spec: Any) -> tuple[list[str], bool, float]:
    if isinstance(spec, dict):
        return list(spec["nodes"]), bool(spec.get("closed", False)), float(spec.get("tension", 0.34))
    return list(spec), False, 0.34


def _view_data(file: str, geometry_dir: Path = GEOMETRY_DIR) -> dict[str, Any]:
    """An authored view file; ``base: other.yaml`` takes that file's nodes and chains (the file's own
    nodes and chains, by name, replace them), so a close-up can reuse and subdivide a body view."""
    data = dict(_read_yaml(geometry_dir / file))
    base = data.get("base")
    if base:
        parent = _view_data(str(base), geometry_dir)
        data["nodes"] = {**parent.get("nodes", {}), **(data.get("nodes") or {})}
        data["chains"] = {**(parent.get("chains") or {}), **(data.get("chains") or {})}
    return data


def _compile_view(name: str, geometry_dir: Path = GEOMETRY_DIR,
                  meta: dict[str, dict[str, Any]] | None = None) -> View:
    problems: list[str] = []
    if name not in VIEW_FILES:
        raise ValueError(f"unknown view {name!r}; allowed: {', '.join(VIEWS)}")
    file, mirror = VIEW_FILES[name]
    data = _view_data(file, geometry_dir)
    b = _Builder(data, name, problems, mirror=mirror, meta=meta)
    b.add_chains()
    shapes = b.build_regions()
    details = b.build_details()
    if problems:
        raise GeometryError(problems)
    shapes.sort(key=lambda s: (s.region, s.side or ""))
    marks: dict[str, Point] = {}
    for side, (x, y) in (data.get("side_marks") or {}).items():
        marks[side] = b.screen(float(x), float(y), side)
    view = View(
        name=name,
        width=b.width,
        height=b.height,
        body_top=b.top,
        cx=b.cx,
        right_sign=b.right_sign if b.symmetric else 1.0,
        regions=tuple(shapes),
        points=b.points,
        edges=b.edges,
        outline="",
        grid="",
        details=details,
        side_marks=marks,
        symmetric=b.symmetric,
        pieces=int(data.get("pieces", 1)),
        mirror_of=next((v for v, (f, m) in VIEW_FILES.items() if f == file and not m), None) if mirror else None,
        counterpart=_counterpart(data.get("counterpart"), mirror),
        x_shift=b.x_shift,
    )
    for s in shapes:
        view._by_key.setdefault(s.key, []).append(s)
    view.outline = view.union_outline(list(shapes))
    view.grid = _grid_d(view)
    return view


def _counterpart(name: object, mirror: bool) -> str | None:
    if not name:
        return None
    text = str(name)
    return {"right": "left", "left": "right"}.get(text, text) if mirror else text


def _grid_d(view: View) -> str:
    """Every edge shared by two regions, once, as separate subpaths (stable order)."""
    seen: set[frozenset[str]] = set()
    parts: list[str] = []
    count: dict[frozenset[str], int] = {}
    for s in view.regions:
        for i, a in enumerate(s.nodes):
            k = frozenset((a, s.nodes[(i + 1) % len(s.nodes)]))
            count[k] = count.get(k, 0) + 1
    for s in view.regions:
        for i, a in enumerate(s.nodes):
            b = s.nodes[(i + 1) % len(s.nodes)]
            k = frozenset((a, b))
            if count[k] > 1 and k not in seen:
                seen.add(k)
                parts.append(view.edge_d(a, b, first=True))
    return "".join(parts)


class _Bundle(TypedDict):
    """What :func:`compile_bundle` compiles (kept, pickled, in the compiled knowledge base)."""

    views: dict[str, View]
    regions: dict[str, dict[str, Any]]
    tps: dict[str, dict[str, Point]]
    muscle_views: dict[str, list[str]]


def compile_bundle(data_dir: str | Path | None = None) -> _Bundle:
    """Compile the views, region names and trigger-point positions from ``data_dir`` (the knowledge
    base's data directory; its ``geometry/`` and ``regions.yaml``). Build-time: the knowledge
    compiler calls it and keeps the result, pickled, in the knowledge base's one compiled artifact."""
    base = Path(data_dir) if data_dir is not None else GEOMETRY_DIR.parent
    geometry_dir = base / "geometry"
    meta = _read_region_meta(base / "regions.yaml")
    raw = _read_yaml(geometry_dir / "trigger_points.yaml") or {}
    tps = {tp: {v: (float(p[0]), float(p[1])) for v, p in views.items()}
           for tp, views in (raw.get("positions") or {}).items()}
    views = {name: _compile_view(name, geometry_dir, meta) for name in VIEWS}
    finer = finer_regions_of(meta)
    problems: list[str] = []
    for view in views.values():
        if view.counterpart is None:
            continue
        whole = views.get(view.counterpart)
        if whole is None:
            problems.append(f"{view.name}: counterpart {view.counterpart!r} is not a view; allowed: {', '.join(VIEWS)}")
            continue
        view._finer = finer
        view._counterpart_keys = frozenset(whole._by_key)
    if problems:
        raise GeometryError(problems)
    return {
        "views": views,
        "regions": meta,
        "tps": tps,
        "muscle_views": {m: list(v) for m, v in (raw.get("views") or {}).items()},
    }


def dumps_bundle(bundle: _Bundle) -> bytes:
    """The compiled geometry as one pickled blob (unpickled only when a chart is first drawn)."""
    return pickle.dumps(bundle, protocol=pickle.HIGHEST_PROTOCOL)


