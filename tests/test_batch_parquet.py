"""``assess --batch`` with Parquet in and out (the ``parquet`` extra: pyarrow), read back with
pyarrow alone (no pandas): one row per drawing, the same facts as the JSON documents."""

from __future__ import annotations

import csv
import io
import itertools
import json
import subprocess
import sys

import pytest

from tmhelpers import CHOIR_DIR

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")


def run(*args, stdin: bytes | None = None):
    return subprocess.run([sys.executable, "-m", "triggermap", *args], input=stdin, capture_output=True, timeout=300)


def choir_rows(n: int) -> list[list[int]]:
    with open(CHOIR_DIR / "choir_validation_7068.csv", newline="") as fh:
        return [[int(c) for c in r["bodymap_regions_csv"].split(",")] for r in itertools.islice(csv.DictReader(fh), n)]


PAIN = pa.list_(pa.struct([("region", pa.string()), ("side", pa.string()), ("intensity", pa.int64())]))
ROWS = [
    {"id": "p1", "age": 40, "pain": [{"region": "buttock-lower-inner", "side": "left", "intensity": 6},
                                     {"region": "coccyx", "side": None, "intensity": 3}],
     "choir": None, "qualities": "aching, cramping", "red_flags": None},
    {"id": "p2", "age": 200, "pain": [{"region": "calf", "side": "right", "intensity": 7}], "choir": None,
     "qualities": None, "red_flags": None},  # age out of range: an error row
    {"id": "p3", "age": None, "pain": None, "choir": [223, 224], "qualities": None,
     "red_flags": ["saddle-anesthesia"]},
    {"id": "p4", "age": 33, "pain": [{"region": "nope", "side": "left", "intensity": 5}], "choir": None,
     "qualities": None, "red_flags": None},
]
SCHEMA = pa.schema([("id", pa.string()), ("age", pa.int64()), ("pain", PAIN), ("choir", pa.list_(pa.int64())),
                    ("qualities", pa.string()), ("red_flags", pa.list_(pa.string()))])


def as_intake(row: dict) -> dict:
    """What each Parquet row means, written by hand as a JSON intake."""
    doc: dict = {}
    if row["age"] is not None:
        doc["age"] = row["age"]
    if row["pain"] is not None:
        doc["pain"] = [{k: v for k, v in m.items() if v is not None} for m in row["pain"]]
    if row["choir"] is not None:
        doc["choir"] = row["choir"]
    if row["qualities"] is not None:
        doc["qualities"] = [q.strip() for q in row["qualities"].split(",")]
    if row["red_flags"] is not None:
        doc["red_flags"] = row["red_flags"]
    return doc


def expected_row(n: int, row_id: str, doc: dict) -> dict:
    """The summary row, derived here from the JSON document (independently of the batch code)."""
    if "error" in doc:
        return {"line": n, "id": row_id, "error": doc["error"]}
    m = doc["muscles"]
    out = {"line": n, "id": row_id, "error": None, "triage_level": doc["triage"]["level"],
           "triage_reasons": [r["id"] for r in doc["triage"]["reasons"]],
           "muscles": [{"id": x["id"], "score": x["score"]} for x in m],
           "conditions": [{"id": c["id"], "score": c["score"]} for c in doc["conditions"]],
           "conditions_likely": [c["id"] for c in doc["conditions"] if c["likely"]],
           "choir": doc["choir"], "contract": doc["contract"], "kb_version": doc["kb_version"],
           "model_version": doc["model_version"]}
    for k in range(3):
        out[f"muscle_{k + 1}"] = m[k]["id"] if k < len(m) else None
        out[f"muscle_{k + 1}_score"] = m[k]["score"] if k < len(m) else None
    return out


def test_parquet_in_and_out_round_trip(tmp_path):
    src = tmp_path / "drawings.parquet"
    pq.write_table(pa.Table.from_pylist(ROWS, schema=SCHEMA), src)
    out = run("assess", "--batch", str(src), "--format", "parquet", "--workers", "2")
    assert out.returncode == 1, out.stderr  # rows p2 and p4 fail
    table = pq.read_table(pa.BufferReader(out.stdout))
    rows = table.to_pylist()
    assert table.num_rows == len(ROWS)
    assert table.schema.field("choir").type == pa.list_(pa.int32())
    assert table.schema.field("muscles").type == pa.list_(pa.struct([("id", pa.string()), ("score", pa.float64())]))
    # the same drawings as JSON Lines, through the JSON path
    jsonl = "".join(json.dumps(as_intake(r)) + "\n" for r in ROWS).encode()
    docs = [json.loads(line) for line in run("assess", "--batch", "-", stdin=jsonl).stdout.splitlines()]
    for n, (row, given, doc) in enumerate(zip(rows, ROWS, docs, strict=True), 1):
        assert row["id"] == given["id"] and row["line"] == n
        want = expected_row(n, given["id"], doc)
        if "error" in doc:
            assert row["error"] == doc["error"] and row["triage_level"] is None and row["muscles"] is None
            continue
        assert {k: row[k] for k in want} == want
    assert rows[1]["error"].startswith("age:") and rows[3]["error"].startswith("pain[0].region:")
    assert rows[2]["triage_level"] == "emergency"


def test_parquet_in_gives_the_json_lines_documents(tmp_path):
    src = tmp_path / "drawings.parquet"
    pq.write_table(pa.Table.from_pylist(ROWS, schema=SCHEMA), src)
    from_parquet = run("assess", "--batch", str(src), "--lang", "es").stdout.splitlines()
    jsonl = "".join(json.dumps(as_intake(r)) + "\n" for r in ROWS).encode()
    from_json = run("assess", "--batch", "-", "--lang", "es", stdin=jsonl).stdout.splitlines()
    assert len(from_parquet) == len(ROWS)
    for a, b in zip(from_parquet, from_json, strict=True):
        da, db = json.loads(a), json.loads(b)
        if "error" in db:  # the line numbers: Parquet rows and JSON lines both count from 1
            assert da == db
        else:
            assert a == b


def test_csv_in_parquet_out_matches_the_csv_output(tmp_path):
    codes = choir_rows(450)  # more than two chunks per worker
    text = "id,choir\n" + "".join(f"r{i},\"{','.join(map(str, c))}\"\n" for i, c in enumerate(codes))
    (tmp_path / "in.csv").write_text(text)
    as_csv = run("assess", "--batch", str(tmp_path / "in.csv"), "--format", "csv", "--workers", "2")
    as_pq = run("assess", "--batch", str(tmp_path / "in.csv"), "--format", "parquet", "--workers", "2")
    assert as_csv.returncode == as_pq.returncode == 0, as_pq.stderr
    want = list(csv.DictReader(io.StringIO(as_csv.stdout.decode())))
    got = pq.read_table(pa.BufferReader(as_pq.stdout)).to_pylist()
    assert len(got) == len(want) == len(codes)
    for g, w in zip(got, want, strict=True):
        assert str(g["line"]) == w["line"] and g["id"] == w["id"]
        assert g["triage_level"] == w["triage_level"]
        assert ";".join(f"{m['id']}:{m['score']}" for m in g["muscles"]) == w["muscles"]
        assert ";".join(f"{c['id']}:{c['score']}" for c in g["conditions"]) == w["conditions"]
        assert ";".join(map(str, g["choir"])) == w["choir"]
        assert ";".join(g["uncovered"]) == w["uncovered"]
        assert (g["muscle_1"] or "") == w["muscle_1"]


def test_bad_parquet_input_is_refused(tmp_path):
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"not parquet at all")
    for args in (("--batch", str(bad)), ("--batch", "-", "--input-format", "parquet")):
        out = run("assess", *args, stdin=b"")
        assert out.returncode == 2 and out.stdout == b"", out.stderr
        assert out.stderr.startswith(b"triggermap: error: --batch:") and b"Traceback" not in out.stderr
    cols = tmp_path / "cols.parquet"
    pq.write_table(pa.table({"choirr": [[223]]}), cols)
    out = run("assess", "--batch", str(cols))
    assert out.returncode == 2 and b"unknown column 'choirr'" in out.stderr and b"did you mean" in out.stderr.lower()


def test_empty_input_gives_an_empty_parquet_table():
    out = run("assess", "--batch", "-", "--format", "parquet", stdin=b"")
    assert out.returncode == 0, out.stderr
    table = pq.read_table(pa.BufferReader(out.stdout))
    assert table.num_rows == 0 and table.schema.names[:3] == ["line", "id", "error"]
