"""The printable handout as PDF: the handout template rendered by WeasyPrint (HTML + CSS -> PDF,
with the inline SVG charts), so the PDF and the browser's print view come from the same
markup and stylesheet rules. WeasyPrint is imported on first use (it is heavy)."""

from __future__ import annotations

from pathlib import Path

STATIC_DIR = Path(__file__).resolve().parent / "static"


def render_pdf(html: str) -> bytes:
    from weasyprint import CSS, HTML

    css = CSS(filename=str(STATIC_DIR / "handout.css"))
    pdf = HTML(string=html, base_url=str(STATIC_DIR)).write_pdf(stylesheets=[css])
    assert pdf is not None
    return bytes(pdf)
