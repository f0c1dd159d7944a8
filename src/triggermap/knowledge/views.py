"""Rules about the knowledge base that the engine and the presentation share."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .entities import VocabItem


def answerer(vocab: Mapping[str, Mapping[str, VocabItem]], field: str, item_id: str | None) -> str:
    """Who can answer a question about an id (``self`` or ``clinician``): as curated (``who``),
    else findings are the clinician's and everything else (red flags included) the person's.
    The engine's next questions use the same rule."""
    if field == "red_flags":
        return "self"
    if item_id is not None:
        item = vocab[field][item_id]
        if item.who:
            return str(item.who)
    return "clinician" if field == "findings" else "self"

