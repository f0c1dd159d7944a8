"""Referential integrity of the compiled knowledge base: every id used anywhere resolves."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from ..vocabulary import CHOIR_CODES
from .entities import ChoirSides, Fact, Names, Text

if TYPE_CHECKING:
    from .entities import Knowledge


def _texts(obj: Any, path: str) -> list[tuple[str, Text | Fact | Names]]:
    """Every text inside ``obj`` (an entity) with its path."""
    out: list[tuple[str, Text | Fact | Names]] = []
    _collect_texts(obj, path, out)
    return out


def _collect_texts(obj: Any, path: str, out: list[tuple[str, Text | Fact | Names]]) -> None:
    # plain recursion into one list: nested generators would pass every item up through each level
    if isinstance(obj, (Text, Fact, Names)):
        out.append((path, obj))
        return
    fields = getattr(obj, "_fields", None)
    if fields is not None:
        for k, v in zip(fields, obj, strict=True):
            if isinstance(v, tuple):
                _collect_texts(v, f"{path}.{k}", out)
    elif isinstance(obj, tuple):
        for i, v in enumerate(obj):
            if isinstance(v, tuple):
                _collect_texts(v, f"{path}[{i}]", out)


REF_KEYS = frozenset(("refs", "references", "evidence_refs", "mimics_refs"))


def iter_refs(obj: Any, path: str = "") -> list[tuple[str, str]]:
    """Every reference id cited inside ``obj`` (fields ``refs``, ``references``, ``evidence_refs``...)."""
    out: list[tuple[str, str]] = []
    _collect_refs(obj, path, out)
    return out


def _collect_refs(obj: Any, path: str, out: list[tuple[str, str]]) -> None:
    fields = getattr(obj, "_fields", None)
    if fields is not None:
        for k, v in zip(fields, obj, strict=True):
            if k in REF_KEYS and isinstance(v, tuple):
                where = f"{path}.{k}"
                out.extend((where, r) for r in v)
            elif isinstance(v, tuple):
                _collect_refs(v, f"{path}.{k}", out)
    elif isinstance(obj, tuple):
        for i, v in enumerate(obj):
            if isinstance(v, tuple):
                _collect_refs(v, f"{path}[{i}]", out)


def check(kb: Knowledge) -> list[str]:
    problems: list[str] = []

    def need(ids: Iterable[str], known: Any, where: str, what: str) -> None:
        for i in ids:
            if i not in known:
                problems.append(f"{where}: unknown {what} {i!r}")

    # every cited reference exists
    for kind, table in (
        ("region", kb.regions),
        ("red-flag", kb.red_flags),
        ("condition", kb.conditions),
        ("muscle", kb.muscles),
        ("exercise", kb.exercises),
    ):
        for eid, ent in table.items():
            for where, ref in iter_refs(ent, f"{kind} {eid}"):
                if ref not in kb.references:
                    problems.append(f"{where}: unknown reference {ref!r}")
    for cat, items in kb.vocab.items():
        for iid, item in items.items():
            need(item.refs, kb.references, f"vocab {cat} {iid}", "reference")
    for i, rule in enumerate(kb.rules):
        need(rule.refs, kb.references, f"rule {rule.id}", "reference")
        if not rule.all_of and not rule.any_of and not rule.regions:
            problems.append(f"rule {i}: needs all_of, any_of or regions")
        need(rule.regions, kb.regions, f"rule {rule.id}", "region")

    # CHOIR coverage: every code has at least one region, and no region names an unknown code
    covered: set[int] = set()
    for rid, r in kb.regions.items():
        c = r.choir
        codes = [c.left, c.right] if isinstance(c, ChoirSides) else list(c)
        if r.midline == isinstance(c, ChoirSides):
            problems.append(f"region {rid}: midline regions take a list of CHOIR codes, lateral ones left/right")
        for code in codes:
            if code not in CHOIR_CODES:
                problems.append(f"region {rid}: {code} is not a CHOIR code")
        covered.update(codes)
    for rid, r in kb.regions.items():
        need(r.within, kb.regions, f"region {rid} within", "region")
        if rid in r.within:
            problems.append(f"region {rid}: lies within itself")
    for code in sorted(CHOIR_CODES - covered):
        problems.append(f"CHOIR code {code} has no region")

    vocab = kb.vocab
    rule_ids = set(kb.red_flags) | set(vocab["history"]) | set(vocab["findings"])
    seen_tp: set[str] = set()
    for mid, m in kb.muscles.items():
        w = f"muscle {mid}"
        for tp in m.trigger_points:
            if tp.id in seen_tp:
                problems.append(f"{w}: duplicate trigger point id {tp.id!r}")
            seen_tp.add(tp.id)
            need([z.region for z in tp.essential + tp.spillover], kb.regions, w, "region")
            if tp.site is not None:
                need([tp.site], kb.regions, f"{w} {tp.id} site", "region")
            ess = {z.region for z in tp.essential}
            for z in tp.spillover:
                if z.region in ess:
                    problems.append(f"{w}: {tp.id} lists {z.region!r} as both essential and spillover")
        need(m.aggravating, vocab["aggravating"], w, "aggravating id")
        need(m.qualities, vocab["qualities"], w, "quality id")
        need(m.findings, vocab["findings"], w, "finding id")
        if (m.aggravating or m.qualities or m.findings) and not m.evidence_refs:
            problems.append(f"{w}: aggravating/qualities/findings need evidence_refs")
        need(m.mimics, kb.conditions, w, "condition")
        need(m.self_care, kb.exercises, w, "exercise")
    for eid, e in kb.exercises.items():
        need(e.muscles, kb.muscles, f"exercise {eid}", "muscle")
        need(e.contraindications, rule_ids, f"exercise {eid}", "contraindication id")
    for fid, f in kb.red_flags.items():
        need(f.conditions, kb.conditions, f"red flag {fid}", "condition")
    for rule in kb.rules:
        need(rule.all_of + rule.any_of, rule_ids, f"rule {rule.id}", "id")
        need(rule.conditions, kb.conditions, f"rule {rule.id}", "condition")
    lists = {
        "region": kb.regions,
        "quality": vocab["qualities"],
        "aggravating": vocab["aggravating"],
        "finding": vocab["findings"],
        "red-flag": kb.red_flags,
        "history": vocab["history"],
    }
    for cid, cond in kb.conditions.items():
        for feat in cond.features:
            if feat.kind in lists:
                need(feat.ids, lists[feat.kind], f"condition {cid}", f"{feat.kind} id")
                if not feat.ids:
                    problems.append(f"condition {cid}: a {feat.kind} feature needs ids")
            elif feat.value is None:
                problems.append(f"condition {cid}: an {feat.kind} feature needs a value")

    # every text is bilingual and non-empty (the schema requires both keys; guard blanks)
    texts: tuple[tuple[str, Mapping[str, Any]], ...] = (
        ("muscle", kb.muscles), ("exercise", kb.exercises), ("condition", kb.conditions)
    )
    for kind, table in texts:
        for eid, ent in table.items():
            for where, t in _texts(ent, f"{kind} {eid}"):
                if not t.en.strip() or not t.es.strip():
                    problems.append(f"{where}: empty translation")
    return problems
