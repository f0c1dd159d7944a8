"""The command line, end to end in a subprocess (as users and registries run it)."""

from __future__ import annotations

import json
import subprocess
import sys

import jsonschema
import pytest

from tmhelpers import ARTICLE, make_intake


def run(*args, stdin: str | bytes | None = None):
    data = stdin.encode() if isinstance(stdin, str) else stdin
    return subprocess.run(
        [sys.executable, "-m", "triggermap", *args], input=data, capture_output=True, timeout=120
    )


@pytest.fixture(scope="module")
def schemas():
    out = run("schema")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_assess_json_validates_against_published_schema(schemas):
    out = run("assess", "-", "--format", "json", stdin=json.dumps(ARTICLE))
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)  # exactly one JSON document
    jsonschema.validate(doc, schemas["assessment"])
    jsonschema.validate(ARTICLE, schemas["intake"])
    assert doc["triage"]["level"] == "self-care"
    assert "gluteus-maximus" in [m["id"] for m in doc["muscles"][:3]]


def test_assess_spanish(schemas):
    out = run("assess", "-", "--format", "json", "--lang", "es", stdin=json.dumps(ARTICLE))
    doc = json.loads(out.stdout)
    jsonschema.validate(doc, schemas["assessment"])
    assert doc["lang"] == "es"
    assert "diagnóstico" in doc["disclaimer"]
    names = [m["name"] for m in doc["muscles"]]
    assert any("glúteo" in n.lower() for n in names)


def test_assess_text_report():
    out = run("assess", "-", stdin=json.dumps(ARTICLE))
    assert out.returncode == 0
    text = out.stdout.decode()
    assert "Triage" in text and "not a diagnosis" in text


def test_assess_yaml_file(tmp_path):
    p = tmp_path / "case.yaml"
    p.write_text("version: 1\npain:\n  - {region: calf, side: right, intensity: 4}\n", encoding="utf-8")
    out = run("assess", str(p), "--format", "json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["choir"] == [234]


BAD = {
    "typo": (json.dumps(make_intake(("buttock-lowr-inner", "left", 6))), "pain[0].region", "buttock-lower-inner"),
    "midline-side": (json.dumps(make_intake(("sacrum", "left", 6))), "pain[0].side", "midline"),
    "intensity-11": (json.dumps(make_intake(("calf", "left", 11))), "pain[0].intensity", "0 to 10"),
    "empty": (json.dumps({"version": 1, "pain": []}), "pain", "red_flags"),
    "malformed-json": ('{"version": 1, "pain": [', "(document)", "not valid JSON"),
    "malformed-yaml": ("version: 1\npain: [\n  - {region: calf\n", "(document)", "YAML"),
    "yaml-alias-bomb": ("a: &a [x, x]\nb: [*a, *a]\n", "(document)", "aliases"),
    "huge": ('{"pain": [' + " " * 10_000_000 + "]}", "(document)", "larger than"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_invalid_input_exits_2_with_field_and_no_stdout(case):
    stdin, field, needle = BAD[case]
    out = run("assess", "-", "--format", "json", stdin=stdin)
    assert out.returncode == 2
    assert out.stdout == b""
    err = out.stderr.decode()
    assert field in err and needle in err
    assert "Traceback" not in err


def test_missing_file_exits_2():
    out = run("assess", "/nonexistent/intake.json")
    assert out.returncode == 2 and out.stdout == b"" and "Traceback" not in out.stderr.decode()


def test_batch_reports_bad_lines_and_goes_on():
    lines = [json.dumps(ARTICLE), "{not json", json.dumps(make_intake(("calf", "left", 11))), json.dumps(ARTICLE)]
    out = run("assess", "--batch", "-", "--workers", "1", stdin="\n".join(lines) + "\n")
    assert out.returncode == 1
    rows = [json.loads(x) for x in out.stdout.decode().splitlines()]
    assert len(rows) == 4
    assert rows[1]["line"] == 2 and "error" in rows[1]
    assert rows[2]["line"] == 3 and "pain[0].intensity" in rows[2]["error"]
    assert rows[0] == rows[3] and rows[0]["version"] == 1


def test_batch_parallel_matches_serial():
    import csv
    import itertools

    from tmhelpers import CHOIR_DIR
    from triggermap.fastcli import CHUNK_LINES

    with open(CHOIR_DIR / "choir_validation_7068.csv", newline="") as fh:
        rows = [r["bodymap_regions_csv"] for r in itertools.islice(csv.DictReader(fh), 4 * CHUNK_LINES + 100)]
    lines = [json.dumps({"choir": [int(c) for c in r.split(",")]}) for r in rows]
    bad_at = 2 * CHUNK_LINES + 34  # a bad line in the middle (of the third chunk) keeps its place
    lines.insert(bad_at, '{"choir": [999]}')
    stdin = "\n".join(lines) + "\n"
    a = run("assess", "--batch", "-", "--workers", "1", stdin=stdin)
    b = run("assess", "--batch", "-", "--workers", "2", stdin=stdin)
    assert a.returncode == b.returncode == 1
    assert a.stdout == b.stdout
    out = b.stdout.decode().splitlines()
    assert len(out) == len(lines)
    assert json.loads(out[bad_at]) == {"line": bad_at + 1, "error": json.loads(out[bad_at])["error"]}
    assert "choir[0]" in json.loads(out[bad_at])["error"]


HOSTILE_LINES = [
    b"[" * 50_000 + b"]" * 50_000,  # nested far beyond any intake
    b'{"age": ' + b"9" * 5000 + b"}",  # an integer longer than Python reads by default
    b'{"pain": ' + b'{"a": ' * 3000 + b"1" + b"}" * 3000 + b"}",
    b"\xff\xfe not text",  # not UTF-8
]


@pytest.mark.parametrize("workers", ["1", "2"])
def test_batch_keeps_every_good_line_around_hostile_ones(workers):
    good = json.dumps({"version": 1, "pain": [{"region": "sacrum", "intensity": 4}]}).encode()
    lines = []
    for bad in HOSTILE_LINES:
        lines += [good, bad]
    lines.append(good)
    out = run("assess", "--batch", "-", "--workers", workers, stdin=b"\n".join(lines) + b"\n")
    assert out.returncode == 1, out.stderr
    assert b"Traceback" not in out.stderr
    rows = [json.loads(x) for x in out.stdout.decode().splitlines()]
    assert len(rows) == len(lines)
    for k, row in enumerate(rows):
        if k % 2 == 0:
            assert row["version"] == 1 and row["triage"]["level"] == "self-care"
        else:
            assert row["line"] == k + 1 and row["error"].startswith("(document)"), row


@pytest.mark.parametrize("text", HOSTILE_LINES[:3])
def test_single_hostile_intake_is_exit_2_without_traceback(text, tmp_path):
    p = tmp_path / "bad.json"
    p.write_bytes(text)
    out = run("assess", str(p))
    assert out.returncode == 2
    assert out.stdout == b""
    assert b"Traceback" not in out.stderr and b"(document)" in out.stderr
    y = tmp_path / "bad.yaml"
    y.write_bytes(text)
    out = run("assess", str(y))
    assert out.returncode == 2 and b"Traceback" not in out.stderr, out.stderr


def test_vocab_json_shapes():
    out = run("vocab", "regions", "--format", "json")
    assert out.returncode == 0, out.stderr
    regions = json.loads(out.stdout)
    by_id = {r["id"]: r for r in regions}
    assert by_id["buttock-lower-inner"]["choir"] == {"left": 223, "right": 224}
    assert by_id["sacrum"]["midline"] is True and isinstance(by_id["sacrum"]["choir"], list)
    for r in regions:
        assert set(r["label"]) == {"en", "es"} and set(r["definition"]) == {"en", "es"}
    everything = json.loads(run("vocab", "--format", "json").stdout)
    assert set(everything) == {
        "regions", "qualities", "aggravating", "findings", "red-flags", "history", "muscles", "conditions"
    }
    assert len(everything["muscles"]) >= 25 and len(everything["red-flags"]) >= 19


def test_vocab_lists_how_each_item_is_asked_and_who_answers(kb):
    """`--format json` gives each answer item the question the engine asks and who answers it
    (contract 1.1 next questions); the text format shows the question under the item."""
    from triggermap.vocabulary import ASKERS

    everything = json.loads(run("vocab", "--format", "json").stdout)
    for cat in ("qualities", "aggravating", "findings", "history"):
        assert [i["id"] for i in everything[cat]] == list(kb.vocab[cat])
        for item in everything[cat]:
            curated = kb.vocab[cat][item["id"]]
            assert item["who"] in ASKERS
            if curated.who:
                assert item["who"] == curated.who, item["id"]
            assert set(item["question"]) == {"en", "es"} and all(item["question"].values())
            if curated.question:
                assert item["question"] == curated.question.to_dict(), item["id"]
    # findings default to the clinician and nothing else does: a curated self-test is the exception
    assert any(i["who"] == "clinician" for i in everything["findings"])
    assert all(i["who"] == "self" for i in everything["red-flags"])
    text = run("vocab", "findings", "--lang", "es").stdout.decode()
    item = everything["findings"][0]
    lines = text.splitlines()
    at = next(n for n, line in enumerate(lines) if line.startswith(item["id"] + " "))
    assert item["question"]["es"] in lines[at + 1]
    assert ("para un profesional" if item["who"] == "clinician" else "puede responderla usted") in lines[at + 1]


#: a drawing whose candidate next questions include both the person's and a clinician's
HIP = make_intake(("buttock-upper-outer", "left", 6), ("hip-lateral", "left", 4), aggravating=["lying-on-affected-side"])


def test_assess_who_keeps_only_their_questions(kb):
    from triggermap import Engine

    engine = Engine(kb)
    every = engine.document(HIP, "en", max_questions=50)["next_questions"]
    assert {q["who"] for q in every if q["field"] != "red_flags"} == {"self", "clinician"}  # the test can fail
    plain = run("assess", "-", "--format", "json", stdin=json.dumps(HIP))
    assert plain.returncode == 0, plain.stderr
    base = json.loads(plain.stdout)
    assert base == json.loads(json.dumps(engine.document(HIP, "en")))  # without --who: as before
    for who in ("self", "clinician"):
        out = run("assess", "-", "--format", "json", "--who", who, stdin=json.dumps(HIP))
        assert out.returncode == 0, out.stderr
        doc = json.loads(out.stdout)
        assert doc["next_questions"], who
        assert all(q["who"] == who for q in doc["next_questions"] if q["field"] != "red_flags"), doc["next_questions"]
        assert doc == json.loads(json.dumps(engine.document(HIP, "en", who=who)))
        assert {k: v for k, v in doc.items() if k != "next_questions"} == {
            k: v for k, v in base.items() if k != "next_questions"}
        batch = run("assess", "--batch", "-", "--who", who, "--workers", "1", stdin=json.dumps(HIP) + "\n")
        assert batch.returncode == 0 and json.loads(batch.stdout) == doc
        text = run("assess", "-", "--who", who, stdin=json.dumps(HIP))  # the text report asks the same
        assert text.returncode == 0, text.stderr
        for q in doc["next_questions"]:
            label = "for a clinician" if q["who"] == "clinician" else "you can answer"
            assert f"{q['text']} ({label})" in text.stdout.decode()


def test_assess_bad_who_exits_2_naming_it():
    out = run("assess", "-", "--format", "json", "--who", "doctor", stdin=json.dumps(HIP))
    assert out.returncode == 2 and out.stdout == b"" and b"--who" in out.stderr and b"clinician" in out.stderr


def test_vocab_unknown_category_exits_2():
    out = run("vocab", "regoins", "--format", "json")
    assert out.returncode == 2 and out.stdout == b"" and "regions" in out.stderr.decode()


def test_muscle_card():
    out = run("muscle", "gluteus-minimus", "--format", "json", "--lang", "es")
    assert out.returncode == 0, out.stderr
    card = json.loads(out.stdout)
    assert card["id"] == "gluteus-minimus" and card["names"]["la"]
    assert card["trigger_points"] and card["references"] and card["self_care"]
    text = run("muscle", "gluteus-minimus")
    assert text.returncode == 0 and b"Trigger points" in text.stdout


def test_muscle_unknown_id_exits_2():
    out = run("muscle", "gluteus-minimis")
    assert out.returncode == 2 and "gluteus-minimus" in out.stderr.decode() and out.stdout == b""
