"""The knowledge base as a Frictionless Data Package: valid, cited, and round-tripping."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from triggermap.opendata import export, source


@pytest.fixture(scope="module")
def package(kb: Any, tmp_path_factory: Any) -> Path:
    out = tmp_path_factory.mktemp("kb-package")
    export.write_package(kb, out)
    return out


def test_package_is_a_valid_frictionless_data_package(package: Path) -> None:
    frictionless = pytest.importorskip("frictionless")
    report = frictionless.validate(str(package / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:20]


def test_descriptor(package: Path, kb: Any) -> None:
    desc = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    assert desc["version"] == kb.version
    assert desc["licenses"][0]["name"] == "CC-BY-4.0"
    assert desc["contributors"] and desc["sources"]
    names = {r["name"] for r in desc["resources"]}
    want = {"muscles", "trigger_points", "referral_zones", "regions", "conditions", "condition_features",
            "red_flags", "triage_rules", "exercises", "references", "texts"}
    assert want | {f"{n}-jsonl" for n in want} == names
    for res in desc["resources"]:
        assert (package / res["path"]).is_file()
        assert res["schema"]["primaryKey"]
        for field in res["schema"]["fields"]:
            assert field["type"] and field["description"], (res["name"], field)
    zones = next(r for r in desc["resources"] if r["name"] == "referral_zones")
    assert {fk["reference"]["resource"] for fk in zones["schema"]["foreignKeys"]} == {
        "muscles", "trigger_points", "regions"}
    assert (package / "LICENSE-DATA").read_text(encoding="utf-8").count("CC BY 4.0")


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_round_trip_gives_the_same_rows(package: Path, kb: Any, fmt: str) -> None:
    back = export.load_package(package, fmt)
    assert back == export.tables(kb)


def _texts_of(obj: Any, path: str = "") -> dict[str, dict[str, Any]]:
    if isinstance(obj, dict) and isinstance(obj.get("en"), str) and isinstance(obj.get("es"), str):
        return {path: obj}
    out: dict[str, dict[str, Any]] = {}
    if isinstance(obj, dict):
        for k, v in obj.items():
            out.update(_texts_of(v, f"{path}.{k}" if path else k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out.update(_texts_of(v, f"{path}.{i}"))
    return out


def test_loaded_package_holds_every_fact_of_the_knowledge_base(package: Path, kb: Any) -> None:
    """Checked against the knowledge base itself, not against export.tables."""
    back = export.load_package(package)
    ents = source.entities(kb)
    by = {name: rows for name, rows in back.items()}

    muscles = {r["id"]: r for r in by["muscles"]}
    assert list(muscles) == [m["id"] for m in ents["muscles"]]
    zones = {(z["trigger_point"], z["kind"], z["region"]): z for z in by["referral_zones"]}
    tps = {t["id"]: t for t in by["trigger_points"]}
    n_zones = 0
    for m in ents["muscles"]:
        row = muscles[m["id"]]
        assert row["refs"] == m["references"] and row["self_care"] == m["self_care"]
        assert row["mimics"] == m["mimics"] and row["roots"] == m["anatomy"]["innervation"]["roots"]
        assert row["name_la"] == m["names"]["la"] and row["midline"] is bool(m.get("midline"))
        for tp in m["trigger_points"]:
            assert tps[tp["id"]]["muscle"] == m["id"] and tps[tp["id"]]["site"] == tp["site"]
            assert tps[tp["id"]]["refs"] == tp["refs"]
            for kind in ("essential", "spillover"):
                for z in tp[kind]:
                    got = zones[(tp["id"], kind, z["region"])]
                    assert (got["muscle"], got["side"]) == (m["id"], z["side"])
                    n_zones += 1
    assert n_zones == len(zones) == len(by["referral_zones"])

    regions = {r["id"]: r for r in by["regions"]}
    assert list(regions) == [r["id"] for r in ents["regions"]]
    for r in ents["regions"]:
        got = regions[r["id"]]
        c = r["choir"]
        if isinstance(c, dict):
            assert (got["choir_left"], got["choir_right"], got["choir_codes"]) == (c["left"], c["right"], [])
        else:
            assert (got["choir_left"], got["choir_right"], got["choir_codes"]) == (None, None, c)
        assert got["within"] == r["within"] and got["midline"] is r["midline"] and got["group"] == r["group"]

    features = {(f["condition"], f["position"]): f for f in by["condition_features"]}
    conditions = {c["id"]: c for c in by["conditions"]}
    assert len(features) == sum(len(c["features"]) for c in ents["conditions"])
    for c in ents["conditions"]:
        got_c = conditions[c["id"]]
        assert (got_c["prior"], got_c["category"], got_c["refs"]) == (c["prior"], c["category"], c["refs"])
        for pos, f in enumerate(c["features"], 1):
            got = features[(c["id"], pos)]
            for key in ("kind", "ids", "value", "lr", "lr_absent", "sensitivity", "specificity", "refs"):
                assert got[key] == f[key], (c["id"], pos, key)
            assert got["anchor"] is f["anchor"], (c["id"], pos, "anchor")

    flags = {f["id"]: f for f in by["red_flags"]}
    assert [(f["level"], f["conditions"], f["refs"]) for f in flags.values()] == [
        (f["level"], f["conditions"], f["refs"]) for f in ents["red_flags"]]
    rules = by["triage_rules"]
    assert [{k: r[k] for k in ("id", "all_of", "any_of", "regions", "min_age", "level", "conditions", "refs")}
            for r in ents["triage_rules"]] == rules
    exercises = {e["id"]: e for e in by["exercises"]}
    for e in ents["exercises"]:
        assert (exercises[e["id"]]["kind"], exercises[e["id"]]["muscles"], exercises[e["id"]]["refs"]) == (
            e["kind"], e["muscles"], e["refs"])
    refs = {r["id"]: r for r in by["references"]}
    assert len(refs) == len(ents["references"])
    for r in ents["references"]:
        assert {k: refs[r["id"]][k] for k in ("doi", "pmid", "url", "citation", "year", "kind")} == {
            k: r.get(k) for k in ("doi", "pmid", "url", "citation", "year", "kind")}

    # every en/es text of the knowledge base, at its path
    texts = {(t["entity"], t["id"], t["field"], t["lang"]): t["text"] for t in by["texts"]}
    want: dict[tuple[str, str, str, str], str] = {}

    def expect(entity: str, eid: str, obj: Any) -> None:
        for path, text in _texts_of(obj).items():
            for lang in ("en", "es"):
                want[(entity, eid, path, lang)] = text[lang]

    for r in ents["regions"]:
        expect("regions", r["id"], r)
    for m in ents["muscles"]:
        expect("muscles", m["id"], {k: v for k, v in m.items() if k != "trigger_points"})
        for tp in m["trigger_points"]:
            expect("trigger_points", tp["id"], tp)
    for c in ents["conditions"]:
        expect("conditions", c["id"], {k: v for k, v in c.items() if k != "features"})
        for pos, f in enumerate(c["features"], 1):
            expect("condition_features", f"{c['id']}#{pos}", f)
    for name in ("red_flags", "triage_rules", "exercises"):
        for e in ents[name]:
            expect(name, e["id"], e)
    assert texts == want


def assert_all_cited(rows: dict[str, list[dict[str, Any]]]) -> None:
    problems = export.uncited(rows)
    assert not problems, "uncited rows:\n" + "\n".join(problems[:20])


def test_every_row_cites_a_reference_that_resolves(package: Path) -> None:
    assert_all_cited(export.load_package(package))
    assert_all_cited(export.load_package(package, "jsonl"))


def test_an_uncited_row_fails(package: Path, tmp_path: Path) -> None:
    """A deliberately broken copy: one zone with no reference, one with an unknown one."""
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "data").mkdir()
    for f in package.rglob("*"):
        if f.is_file():
            (broken / f.relative_to(package)).write_bytes(f.read_bytes())
    path = broken / "data" / "referral_zones.csv"
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    rows[0]["refs"] = ""
    rows[1]["refs"] = "no-such-reference-2099"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    loaded = export.load_package(broken)
    problems = export.uncited(loaded)
    assert len(problems) == 2
    assert "no reference" in problems[0] and "no-such-reference-2099" in problems[1]
    with pytest.raises(AssertionError, match="uncited rows"):
        assert_all_cited(loaded)


def test_export_refuses_an_uncited_row(kb: Any, tmp_path: Path, monkeypatch: Any) -> None:
    real = export.tables

    def broken(k: Any) -> dict[str, list[dict[str, Any]]]:
        rows = real(k)
        rows["muscles"][0]["refs"] = []
        return rows

    monkeypatch.setattr(export, "tables", broken)
    with pytest.raises(ValueError, match="no reference"):
        export.write_package(kb, tmp_path)


def test_cli_export_kb(tmp_path: Path, capsys: Any) -> None:
    from triggermap.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["export-kb", str(tmp_path / "out")])
    assert exc.value.code in (0, None)
    assert (tmp_path / "out" / "datapackage.json").is_file()
    assert (tmp_path / "out" / "data" / "texts.csv").is_file()
    assert "datapackage.json" in capsys.readouterr().err


def test_ids_in_list_fields_resolve_within_the_package(package: Path) -> None:
    """The foreign keys a table schema cannot state (lists of ids)."""
    back = export.load_package(package)
    ids = {name: {r["id"] for r in rows} for name, rows in back.items() if rows and "id" in rows[0]}
    links = {
        "muscles": {"self_care": "exercises", "mimics": "conditions", "evidence_refs": "references",
                    "mimics_refs": "references", "anatomy_refs": "references", "innervation_refs": "references"},
        "regions": {"within": "regions"},
        "red_flags": {"conditions": "conditions"},
        "triage_rules": {"conditions": "conditions", "regions": "regions"},
        "exercises": {"muscles": "muscles"},
    }
    bad = [f"{table}.{field}: {v}" for table, fields in links.items() for row in back[table]
           for field, target in fields.items() for v in row[field] if v not in ids[target]]
    for f in back["condition_features"]:
        target = {"region": "regions", "red-flag": "red_flags"}.get(f["kind"])
        if target:
            bad += [f"condition_features {f['condition']}#{f['position']}: {v}" for v in f["ids"] if v not in ids[target]]
    assert not bad, bad[:10]
    assert {t["muscle"] for t in back["trigger_points"]} == ids["muscles"]


def test_export_is_reproducible(kb: Any, package: Path, tmp_path: Path) -> None:
    export.write_package(kb, tmp_path)
    for f in package.rglob("*"):
        if f.is_file():
            assert (tmp_path / f.relative_to(package)).read_bytes() == f.read_bytes(), f.name
