"""The lean document (docs/lean-document.md): the marks once per assessment, and an exact way back."""

from __future__ import annotations

import copy
import csv
import json
import subprocess
import sys

import jsonschema
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tmhelpers import ARTICLE, CHOIR_DIR, ROOT
from triggermap.documents import dumps_bytes
from triggermap.lean import expand_document, lean_document
from triggermap.schemas import lean_assessment_schema


def _choir_intakes() -> list[dict]:
    with open(CHOIR_DIR / "choir_validation_7068.csv", newline="") as fh:
        return [{"version": 1, "choir": [int(c) for c in r["bodymap_regions_csv"].split(",") if c.strip()]}
                for r in csv.DictReader(fh)]


CHOIR = _choir_intakes()
CASES = [yaml.safe_load(p.read_text(encoding="utf-8"))["intake"] for p in sorted((ROOT / "bench" / "cases").glob("*.yaml"))]


@pytest.fixture(scope="module")
def engine(kb):
    from triggermap.engine.core import engine_for

    return engine_for(kb)


@pytest.fixture(scope="module")
def validator(kb):
    return jsonschema.Draft202012Validator(lean_assessment_schema(kb))


def check_round_trip(doc: dict) -> dict:
    lean = lean_document(doc)
    back = expand_document(lean)
    assert back == doc
    assert list(back) == list(doc)
    assert dumps_bytes(back) == dumps_bytes(doc)  # the same keys in the same order, the same bytes
    return lean


def check_lean(doc: dict, lean: dict) -> None:
    assert lean["form"] == "lean"
    marks = lean["marks"]
    keys = [(m["region"], m.get("side")) for m in marks]
    assert len(keys) == len(set(keys))  # each mark once
    for full, m in zip(doc["muscles"], lean["muscles"], strict=True):
        assert "explains" not in m and "unexplained" not in m
        ref = m["explains_marks"]
        assert [marks[i]["region"] for i in ref["essential"]] == [
            x["region"] for x in full["explains"] if x["zone"] == "essential"]
        assert len(ref["essential"]) + len(ref["spillover"]) == len(full["explains"])
    if doc["muscles"]:
        assert len(marks) == len(doc["muscles"][0]["explains"]) + len(doc["muscles"][0]["unexplained"])


def test_every_case_round_trips_and_validates(engine, validator):
    assert len(CASES) >= 20
    for intake in CASES:
        for lang in ("en", "es"):
            for who in (None, "self", "clinician"):
                doc = engine.document(intake, lang, who=who)
                lean = check_round_trip(doc)
                check_lean(doc, lean)
                validator.validate(lean)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(i=st.integers(0, len(CHOIR) - 1), lang=st.sampled_from(["en", "es"]))
def test_choir_drawings_round_trip(engine, validator, i, lang):
    doc = engine.document(CHOIR[i], lang)
    lean = check_round_trip(doc)
    check_lean(doc, lean)
    validator.validate(lean)
    assert len(dumps_bytes(lean)) <= len(dumps_bytes(doc))


def test_a_large_drawing_is_much_smaller(engine):
    big = max(CHOIR, key=lambda d: len(d["choir"]))
    doc = engine.document(big, "en")
    lean = check_round_trip(doc)
    assert len(dumps_bytes(lean)) < 0.5 * len(dumps_bytes(doc))


def test_a_muscle_that_cannot_be_referred_stays_full(engine, validator):
    """A hand-made document whose muscle lists its unexplained marks out of order: that muscle
    keeps its lists, the others are lean, and the way back is still exact."""
    doc = copy.deepcopy(engine.document(ARTICLE, "en"))
    odd = next(m for m in doc["muscles"] if len(m["unexplained"]) >= 2)
    odd["unexplained"].reverse()
    lean = check_round_trip(doc)
    kept = [m for m in lean["muscles"] if "explains" in m]
    assert [m["id"] for m in kept] == [odd["id"]]
    validator.validate(lean)


def test_errors_and_lean_documents_pass_through(engine):
    err = {"field": "pain[0].region", "message": "unknown"}
    assert lean_document(err) == err and expand_document(err) == err
    lean = lean_document(engine.document(ARTICLE, "en"))
    assert lean_document(lean) is lean
    full = engine.document(ARTICLE, "en")
    assert expand_document(full) is full


def test_lean_schema_refuses_a_muscle_with_both_forms(engine, validator):
    lean = lean_document(engine.document(ARTICLE, "en"))
    bad = copy.deepcopy(lean)
    bad["muscles"][0]["explains"] = []
    with pytest.raises(jsonschema.ValidationError):
        validator.validate(bad)
    bad = copy.deepcopy(lean)
    del bad["marks"]
    with pytest.raises(jsonschema.ValidationError):
        validator.validate(bad)


def _run(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "triggermap", *args], input=stdin, capture_output=True, timeout=300)


def test_cli_lean_expands_to_the_json_document():
    data = json.dumps(ARTICLE).encode()
    full = _run("assess", "-", "--format", "json", "--lang", "es", stdin=data)
    lean = _run("assess", "-", "--lean", "--lang", "es", stdin=data)
    assert full.returncode == 0 and lean.returncode == 0, lean.stderr
    doc = json.loads(lean.stdout)
    assert doc["form"] == "lean"
    assert dumps_bytes(expand_document(doc)) + b"\n" == full.stdout


def test_cli_batch_lean_expands_line_by_line():
    lines = [json.dumps(d) for d in CHOIR[:40]] + ["{nope"] + [json.dumps(c) for c in CASES[:5]]
    data = ("\n".join(lines) + "\n").encode()
    full = _run("assess", "--batch", "-", "--workers", "2", stdin=data)
    lean = _run("assess", "--batch", "-", "--workers", "2", "--lean", stdin=data)
    assert full.returncode == lean.returncode == 1  # the bad line
    a, b = full.stdout.splitlines(), lean.stdout.splitlines()
    assert len(a) == len(b) == len(lines)
    for x, y in zip(a, b, strict=True):
        doc = json.loads(y)
        assert dumps_bytes(expand_document(doc)) == x
    assert len(lean.stdout) < len(full.stdout)


@pytest.mark.parametrize("args", [("--format", "text"), ("--batch", "-", "--format", "csv")])
def test_cli_lean_is_refused_outside_json(args):
    extra = () if "--batch" in args else ("-",)
    out = _run("assess", *extra, *args, "--lean", stdin=json.dumps(ARTICLE).encode())
    assert out.returncode == 2
    assert b"--lean" in out.stderr and b"Traceback" not in out.stderr


def test_cli_schema_lists_the_lean_schema():
    out = _run("schema", "assessment-lean")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["properties"]["form"] == {"const": "lean", "description": "This document is in the lean form."}
