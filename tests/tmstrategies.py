"""Hypothesis strategies shared by the property tests (importable as a plain module)."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from triggermap.vocabulary import INTENSITY_MAX, INTENSITY_MIN, SIDES


@st.composite
def pain_marks(draw: Any, kb: Any) -> dict[str, Any]:
    """One pain mark on a region of ``kb``, with an intensity, and a side where the region is lateral."""
    region = draw(st.sampled_from(sorted(kb.regions)))
    mark = {"region": region, "intensity": draw(st.integers(INTENSITY_MIN, INTENSITY_MAX))}
    if not kb.regions[region].midline:
        mark["side"] = draw(st.sampled_from(SIDES))
    return mark
