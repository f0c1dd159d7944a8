"""Referential integrity and contract vocabulary of the knowledge base."""

from __future__ import annotations

import re

import pytest

from tmhelpers import CONTRACT
from triggermap.knowledge.integrity import CHOIR_CODES, check


def contract_ids() -> dict[str, list[str]]:
    text = CONTRACT.read_text(encoding="utf-8")
    section = text.split("## Required vocabulary (v1)", 1)[1]
    out: dict[str, list[str]] = {}
    for label, key in (
        ("Regions, lateral", "lateral"),
        ("Regions, midline", "midline"),
        ("Qualities:", "qualities"),
        ("Aggravating:", "aggravating"),
        ("Findings (clinician):", "findings"),
        ("Red flags:", "red_flags"),
        ("History:", "history"),
        ("Muscles:", "muscles"),
        ("Conditions:", "conditions"),
    ):
        chunk = section.split(label, 1)[1]
        chunk = chunk.split(":", 1)[1] if not label.endswith(":") else chunk  # skip "(take `side`):"
        chunk = re.split(r"\n\n", chunk, maxsplit=1)[0]
        out[key] = re.findall(r"`([a-z0-9-]+)`", chunk)
    return out


_V11_KINDS = (
    ("Regions, lateral", "lateral"),
    ("Coarse regions, lateral", "lateral"),
    ("Regions, midline", "midline"),
    ("Muscles,", "muscles"),
    ("Shoulder, arm and hand:", "muscles"),
    ("Trunk:", "muscles"),
    ("Pelvis, hip and leg:", "muscles"),
    ("Conditions,", "conditions"),
    ("Red flags:", "red_flags"),
    ("History:", "history"),
    ("Findings (clinician):", "findings"),
    ("Aggravating:", "aggravating"),
)


def contract_ids_1_1() -> dict[str, list[str]]:
    """The ids the contract's "Required vocabulary added in 1.1" section lists, by kind."""
    text = CONTRACT.read_text(encoding="utf-8")
    section = text.split("## Required vocabulary added in 1.1", 1)[1].split("\n## ", 1)[0]
    out: dict[str, list[str]] = {}
    kind: str | None = None
    for line in section.splitlines():
        if not line.strip():
            kind = None
            continue
        kind = next((k for label, k in _V11_KINDS if line.startswith(label)), kind)
        if kind is not None:
            out.setdefault(kind, []).extend(i for i in re.findall(r"`([a-z0-9-]+)`", line) if i != "side")
    return out


def test_contract_1_1_parse_sanity():
    ids = contract_ids_1_1()
    assert len(ids["muscles"]) == 19 + 30 + 12 + 29
    assert len(ids["conditions"]) == 22 + 29 + 2
    assert len(ids["red_flags"]) == 15 and len(ids["history"]) == 9 and len(ids["aggravating"]) == 9
    assert len(ids["findings"]) == 14 + 21
    assert len(ids["midline"]) == 5 and len(ids["lateral"]) == 29 + 22


def test_every_contract_1_1_id_exists(kb):
    """Issue 10 and 11: the whole body. Every id the contract's 1.1 section requires exists,
    lateral regions are lateral, midline ones midline, and every muscle has full depth."""
    ids = contract_ids_1_1()
    for r in ids["lateral"]:
        assert r in kb.regions and kb.regions[r].midline is False, r
    for r in ids["midline"]:
        assert r in kb.regions and kb.regions[r].midline is True, r
    for key in ("aggravating", "findings", "history"):
        assert set(ids[key]) <= set(kb.vocab[key]), set(ids[key]) - set(kb.vocab[key])
    assert set(ids["red_flags"]) <= set(kb.red_flags), set(ids["red_flags"]) - set(kb.red_flags)
    assert set(ids["conditions"]) <= set(kb.conditions), set(ids["conditions"]) - set(kb.conditions)
    assert set(ids["muscles"]) <= set(kb.muscles), set(ids["muscles"]) - set(kb.muscles)
    assert len(kb.muscles) == 115
    for mid in ids["muscles"]:
        m = kb.muscles[mid]
        assert m.names.en and m.names.es and m.names.la, mid
        assert m.anatomy.innervation.roots and m.symptoms and m.confirm.refs, mid
        assert all(tp.essential and tp.site for tp in m.trigger_points), mid
        assert m.self_care and m.references, mid


def test_contract_parse_sanity():
    ids = contract_ids()
    assert len(ids["muscles"]) == 25
    assert len(ids["conditions"]) == 13
    assert len(ids["red_flags"]) == 19
    assert len(ids["lateral"]) == 31 and len(ids["midline"]) == 5


def test_integrity_has_no_problems(kb):
    assert check(kb) == []


def test_every_contract_id_exists(kb):
    ids = contract_ids()
    for r in ids["lateral"]:
        assert r in kb.regions and kb.regions[r].midline is False, r
    for r in ids["midline"]:
        assert r in kb.regions and kb.regions[r].midline is True, r
    for key in ("qualities", "aggravating", "findings", "history"):
        assert set(ids[key]) <= set(kb.vocab[key]), key
    assert set(ids["red_flags"]) <= set(kb.red_flags)
    assert set(ids["muscles"]) <= set(kb.muscles)
    assert set(ids["conditions"]) <= set(kb.conditions)


def test_every_choir_code_has_a_region(kb):
    assert set(kb.choir_to_regions) == set(CHOIR_CODES)
    assert len(CHOIR_CODES) == 74


def test_every_muscle_has_an_essential_zone_and_references(kb):
    for mid, m in kb.muscles.items():
        assert any(tp.essential for tp in m.trigger_points), mid
        assert m.references, mid
        for tp in m.trigger_points:
            assert tp.refs, tp.id
        assert m.anatomy.refs and m.anatomy.innervation.refs, mid
        assert m.self_care, mid


def test_every_fact_has_a_known_reference(kb):
    from triggermap.knowledge.integrity import iter_refs

    n = 0
    for table in (kb.muscles, kb.exercises, kb.conditions, kb.red_flags):
        for ent in table.values():
            for where, ref in iter_refs(ent):
                assert ref in kb.references, where
                n += 1
    assert n > 200


def test_patient_facing_texts_are_bilingual(kb):
    from triggermap.knowledge.integrity import _texts
    from triggermap.present.messages import MESSAGES

    for table in (kb.regions, kb.muscles, kb.exercises, kb.conditions, kb.red_flags):
        for eid, ent in table.items():
            for where, t in _texts(ent, eid):
                assert t.en.strip() and t.es.strip(), where
    for cat in kb.vocab.values():
        for item in cat.values():
            assert item.label.es.strip() and item.definition.es.strip()
    for key, t in MESSAGES.items():
        assert set(t) == {"en", "es"}, key
        assert t["en"] != t["es"], key


def test_seed_article_references_are_present(kb):
    for ref in ("travell-simons-1992", "akamatsu-2017", "elzanie-borger-2022", "neto-2020"):
        assert ref in kb.references


@pytest.mark.parametrize("bad", ["Bad_Id", "a--b", "-a"])
def test_ids_must_be_kebab_case(bad):
    from pydantic import ValidationError

    from triggermap.knowledge.schema import Reference

    with pytest.raises(ValidationError):
        Reference(id=bad, citation="Somebody. A title. 2020.", kind="article")


def test_integrity_check_catches_a_dangling_id(kb):
    import copy

    from triggermap.knowledge import Knowledge

    broken = copy.copy(kb)
    muscles = dict(kb.muscles)
    muscles["gluteus-maximus"] = muscles["gluteus-maximus"]._replace(self_care=("no-such-exercise",))
    state = {s: getattr(kb, s) for s in Knowledge.__slots__}
    state["muscles"] = muscles
    for s, v in state.items():
        setattr(broken, s, v)
    assert any("no-such-exercise" in p for p in check(broken))


def test_cache_round_trip(tmp_path, monkeypatch):
    from triggermap.knowledge import loader

    monkeypatch.setenv("TRIGGERMAP_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(loader, "_CACHED", {})
    cold = loader.load()
    assert list(tmp_path.glob("kb-*.pickle"))
    monkeypatch.setattr(loader, "_CACHED", {})
    warm = loader.load()
    assert warm is not cold
    assert warm.version == cold.version
    assert warm.muscles == cold.muscles


def test_unwritable_cache_directory_works_and_warns_once(tmp_path, monkeypatch, capsys):
    from triggermap.knowledge import loader

    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("TRIGGERMAP_CACHE_DIR", str(blocker / "cache"))
    monkeypatch.setattr(loader, "_WARNED", set())
    kbs = []
    for _ in range(2):
        monkeypatch.setattr(loader, "_CACHED", {})
        kbs.append(loader.load())
    assert kbs[0].version == kbs[1].version and kbs[0].muscles == kbs[1].muscles
    assert kbs[1].geometry and kbs[1].geometry == kbs[0].geometry  # the charts' geometry is compiled in too
    err = capsys.readouterr().err
    assert err.count("cannot write the knowledge-base cache") == 1, err


def test_c_and_python_yaml_loaders_read_the_same_knowledge(monkeypatch):
    import yaml

    from triggermap.knowledge import loader

    if not getattr(yaml, "__with_libyaml__", False):
        pytest.skip("libyaml is not installed")
    fast = loader.read_raw()
    monkeypatch.delattr(yaml, "CSafeLoader")
    assert loader.read_raw() == fast
