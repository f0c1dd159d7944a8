"""Export to SVG, PNG and PDF."""

from __future__ import annotations

import struct

import pytest

from triggermap import charts


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def svg_size(svg: str) -> tuple[float, float]:
    import xml.etree.ElementTree as ET

    root = ET.fromstring(svg.encode())
    return float(root.get("width")), float(root.get("height"))


@pytest.fixture(scope="module")
def chart(kb):
    return charts.muscle_chart(kb, "gluteus-minimus")


@pytest.mark.parametrize("scale", [1.0, 2.0])
def test_png_has_the_expected_size_and_is_not_blank(chart, scale):
    data = charts.export(chart, "png", scale=scale)
    w, h = svg_size(chart)
    assert png_size(data) == (round(w * scale), round(h * scale))
    assert len(data) > 20_000  # a drawing, not an empty canvas
    import io

    from PIL import Image  # Pillow comes with cairosvg

    img = Image.open(io.BytesIO(data)).convert("RGB")
    colours = img.getcolors(maxcolors=1_000_000)
    assert len(colours) > 50
    # the essential zone is there: plenty of the chart's red
    red = sum(n for n, (r, g, b) in colours if r > 180 and g < 90 and b < 80)
    assert red > 1000


def test_body_map_png(kb):
    svg = charts.body_svg("front", scale=0.5)
    w, h = svg_size(svg)
    assert png_size(charts.export(svg, "png", scale=1)) == (round(w), round(h))


def test_pdf_is_a_pdf(chart):
    data = charts.export(chart, "pdf")
    assert data.startswith(b"%PDF") and len(data) > 5_000
    assert b"/MediaBox" in data


def test_exports_are_deterministic(chart):
    import time

    assert charts.export(chart, "png", scale=1) == charts.export(chart, "png", scale=1)
    first = charts.export(chart, "pdf")
    time.sleep(1.1)  # cairo stamps the rendering time into the PDF; export pins it
    assert charts.export(chart, "pdf") == first


def test_export_to_files(tmp_path, chart):
    for suffix in ("svg", "png", "pdf"):
        out = tmp_path / "sub" / f"chart.{suffix.upper()}"
        data = charts.export(chart, out)
        assert out.read_bytes() == data and data
    assert (tmp_path / "sub" / "chart.SVG").read_text(encoding="utf-8") == chart


def test_bad_format(chart, tmp_path):
    with pytest.raises(charts.ChartError) as e:
        charts.export(chart, tmp_path / "chart.jpg")
    assert e.value.field == "output" and ".png" in e.value.message
    with pytest.raises(charts.ChartError):
        charts.export(chart, "png", scale=0)
