"""`triggermap diary ...`: add / list / plot / export, exit code 2 on bad input, nothing written."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from triggermap.store.cli import app

from .test_repo import counts

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def add(person: str, date: str, pain: str, *extra: str):
    return run("add", "--person", person, "--date", date, "--pain", pain, *extra)


def test_add_then_list_json_in_date_order(db_url, kb_vocab, lateral_region, midline_region, plan_item):
    assert add("P1", "2024-03-02", "5", "--region", f"{lateral_region}:left").exit_code == 0
    r = add(
        "P1",
        "2024-03-01",
        "7",
        "--region",
        midline_region,
        "--done",
        plan_item,
        "--note",
        "peor por la mañana",
    )
    assert r.exit_code == 0, r.stderr
    assert add("P1", "2024-02-28", "0").exit_code == 0
    r = run("list", "--person", "P1", "--format", "json")
    assert r.exit_code == 0
    entries = json.loads(r.stdout)
    assert [(e["date"], e["pain"]) for e in entries] == [
        ("2024-02-28", 0),
        ("2024-03-01", 7),
        ("2024-03-02", 5),
    ]
    assert entries[1]["note"] == "peor por la mañana"
    assert entries[1]["done"] == [plan_item]
    assert entries[2]["regions"] == [{"region": lateral_region, "side": "left"}]


def test_add_json_output_and_text_list(db_url, kb_vocab):
    r = add("P1", "2024-03-01", "4", "--format", "json")
    assert r.exit_code == 0
    assert json.loads(r.stdout)["pain"] == 4
    r = run("list", "--person", "P1")
    assert r.exit_code == 0 and "2024-03-01" in r.stdout and "pain  4" in r.stdout


@pytest.mark.parametrize(
    ("args", "option", "bad"),
    [
        (["--date", "2023-02-29"], "--date", "2023-02-29"),
        (["--date", "2024-04-31"], "--date", "2024-04-31"),
        (["--date", "yesterday"], "--date", "yesterday"),
        (["--pain", "11"], "--pain", "11"),
        (["--pain", "-1"], "--pain", "-1"),
        (["--pain", "7.5"], "--pain", "7.5"),
        (["--region", "buttok"], "--region", "buttok"),
        (["--region", "MIDLINE:left"], "--region", "MIDLINE:left"),
        (["--region", "LATERAL:middle"], "--region", "LATERAL:middle"),
        (["--done", "not-an-exercise"], "--done", "not-an-exercise"),
        (["--person", "has space"], "--person", "has space"),
    ],
)
def test_bad_input_exits_2_names_the_field_writes_nothing(
    db_url, kb_vocab, lateral_region, midline_region, args, option, bad
):
    args = [a.replace("MIDLINE", midline_region).replace("LATERAL", lateral_region) for a in args]
    bad = bad.replace("MIDLINE", midline_region).replace("LATERAL", lateral_region)
    assert add("P1", "2024-01-01", "3").exit_code == 0  # the database exists and has data
    before = counts(db_url)
    base = {"--person": "P2", "--date": "2024-03-01", "--pain": "5"}
    extra = []
    for i in range(0, len(args), 2):
        if args[i] in base:
            base[args[i]] = args[i + 1]
        else:
            extra += args[i : i + 2]
    cmd = ["add"] + [x for kv in base.items() for x in kv] + extra
    r = run(*cmd)
    assert r.exit_code == 2
    assert option in r.stderr and bad in r.stderr
    assert "allowed" in r.stderr
    assert "Traceback" not in r.stderr + r.stdout
    assert r.stdout == ""
    assert counts(db_url) == before


def test_unknown_region_suggests_the_closest(db_url, kb_vocab, lateral_region):
    r = add("P1", "2024-03-01", "5", "--region", lateral_region[:-1] + "q")
    assert r.exit_code == 2
    assert f"did you mean '{lateral_region}'" in r.stderr


def test_duplicate_date_exits_2_and_replace_works(db_url, kb_vocab):
    assert add("P1", "2024-03-01", "5").exit_code == 0
    r = add("P1", "2024-03-01", "6")
    assert r.exit_code == 2 and "--date" in r.stderr and "--replace" in r.stderr
    assert add("P1", "2024-03-01", "6", "--replace").exit_code == 0
    entries = json.loads(run("list", "--person", "P1", "--format", "json").stdout)
    assert [(e["date"], e["pain"]) for e in entries] == [("2024-03-01", 6)]


def test_unknown_person_exits_2(db_url, kb_vocab):
    assert add("alice", "2024-03-01", "5").exit_code == 0
    for cmd in (["list"], ["export", "--format", "csv"], ["plot", "-o", "x.png"]):
        r = run(*cmd, "--person", "alicia")
        assert r.exit_code == 2, cmd
        assert "--person" in r.stderr and "alice" in r.stderr  # the suggestion


def test_delete(db_url, kb_vocab):
    assert add("P1", "2024-03-01", "5").exit_code == 0
    assert run("delete", "--person", "P1", "--date", "2024-03-01").exit_code == 0
    assert json.loads(run("list", "--person", "P1", "--format", "json").stdout) == []
    assert run("delete", "--person", "P1", "--date", "2024-03-01").exit_code == 2


@pytest.mark.parametrize(("suffix", "magic"), [(".png", b"\x89PNG"), (".svg", b"<?xml"), (".pdf", b"%PDF")])
def test_plot(db_url, kb_vocab, tmp_path, suffix, magic, plan_item):
    for i, day in enumerate(["2024-03-01", "2024-03-02", "2024-03-04"]):
        assert add("P1", day, str(6 - i), "--done", plan_item).exit_code == 0
    out = tmp_path / f"plot{suffix}"
    r = run("plot", "--person", "P1", "-o", str(out), "--lang", "es")
    assert r.exit_code == 0, r.stderr
    assert out.read_bytes().startswith(magic)
    assert oct(out.stat().st_mode & 0o777) == oct(0o600)


def test_plot_bad_suffix(db_url, kb_vocab, tmp_path):
    assert add("P1", "2024-03-01", "5").exit_code == 0
    r = run("plot", "--person", "P1", "-o", str(tmp_path / "plot.gif"))
    assert r.exit_code == 2 and "--output" in r.stderr
    assert not (tmp_path / "plot.gif").exists()


def test_export_csv(db_url, kb_vocab, lateral_region, midline_region, plan_item):
    add("P1", "2024-03-02", "3", "--region", f"{lateral_region}:right", "--region", midline_region)
    add("P1", "2024-03-01", "8", "--done", plan_item, "--note", '=HYPERLINK("x"), señal')
    r = run("export", "--person", "P1", "--format", "csv")
    assert r.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert [(row["date"], row["pain"]) for row in rows] == [("2024-03-01", "8"), ("2024-03-02", "3")]
    assert rows[1]["regions"] == f"{lateral_region}:right;{midline_region}"
    assert rows[0]["done"] == plan_item
    assert rows[0]["note"] == '\'=HYPERLINK("x"), señal'  # not a formula in a spreadsheet
    assert {row["person"] for row in rows} == {"P1"}


def test_export_fhir_validates(db_url, kb_vocab, lateral_region, tmp_path):
    from fhir.resources.R4B.bundle import Bundle

    add("P1", "2024-03-01", "8", "--region", f"{lateral_region}:left")
    add("P1", "2024-03-02", "6")
    out = tmp_path / "bundle.json"
    r = run("export", "--person", "P1", "--format", "fhir", "-o", str(out))
    assert r.exit_code == 0, r.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    bundle = Bundle.model_validate(data)
    obs = [e.resource for e in bundle.entry if e.resource.get_resource_type() == "Observation"]
    assert [(o.effectiveDateTime.isoformat()[:10], o.valueInteger) for o in obs] == [
        ("2024-03-01", 8),
        ("2024-03-02", 6),
    ]
    assert all(
        o.code.coding[0].code == "72514-3" and o.code.coding[0].system == "http://loinc.org" for o in obs
    )


def test_db_option_and_group_option(tmp_path, kb_vocab, monkeypatch):
    monkeypatch.delenv("TRIGGERMAP_DATABASE_URL", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "home"))
    from triggermap.store import db

    try:
        path = tmp_path / "mine.sqlite3"
        assert (
            run("add", "--person", "P1", "--date", "2024-03-01", "--pain", "5", "--db", str(path)).exit_code
            == 0
        )
        r = runner.invoke(app, ["--db", str(path), "list", "--person", "P1", "--format", "json"])
        assert r.exit_code == 0 and json.loads(r.stdout)[0]["pain"] == 5
        assert path.exists() and not (tmp_path / "home").exists()
    finally:
        db.dispose_engines()


def test_unreachable_database_exits_1_without_traceback_or_password(tmp_path):
    env = {**os.environ, "TRIGGERMAP_DATABASE_URL": "postgresql://u:s3cret@127.0.0.1:1/nope"}
    r = subprocess.run(
        [sys.executable, "-m", "triggermap.store.cli", "list", "--person", "P1"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert r.returncode == 1
    assert "Traceback" not in r.stderr and "s3cret" not in r.stderr
    assert r.stderr.startswith("error: database error")


def test_subprocess_bad_date_exits_2(db_url):
    env = {**os.environ, "TRIGGERMAP_DATABASE_URL": db_url}
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "triggermap.store.cli",
            "add",
            "--person",
            "P1",
            "--date",
            "2023-02-29",
            "--pain",
            "3",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert r.returncode == 2
    assert r.stdout == "" and "--date" in r.stderr and "Traceback" not in r.stderr
    assert sum(counts(db_url).values()) == 0
