"""What a diary entry may name: region ids (and whether they take a side) and plan-item ids.

Everything the store validates against the knowledge base goes through :func:`current_vocab`,
so the dependency on :func:`triggermap.knowledge.load` sits in one small place. Tests (and
the web app) may pass their own :class:`Vocab` to the repository functions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..vocabulary import SIDES, closest
from .errors import StoreError, ValidationError

if TYPE_CHECKING:
    from ..knowledge import Knowledge

__all__ = ["SIDES", "Vocab", "closest", "current_vocab", "from_knowledge"]


@dataclass(frozen=True)
class Vocab:
    """Region ids -> midline flag; plan-item (exercise) ids; labels for display."""

    regions: Mapping[str, bool]
    plan_items: frozenset[str]
    kb_version: str = "unknown"
    region_labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    plan_item_labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def region_label(self, region: str, lang: str = "en") -> str:
        return self.region_labels.get(region, {}).get(lang) or region

    def plan_item_label(self, item: str, lang: str = "en") -> str:
        return self.plan_item_labels.get(item, {}).get(lang) or item


_CURRENT: Vocab | None = None


def from_knowledge(kb: Knowledge) -> Vocab:
    regions = kb.regions
    exercises = kb.exercises
    return Vocab(
        regions={rid: bool(r.midline) for rid, r in regions.items()},
        plan_items=frozenset(exercises),
        kb_version=str(kb.version),
        region_labels={rid: r.label.to_dict() for rid, r in regions.items()},
        plan_item_labels={eid: e.title.to_dict() for eid, e in exercises.items()},
    )


def current_vocab() -> Vocab:
    """The vocabulary of the installed knowledge base (loaded once per process)."""
    global _CURRENT
    if _CURRENT is None:
        from triggermap.knowledge import KnowledgeError, load

        try:
            kb = load()
        except (KnowledgeError, OSError) as exc:
            raise StoreError(
                f"the knowledge base could not be loaded, so ids cannot be checked: {exc}"
            ) from exc
        _CURRENT = from_knowledge(kb)
    return _CURRENT


def _short_list(ids: Iterable[str], limit: int = 12) -> str:
    ids = sorted(ids)
    text = ", ".join(ids[:limit])
    if len(ids) > limit:
        text += f", ... ({len(ids)} in all; `triggermap vocab regions` lists them)"
    return text


def parse_region(token: str, vocab: Vocab, field_name: str = "region") -> tuple[str, str | None]:
    """``ID`` or ``ID:left|right|both`` -> (region, side).

    Midline regions take no side; a lateral region without a side means both sides.
    """
    raw = token.strip()
    region, sep, side = raw.partition(":")
    region = region.strip().lower()
    side_value: str | None = side.strip().lower() if sep else None
    if region not in vocab.regions:
        raise ValidationError(
            field_name,
            token,
            "unknown region",
            allowed="region ids from the knowledge base: " + _short_list(vocab.regions),
            suggestion=closest(region, vocab.regions),
        )
    midline = vocab.regions[region]
    if midline:
        if side_value:
            raise ValidationError(
                field_name, token, f"{region} is a midline region and takes no side", allowed=region
            )
        return region, None
    if side_value is None or side_value == "":
        return region, "both"
    if side_value not in SIDES:
        raise ValidationError(
            field_name,
            token,
            "unknown side",
            allowed=", ".join(f"{region}:{s}" for s in SIDES) + f" or {region}",
            suggestion=(f"{region}:{s}" if (s := closest(side_value, SIDES)) else None),
        )
    return region, side_value


def check_plan_item(item: str, vocab: Vocab, field_name: str = "done") -> str:
    value = item.strip()
    if value not in vocab.plan_items:
        raise ValidationError(
            field_name,
            item,
            "unknown plan item",
            allowed=("plan-item (exercise) ids from the knowledge base: " + _short_list(vocab.plan_items))
            if vocab.plan_items
            else "none: the knowledge base has no exercises yet",
            suggestion=closest(value, vocab.plan_items),
        )
    return value
