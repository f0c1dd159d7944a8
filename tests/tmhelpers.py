"""Helpers shared by the tests (importable as a plain module)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"  # the steering repo's shared/ (beside the checkout in CI)
# Vendored copies, so the suite runs from any clone; test_docs checks they match shared/.
CONTRACT = ROOT / "docs" / "assessment-contract.md"
CHOIR_DIR = ROOT / "tests" / "data" / "choir"


def make_intake(*pain, **kw):
    """pain items as (region, side, intensity) or (region, intensity) for midline."""
    marks = []
    for p in pain:
        if len(p) == 3:
            marks.append({"region": p[0], "side": p[1], "intensity": p[2]})
        else:
            marks.append({"region": p[0], "intensity": p[1]})
    return {"version": 1, "pain": marks, **kw}


#: The articles' own story: a cramping ache in the buttock, worse sitting, with low back pain.
ARTICLE = make_intake(
    ("buttock-lower-inner", "left", 6),
    ("buttock-upper-inner", "left", 5),
    ("low-back", "left", 4),
    qualities=["cramping", "aching"],
    aggravating=["sitting"],
)


def csrf_of(html: str) -> str:
    """The CSRF token of the (first) form on a page."""
    import re

    m = re.search(r'name="csrf" value="([^"]+)"', html)
    assert m, "no CSRF field on the page"
    return m.group(1)
