"""Regenerate the chart gallery in docs/charts/: ``python docs/charts/make_gallery.py``.

Renders the muscle charts of the gluteal muscles (and one in Spanish), a pain drawing, the
assessment chart of the same drawing, a drawing of the finer upper-body regions, and the body
views (whole-body and close-ups), as PNG through
:func:`triggermap.charts.export`. Output is deterministic: rerunning gives the same files.
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent
SCALE = 1.25

#: The gallery's pain drawing: deep buttock and back-of-thigh pain on the left, worse sitting,
#: with some tailbone pain, and a little lateral hip pain on the right.
CASE = {
    "version": 1,
    "age": 46,
    "sex": "female",
    "duration_weeks": 5,
    "pain": [
        {"region": "buttock-lower-inner", "side": "left", "intensity": 7},
        {"region": "buttock-upper-inner", "side": "left", "intensity": 5},
        {"region": "sacroiliac", "side": "left", "intensity": 4},
        {"region": "gluteal-fold", "side": "left", "intensity": 5},
        {"region": "thigh-posterior", "side": "left", "intensity": 3},
        {"region": "coccyx", "intensity": 6},
        {"region": "hip-lateral", "side": "right", "intensity": 2},
    ],
    "qualities": ["aching", "deep"],
    "aggravating": ["sitting", "walking-uphill"],
}


#: A drawing of the finer 1.1 regions: jaw, temple and neck pain on the right, and the outer
#: elbow and the back of the forearm on the left (it brings the head and upper-body close-ups).
UPPER = [("jaw", "right", 6), ("temple", "right", 5), ("neck-posterior", "right", 4),
         ("elbow-lateral", "left", 7), ("forearm-radial", "left", 4), ("fingers-radial", "left", 2)]


def main() -> None:
    from triggermap import charts
    from triggermap.engine import assess, parse_intake
    from triggermap.knowledge import load

    kb = load()
    marks = parse_intake(CASE, kb).pain
    jobs = {
        "gluteus-maximus.png": charts.muscle_chart(kb, "gluteus-maximus"),
        "gluteus-medius.png": charts.muscle_chart(kb, "gluteus-medius"),
        "gluteus-minimus.png": charts.muscle_chart(kb, "gluteus-minimus"),
        "piriformis.png": charts.muscle_chart(kb, "piriformis"),
        "gluteus-minimus-es.png": charts.muscle_chart(kb, "gluteus-minimus", "es"),
        "drawing.png": charts.drawing_chart(kb, marks),
        "drawing-upper.png": charts.drawing_chart(kb, UPPER),
        "assessment.png": charts.assessment_chart(kb, marks, assess(CASE, kb)),
        "assessment-es.png": charts.assessment_chart(kb, marks, assess(CASE, kb, "es"), "es"),
    }
    for name, svg in jobs.items():
        charts.export(svg, HERE / name, scale=SCALE)
        print(name)
    for view in charts.VIEWS:
        charts.export(charts.body_svg(view), HERE / f"body-{view}.png", scale=1.0)
        print(f"body-{view}.png")
    # the SVG of one chart, to show the markup the web app scripts
    (HERE / "gluteus-minimus.svg").write_text(jobs["gluteus-minimus.png"], encoding="utf-8")


if __name__ == "__main__":
    main()
