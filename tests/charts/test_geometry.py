"""The body views: every region drawn, regions tiling the body, every trigger point placed."""

from __future__ import annotations

import math
import os

import pytest
import yaml

from triggermap.charts import geometry as g

from . import synthetic

LATERAL_VIEW_REGIONS = ("hip-lateral", "thigh-lateral", "knee-lateral", "leg-lateral", "ankle-lateral")


def _regions_yaml():
    with open(g.REGIONS_FILE, encoding="utf-8") as fh:
        return yaml.safe_load(fh)["regions"]


def test_every_contract_region_has_geometry_on_some_view():
    missing = []
    for r in _regions_yaml():
        sides = [None] if r["midline"] else ["left", "right"]
        for side in sides:
            if not any(g.get_view(v).has(r["id"], side) for v in g.VIEWS):
                missing.append((r["id"], side))
    assert not missing, f"regions with no geometry: {missing}"


def test_views_only_use_known_regions_and_sides():
    meta = {r["id"]: r for r in _regions_yaml()}
    for v in g.VIEWS:
        for s in g.get_view(v).regions:
            assert s.region in meta
            assert (s.side is None) == bool(meta[s.region]["midline"]), (v, s.region, s.side)


def test_lateral_views_show_the_side_regions_of_their_own_side_only():
    for view in ("right", "left"):
        v = g.get_view(view)
        for region in LATERAL_VIEW_REGIONS:
            assert v.has(region, view), (view, region)
        assert all(s.side in (None, view) for s in v.regions)
    for view, side in (("head-right", "right"), ("head-left", "left")):
        v = g.get_view(view)
        assert v.has("jaw", side) and v.has("vertex", None)
        assert all(s.side in (None, side) for s in v.regions)
        # the left view is the mirror image of the right one
        twin = g.get_view("head-right").shapes(v.regions[0].region, "right" if v.regions[0].side else None)[0]
        assert math.isclose(twin.center[0], v.width - v.regions[0].center[0] if side == "left" else twin.center[0])


def test_symmetric_views_are_symmetric():
    symmetric = [v for v in g.VIEWS if g.get_view(v).symmetric]
    assert {"front", "back", "upper-front", "upper-back", "arms-front", "arms-back", "hands-palm",
            "hands-back"} <= set(symmetric)
    for view in symmetric:
        v = g.get_view(view)
        right = {s.region for s in v.regions if s.side == "right"}
        left = {s.region for s in v.regions if s.side == "left"}
        assert right == left and right
        for s in v.regions:
            if s.side == "right":
                (twin,) = v.shapes(s.region, "left")
                assert math.isclose(s.area, twin.area, rel_tol=1e-6)
                # the person's right is on the viewer's left in the front views, right in the back views
                assert (s.center[0] < v.cx) == (v.right_sign < 0), (view, s.region)
                assert (v.right_sign < 0) == (view in ("front", "upper-front", "arms-front", "hands-palm")), view


@pytest.mark.parametrize("view", g.VIEWS)
def test_regions_tile_the_body_without_gaps_or_overlaps(view):
    v = g.get_view(view)
    use: dict[frozenset, list[tuple[str, str]]] = {}
    for s in v.regions:
        for i, a in enumerate(s.nodes):
            b = s.nodes[(i + 1) % len(s.nodes)]
            use.setdefault(frozenset((a, b)), []).append((a, b))
    # an edge is shared by at most two regions, traversed in opposite directions (faces on either side)
    for edge, dirs in use.items():
        assert len(dirs) <= 2, (view, sorted(edge))
        if len(dirs) == 2:
            assert dirs[0] == dirs[1][::-1], (view, sorted(edge))
    # the regions' areas add up to the area inside the body outline: nothing overlaps, nothing is missing
    loops = g._boundary_loops(list(v.regions))
    outline_area = sum(abs(g.signed_area(g.polygon(v.edges, tuple(loop), v.points))) for loop in loops)
    total = sum(s.area for s in v.regions)
    # one closed curve per piece of the drawing (a body is one piece; the two hands are two)
    assert len(loops) == v.pieces, f"{view}: the outline should be {v.pieces} closed curve(s), got {len(loops)}"
    assert math.isclose(total, outline_area, rel_tol=1e-3), (view, total, outline_area)
    for s in v.regions:
        assert s.area > 20, (view, s.region, s.side, s.area)


@pytest.mark.parametrize("view", g.VIEWS)
def test_no_region_boundary_crosses_another(view):
    """Smoothed boundaries must not cut through a neighbour (which the area check could miss)."""
    v = g.get_view(view)
    segs = []
    seen = set()
    for s in v.regions:
        for i, a in enumerate(s.nodes):
            b = s.nodes[(i + 1) % len(s.nodes)]
            k = frozenset((a, b))
            if k in seen:
                continue
            seen.add(k)
            pts = g._bezier_samples(g._edge(v.edges, a, b, v.points), 12) + [v.points[b]]
            segs.append((k, pts))

    def cross(p, q, r, t):
        def orient(a, b, c):
            return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])

        d1, d2, d3, d4 = orient(r, t, p), orient(r, t, q), orient(p, q, r), orient(p, q, t)
        return d1 * d2 < -1e-9 and d3 * d4 < -1e-9

    bad = []
    for i, (k1, p1) in enumerate(segs):
        box1 = (min(x for x, _ in p1), min(y for _, y in p1), max(x for x, _ in p1), max(y for _, y in p1))
        for k2, p2 in segs[i + 1:]:
            if k1 & k2:
                continue  # edges meeting at a node
            if (max(x for x, _ in p2) < box1[0] or min(x for x, _ in p2) > box1[2]
                    or max(y for _, y in p2) < box1[1] or min(y for _, y in p2) > box1[3]):
                continue
            if any(cross(a, b, c, d) for a, b in zip(p1, p1[1:], strict=False) for c, d in zip(p2, p2[1:], strict=False)):
                bad.append((sorted(k1), sorted(k2)))
    assert not bad, f"{view}: crossing boundaries {bad[:5]}"


def _inside(point, poly):
    x, y = point
    inside = False
    for (x0, y0), (x1, y1) in zip(poly, poly[1:] + poly[:1], strict=False):
        if (y0 > y) != (y1 > y) and x < x0 + (y - y0) * (x1 - x0) / (y1 - y0):
            inside = not inside
    return inside


def test_every_trigger_point_has_a_position_or_a_site_on_the_body(kb):
    """Each trigger point is placed: an explicit position in trigger_points.yaml, or a ``site``
    region drawn on some view (then it is marked inside that region)."""
    assert not g.unplaced_trigger_points(kb.muscles), "trigger points with neither a position nor a drawn site"
    for _muscle_id, tp in kb.trigger_points.values():
        if not g.tp_positions().get(tp.id) and tp.site:
            views = [v for v in g.VIEWS for side in g.SIDES if g.site_points(v, tp.site, side)]
            assert views, (tp.id, tp.site)


def _synthetic(tps):
    return {"synthetic": synthetic.muscle("synthetic", tps)}


def test_a_trigger_point_with_neither_position_nor_site_is_reported():
    tp = synthetic.trigger_point
    muscles = _synthetic([tp("synthetic-tp1"), tp("synthetic-tp2", "jaw"), tp("synthetic-tp3", "no-such-region")])
    assert g.unplaced_trigger_points(muscles) == ["synthetic-tp1", "synthetic-tp3"]


@pytest.mark.parametrize("site", ["jaw", "scapula", "forearm-radial", "thumb", "sternum", "temple"])
def test_site_placed_trigger_points_lie_inside_their_region_spread_apart_and_mirrored(site):
    muscle = synthetic.muscle("synthetic", [synthetic.trigger_point(f"s-tp{i}", site) for i in range(3)]
                              # an explicit position wins over the site
                              + [synthetic.trigger_point("gluteus-medius-tp1", site)])
    midline = g.region_meta()[site]["midline"]
    drawn = 0
    for view in g.VIEWS:
        v = g.get_view(view)
        for side in g.SIDES:
            pts = g.muscle_tp_points(muscle, view, side)
            site_pts = [p for t, p in pts.items() if t.startswith("s-tp")]
            if not site_pts:
                assert not v.has(site, None if midline else side) or g.VIEW_SIDE.get(view, side) != side
                continue
            drawn += 1
            (shape,) = v.shapes(site, None if midline else side)
            poly = g.polygon(v.edges, shape.nodes, v.points)
            assert len(site_pts) == 3
            for p in site_pts:
                assert g.point_in_polygon(p, poly), (view, side, p)
            gaps = [math.dist(a, b) for i, a in enumerate(site_pts) for b in site_pts[i + 1:]]
            assert min(gaps) > 3, (view, side, gaps)
            assert ("gluteus-medius-tp1" in pts) == (g.tp_point("gluteus-medius-tp1", view, side) is not None)
            if v.symmetric and side == "left":
                right = sorted(p for t, p in g.muscle_tp_points(muscle, view, "right").items() if t.startswith("s-tp"))
                mirrored = sorted((2 * v.cx - x, y) for x, y in site_pts)
                assert all(math.isclose(a[0], b[0]) and math.isclose(a[1], b[1]) for a, b in zip(right, mirrored, strict=True))
    assert drawn >= 2  # both sides (or one midline region seen from two views)


def test_positions_are_for_known_trigger_points_and_views(kb):
    for tp, views in g.tp_positions().items():
        assert tp in kb.trigger_points, f"position for unknown trigger point {tp!r}"
        assert set(views) <= set(g.POSITION_KEY.values()), (tp, views)
    for muscle, views in g.muscle_views().items():
        assert muscle in kb.muscles and set(views) <= {"side", "head", *g.VIEWS}, (muscle, views)


def test_trigger_points_lie_on_the_body(kb):
    for muscle in kb.muscles.values():
        for view in g.VIEWS:
            v = g.get_view(view)
            for side in ("right", "left"):
                for tp, p in g.muscle_tp_points(muscle, view, side).items():
                    assert any(_inside(p, g.polygon(v.edges, s.nodes, v.points)) for s in v.regions), (tp, view, side)


def test_left_positions_mirror_right():
    v = g.get_view("back")
    tp, pos = next((t, p) for t, p in g.tp_positions().items() if "back" in p)
    r, l_ = g.tp_point(tp, "back", "right"), g.tp_point(tp, "back", "left")
    assert r[1] == l_[1] and math.isclose(r[0] - v.cx, v.cx - l_[0])
    assert r[0] > v.cx  # back view: the person's right is on the viewer's right
    # a lateral view shows only its own side
    t2 = next(t for t, p in g.tp_positions().items() if "side" in p)
    assert g.tp_point(t2, "right", "left") is None and g.tp_point(t2, "right", "right") is not None


def test_inconsistent_geometry_is_reported():
    data = {
        "view": "front", "symmetric": True, "width": 100, "height": 100,
        "nodes": {"a": [0, 0], "b": [10, 0], "c": [10, 10]},
        "chains": {"x": ["a", "nowhere"]},
        "regions": [{"region": "no-such-region", "nodes": ["a", "b", "c"]},
                    {"region": "chest", "nodes": ["a", "b", "ghost"]}],
    }
    problems: list[str] = []
    b = g._Builder(data, "test", problems)
    b.add_chains()
    b.build_regions()
    text = "\n".join(problems)
    assert "nowhere" in text and "no-such-region" in text and "ghost" in text


def test_geometry_is_compiled_into_the_one_knowledge_base_cache_and_loaded_lazily(tmp_path):
    """One cache file holds the knowledge base and the chart geometry; a process that loads the
    knowledge base without drawing a chart does not import or build the geometry."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "TRIGGERMAP_CACHE_DIR": str(tmp_path)}
    probe = (
        "import sys\n"
        "from triggermap.knowledge import load\n"
        "kb = load()\n"
        "assert isinstance(kb.geometry, bytes) and kb.geometry, type(kb.geometry)\n"
        "warm = sys.argv[1] == 'warm'\n"
        "assert not warm or 'triggermap.charts.geometry' not in sys.modules, 'a warm load imported the charts'\n"
        "from triggermap.charts import geometry as g\n"
        "assert g.get_view('front').regions\n"
        "print('ok')\n"
    )
    for state in ("cold", "warm"):  # cold compiles and writes the cache, warm reads it
        run = subprocess.run([sys.executable, "-c", probe, state], env=env, capture_output=True, text=True, check=False)
        assert run.returncode == 0 and run.stdout.strip() == "ok", run.stderr
        assert [p.name for p in tmp_path.iterdir() if not p.name.startswith("kb-")] == []
        assert len(list(tmp_path.glob("kb-*.pickle"))) == 1


def test_a_close_up_whose_counterpart_is_not_a_view_is_reported(tmp_path):
    """compile_bundle (knowledge.geometry, build time) checks each close-up's ``counterpart``, which
    the compiled view uses to decide which coarse regions it shows by their finer ones."""
    import shutil

    from triggermap.knowledge import geometry as kg
    from triggermap.knowledge.loader import DATA_DIR

    data = tmp_path / "data"
    (data / "geometry").mkdir(parents=True)
    shutil.copy(os.path.join(DATA_DIR, "regions.yaml"), data / "regions.yaml")
    for f in os.listdir(os.path.join(DATA_DIR, "geometry")):
        shutil.copy(os.path.join(DATA_DIR, "geometry", f), data / "geometry" / f)
    good = kg.compile_bundle(data)["views"]["upper-front"]
    assert good.counterpart == "front" and good.covers("chest", "right")
    path = data / "geometry" / "upper-front.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("counterpart: front", "counterpart: torso"),
                    encoding="utf-8")
    kg._read_yaml.cache_clear()  # it caches each file by path
    with pytest.raises(kg.GeometryError) as exc:
        kg.compile_bundle(data)
    assert exc.value.problems == ["upper-front: counterpart 'torso' is not a view; allowed: " + ", ".join(g.VIEWS)]
