"""SVG charts: valid, deterministic, accessible, scriptable; colours follow the data."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from triggermap import charts
from triggermap.charts import style
from triggermap.charts.geometry import BODY_VIEWS, VIEWS, get_view, muscle_tp_points, region_meta

from . import synthetic

NS = {"svg": "http://www.w3.org/2000/svg"}
SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg.encode("utf-8"))


def region_paths(root: ET.Element) -> list[ET.Element]:
    return [e for e in root.iter(f"{SVG}path") if e.get("data-region")]


def fill_of(root: ET.Element, region: str, side: str | None) -> set[str]:
    return {e.get("fill") for e in region_paths(root) if e.get("data-region") == region and e.get("data-side") == side}


def luminance(hex_colour: str) -> float:
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


# ------------------------------------------------------------------ body map (web app)


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("lang", ["en", "es"])
def test_body_map_regions_are_named_clickable_paths(view, lang):
    svg = charts.body_svg(view, lang)
    root = parse(svg)
    assert root.get("role") == "group" and root.get("aria-labelledby")
    assert root.find("svg:title", NS) is not None and root.find("svg:desc", NS) is not None
    paths = region_paths(root)
    assert len(paths) == len(get_view(view).regions) > (20 if view in BODY_VIEWS else 4)
    meta = region_meta()
    for p in paths:
        region, side = p.get("data-region"), p.get("data-side")
        assert region in meta
        if meta[region]["midline"]:
            assert side is None
        else:
            assert side in ("left", "right")
        title = p.find("svg:title", NS)
        assert title is not None and title.text == charts.region_title(region, side, lang)
        assert meta[region]["label"][lang] in title.text
        assert p.get("role") == "checkbox" and p.get("tabindex") == "0"
        assert p.get("aria-checked") == "false" and p.get("aria-label")


def test_body_map_spanish_labels_and_side_letters():
    root = parse(charts.body_svg("back", "es"))
    titles = {p.find("svg:title", NS).text for p in region_paths(root)}
    assert "Nalga, parte inferior interna (lado izquierdo)" in titles
    texts = {t.text for t in root.iter(f"{SVG}text")}
    assert {"D", "I"} <= texts
    assert {"R", "L"} <= {t.text for t in parse(charts.body_svg("back", "en")).iter(f"{SVG}text")}


def test_body_map_marks_check_and_shade_regions():
    root = parse(charts.body_svg("back", "en", [("calf", "left", 9), {"region": "coccyx", "intensity": 2}]))
    (calf,) = [p for p in region_paths(root) if p.get("data-region") == "calf" and p.get("data-side") == "left"]
    assert calf.get("aria-checked") == "true" and calf.get("data-intensity") == "9"
    assert calf.get("fill") == style.intensity_colour(9)
    assert "9 of 10" in calf.get("aria-label")
    assert fill_of(root, "calf", "right") == {style.BODY_FILL}


def test_orientation_letters_follow_the_view():
    """Front: the person's right on the viewer's left; back: on the viewer's right."""
    for view, right_on_left in (("front", True), ("back", False)):
        root = parse(charts.body_svg(view))
        letters = {t.text: float(t.get("x")) for t in root.iter(f"{SVG}text")}
        assert (letters["R"] < letters["L"]) == right_on_left
        buttock = [p for p in region_paths(root) if p.get("data-side") == "right"]
        xs = [float(x) for p in buttock for x in re.findall(r"M([\d.]+)", p.get("d"))[:1]]
        assert (sum(xs) / len(xs) < get_view(view).cx) == right_on_left


# ------------------------------------------------------------------ muscle chart


def test_every_muscle_chart_is_valid_and_complete(kb):
    for mid, muscle in kb.muscles.items():
        for lang in ("en", "es"):
            svg = charts.muscle_chart(kb, mid, lang)
            root = parse(svg)
            assert root.get("role") == "img"
            assert root.find("svg:title", NS).text.startswith(muscle.names.of(lang))
            views = [g.get("data-view") for g in root.iter(f"{SVG}g") if g.get("data-view")]
            assert views, mid
            # every trigger point is marked on at least one of the chart's views
            marked = {g.get("data-trigger-point") for g in root.iter(f"{SVG}g") if g.get("class") == "tm-trp"}
            assert marked == {tp.id for tp in muscle.trigger_points}, mid
            n_marks = sum(len(muscle_tp_points(muscle, v, "right")) for v in views)
            assert len([g for g in root.iter(f"{SVG}g") if g.get("class") == "tm-trp"]) == n_marks
            # zones: essential solid red, spillover stippled, on the right side
            for tp in muscle.trigger_points:
                for ref in tp.essential:
                    side = None if region_meta()[ref.region]["midline"] else "right"
                    fills = fill_of(root, ref.region, side)
                    if fills:
                        assert fills == {style.ESSENTIAL}, (mid, ref)
            assert (style.word(lang, "disclaimer")) in svg


def test_essential_zone_is_solid_and_spillover_is_stippled(kb):
    root = parse(charts.muscle_chart(kb, "gluteus-minimus"))
    assert fill_of(root, "thigh-lateral", "right") == {style.ESSENTIAL}
    assert fill_of(root, "ankle-lateral", "right") == {"url(#tm-stipple)"}
    assert fill_of(root, "thigh-lateral", "left") == {style.BODY_FILL}
    pattern = root.find(".//svg:pattern[@id='tm-stipple']", NS)
    assert pattern is not None and pattern.findall("svg:circle", NS)
    texts = " ".join(t.text or "" for t in root.iter(f"{SVG}text"))
    assert "Musculus gluteus minimus" in texts or kb.muscles["gluteus-minimus"].names.la in texts
    assert "Trigger point" in texts and "Essential zone" in texts and "Spillover zone" in texts


def test_muscle_chart_in_spanish(kb):
    svg = charts.muscle_chart(kb, "piriformis", "es")
    assert "Solo educativo, no es un diagnóstico." in svg
    assert "Punto gatillo" in svg and kb.muscles["piriformis"].names.es in svg


def test_muscle_chart_can_show_the_left_side(kb):
    root = parse(charts.muscle_chart(kb, "tensor-fasciae-latae", side="left"))
    assert fill_of(root, "hip-lateral", "left") == {style.ESSENTIAL}
    assert "left" in {g.get("data-view") for g in root.iter(f"{SVG}g")}


def test_chart_errors_name_the_field(kb):
    with pytest.raises(charts.ChartError) as e:
        charts.muscle_chart(kb, "gluteus-minimu")
    assert e.value.field == "muscle" and "gluteus-minimus" in e.value.message
    with pytest.raises(charts.ChartError) as e:
        charts.muscle_chart(kb, "piriformis", lang="fr")
    assert e.value.field == "lang" and "en, es" in e.value.message
    with pytest.raises(charts.ChartError) as e:
        charts.body_svg("top")
    assert e.value.field == "view"
    for bad, field in (
        ([("calf", "middle", 3)], "pain[0].side"),
        ([("calf", "left", 11)], "pain[0].intensity"),
        ([("coccyx", "left", 2)], "pain[0].side"),
        ([("kalf", "left", 2)], "pain[0].region"),
    ):
        with pytest.raises(charts.ChartError) as e:
            charts.drawing_chart(kb, bad)
        assert e.value.field == field


# ------------------------------------------------------------------ pain drawing


def test_drawing_colour_follows_intensity(kb):
    root = parse(charts.drawing_chart(kb, [("calf", "left", 2), ("calf", "right", 9), ("sacrum", None, 5)]))
    low, high = fill_of(root, "calf", "left"), fill_of(root, "calf", "right")
    assert low == {style.intensity_colour(2)} and high == {style.intensity_colour(9)}
    assert luminance(high.pop()) < luminance(low.pop())  # more pain, darker
    assert fill_of(root, "sacrum", None) == {style.intensity_colour(5)}
    assert fill_of(root, "thigh-posterior", "left") == {style.BODY_FILL}
    # the scale is monotone in lightness, 0 to 10, and each step is a distinct colour
    lum = [luminance(c) for c in style.INTENSITY_COLOURS]
    assert all(a > b for a, b in zip(lum, lum[1:], strict=False))
    # both feet views draw the calf: every calf path of a side has the same colour
    assert len([p for p in region_paths(root) if p.get("data-region") == "calf"]) >= 2


def test_drawing_side_expansion_and_legend(kb):
    svg = charts.drawing_chart(kb, [{"region": "hip-lateral", "side": "both", "intensity": 6}], "es")
    root = parse(svg)
    assert fill_of(root, "hip-lateral", "left") == fill_of(root, "hip-lateral", "right") == {
        style.intensity_colour(6)}
    views = {g.get("data-view") for g in root.iter(f"{SVG}g") if g.get("data-view")}
    assert views == {"front", "back", "right", "left"}  # lateral pain brings the side views
    scale = [r for r in root.iter(f"{SVG}rect") if r.get("data-intensity")]
    assert [r.get("fill") for r in scale] == list(style.INTENSITY_COLOURS)
    assert "Intensidad del dolor" in svg and "Cadera" not in root.find("svg:title", NS).text


def test_empty_drawing_says_so(kb):
    assert "No painful areas were marked." in charts.drawing_chart(kb, [])


# ------------------------------------------------------------------ assessment chart


def test_assessment_chart_outlines_the_top_muscles(kb, case):
    from triggermap.engine import assess, parse_intake

    result = assess(case, kb)
    marks = parse_intake(case, kb).pain
    svg = charts.assessment_chart(kb, marks, result)
    root = parse(svg)
    top = [m["id"] for m in result["muscles"][:3]]
    outlined = [e.get("data-muscle") for e in root.iter(f"{SVG}path") if e.get("class") == "tm-zone"]
    assert set(outlined) == set(top)
    colours = {e.get("data-muscle"): e.get("stroke") for e in root.iter(f"{SVG}path") if e.get("class") == "tm-zone"}
    assert len(set(colours.values())) == len(top)
    assert set(colours.values()) <= set(style.MUSCLE_COLOURS)
    # the drawing underneath keeps its intensity colours
    assert fill_of(root, "buttock-lower-outer", "right") == {style.intensity_colour(7)}
    for m in result["muscles"][:3]:
        assert m["name"] in svg
    # each outline is clipped to its zone (an inner band)
    for e in root.iter(f"{SVG}path"):
        if e.get("class") == "tm-zone":
            assert e.get("clip-path", "").startswith("url(#")


def test_assessment_chart_without_muscles(kb):
    svg = charts.assessment_chart(kb, [("face", "left", 4)], {"muscles": [], "uncovered": [{"region": "face",
                                                                                          "side": "left"}]})
    assert "No muscle in triggermap refers pain" in svg
    assert 'fill="url(#tm-hatch)"' in svg
    parse(svg)


# ------------------------------------------------------------------ determinism


def _all_charts(kb, case):
    from triggermap.engine import assess, parse_intake

    marks = parse_intake(case, kb).pain
    return [charts.body_svg(v, lang) for v in VIEWS for lang in ("en", "es")] + [
        charts.muscle_chart(kb, "gluteus-minimus", "es"),
        charts.drawing_chart(kb, marks),
        charts.assessment_chart(kb, marks, assess(case, kb)),
    ]


def test_same_input_same_bytes(kb, case):
    first = _all_charts(kb, case)
    assert first == _all_charts(kb, case)


def test_same_bytes_in_a_fresh_process(kb, case):
    code = (
        "import hashlib, json, sys\n"
        "from triggermap.knowledge import load\n"
        "from triggermap import charts\n"
        "kb = load()\n"
        "print(hashlib.sha256(charts.muscle_chart(kb, 'gluteus-medius').encode()).hexdigest())\n"
    )
    env = dict(os.environ, PYTHONHASHSEED="12345")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == hashlib.sha256(charts.muscle_chart(kb, "gluteus-medius").encode()).hexdigest()


def test_no_unstable_content(kb):
    svg = charts.muscle_chart(kb, "piriformis")
    assert not re.search(r"\d\.\d{2,}", re.sub(r'scale\([\d.]+\)', "", svg)), "numbers have a fixed precision"
    assert "-0 " not in svg and "nan" not in svg.lower()


# ------------------------------------------------------------------ close-ups (finer 1.1 regions)


# a knowledge base holding synthetic muscles whose trigger points have a ``site``
_KB = synthetic.knowledge
_tp = synthetic.trigger_point
_synthetic_muscle = synthetic.muscle


CHEWER = _synthetic_muscle("chewer", [_tp("chewer-tp1", "jaw", ["jaw", "teeth"], ["ear"]),
                                      _tp("chewer-tp2", "jaw", ["cheek"], ["eye"]),
                                      _tp("chewer-tp3", "cheek", ["temple"])])
EXTENSOR = _synthetic_muscle("extensor", [_tp("extensor-tp1", "forearm-radial", ["elbow-lateral", "fingers-radial"],
                                              ["forearm-back"])])
BACKER = _synthetic_muscle("backer", [_tp("backer-tp1", "scapula", ["upper-back", "shoulder-back"], ["neck-back"])])


def _views(svg):
    return [g.get("data-view") for g in parse(svg).iter(f"{SVG}g") if g.get("data-view")]


def test_muscle_chart_of_a_head_muscle_uses_the_head_close_up():
    kb = _KB(CHEWER)
    for side in ("right", "left"):
        svg = charts.muscle_chart(kb, "chewer", side=side)
        root = parse(svg)
        assert _views(svg) == [f"head-{side}"]
        marks = [g for g in root.iter(f"{SVG}g") if g.get("class") == "tm-trp"]
        assert {g.get("data-trigger-point") for g in marks} == {"chewer-tp1", "chewer-tp2", "chewer-tp3"}
        assert fill_of(root, "jaw", side) == {style.ESSENTIAL}
        assert fill_of(root, "ear", side) == {"url(#tm-stipple)"}


def test_muscle_chart_of_an_arm_muscle_uses_the_arm_and_hand_close_ups():
    svg = charts.muscle_chart(_KB(EXTENSOR), "extensor")
    views = _views(svg)
    # the arm seen from the back (its zone is on the back of the forearm), then the backs of the hands
    assert views == ["arms-back", "hands-back"]
    root = parse(svg)
    assert fill_of(root, "elbow-lateral", "right") == {style.ESSENTIAL}
    # a coarse zone (forearm-back) is drawn on a close-up as the finer regions inside it
    assert style.ESSENTIAL in fill_of(root, "forearm-radial", "right") or "url(#tm-stipple)" in fill_of(
        root, "forearm-radial", "right")


def test_coarse_zones_on_a_close_up_shade_the_finer_regions_inside_them():
    root = parse(charts.muscle_chart(_KB(BACKER), "backer"))
    assert "upper-back" in _views(charts.muscle_chart(_KB(BACKER), "backer"))
    for fine in ("interscapular", "scapula", "scapula-upper", "shoulder-top"):
        assert fill_of(root, fine, "right") == {style.ESSENTIAL}, fine
    assert fill_of(root, "neck-posterior", "right") == {"url(#tm-stipple)"}


def test_drawing_of_finer_regions_brings_the_close_ups(kb):
    root = parse(charts.drawing_chart(kb, [("jaw", "left", 6), ("thumb", "right", 3), ("calf", "left", 2)]))
    views = {g.get("data-view") for g in root.iter(f"{SVG}g") if g.get("data-view")}
    assert {"front", "back", "head-left"} <= views and views & {"hands-palm", "hands-back"}
    assert fill_of(root, "jaw", "left") == {style.intensity_colour(6)}
    assert style.intensity_colour(3) in fill_of(root, "thumb", "right")
    # coarse marks show on the close-ups too, as the finer regions inside them
    root = parse(charts.drawing_chart(kb, [("face", "right", 5), ("eye", "right", 2)]))
    assert fill_of(root, "eye", "right") == {style.intensity_colour(2)}  # its own mark wins
    assert fill_of(root, "cheek", "right") == {style.intensity_colour(5)}


def test_drawing_of_finer_regions_only_leaves_out_the_whole_body_views(kb):
    assert _views(charts.drawing_chart(kb, [("jaw", "right", 5), ("ear", "right", 3)])) == ["head-right"]
    views = _views(charts.drawing_chart(kb, [("breast", "left", 5), ("chest", "right", 3)]))
    assert views == ["upper-front"]  # the coarse chest is shown there by the finer chest regions
    root = parse(charts.drawing_chart(kb, [("breast", "left", 5), ("chest", "right", 3)]))
    assert fill_of(root, "chest-upper", "right") == {style.intensity_colour(3)}
    assert fill_of(root, "chest-upper", "left") == {style.BODY_FILL}


def test_body_map_of_a_close_up_shades_coarse_marks_on_the_finer_regions():
    root = parse(charts.body_svg("hands-back", marks=[("hand-back", "left", 6)]))
    assert fill_of(root, "thumb", "left") == {style.intensity_colour(6)}
    assert fill_of(root, "thumb", "right") == {style.BODY_FILL}
    # the palms do not stand for the backs of the hands
    root = parse(charts.body_svg("hands-palm", marks=[("hand-back", "left", 6)]))
    assert fill_of(root, "thumb", "left") == {style.BODY_FILL}
