"""Every input path refuses bad input with exit code 2 (HTTP 415/422) and a message naming the
field, never a traceback, and writes nothing (issue 13). One test per path an adversarial run
broke: evaluation case files, chart scale, the atlas folder, CSV cells, the diary and account
commands, restore, the database URL, compressed HTTP bodies, duplicate keys, ``assess --help``."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tmhelpers import ARTICLE
from triggermap.cli import build_app

runner = CliRunner()


def cli(*args: str, input: bytes | str | None = None):
    """The whole ``triggermap`` app in-process; an uncaught exception fails the test (no traceback allowed)."""
    return runner.invoke(build_app(), list(args), input=input, catch_exceptions=False)


def refused(result, *words: str) -> str:
    assert result.exit_code == 2, (result.exit_code, result.output)
    text = result.stderr if result.stderr_bytes is not None else result.output
    assert "Traceback" not in text
    for w in words:
        assert w in text, (w, text)
    return text


# --------------------------------------------------------------------------- evaluate


def _case(tmp_path: Path, name: str, text: str) -> Path:
    folder = tmp_path / "cases"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.mark.parametrize(("name", "text", "words"), [
    ("a.yaml", "id: x\nintake: [\n", ["a.yaml: (document)", "not valid JSON or YAML"]),
    ("a.yaml", "id: x\nintake:\n  version: 1\n  pain: bogus\nexpect: {triage: self-care, muscles: [piriformis]}\n",
     ["a.yaml: intake.pain"]),
    ("a.yaml", "id: x\nexpect: {triage: self-care}\n", ["a.yaml: intake", "required"]),
    ("a.yaml", "id: x\nintake: {version: 1, pain: [{region: sacrum}]}\nexpect: {triage: fine, muscles: [piriformis]}\n",
     ["a.yaml: expect.triage", "self-care"]),
    ("a.yaml", "id: x\nintake: {version: 1, pain: [{region: sacrum}]}\nexpect: {triage: self-care, muscles: [nope]}\n",
     ["a.yaml: expect.muscles", "'nope'"]),
    ("b.json", "{}", ["b.json: id", "required"]),  # JSON case files are read, not skipped
    ("c.yaml", "- just\n- a list\n", ["c.yaml: (document)", "mapping"]),
])
def test_evaluate_names_the_broken_case_file_and_field(tmp_path, name, text, words):
    refused(cli("evaluate", str(_case(tmp_path, name, text))), *words)


def test_evaluate_reads_json_case_files_and_refuses_an_empty_folder(tmp_path):
    case = {"id": "j", "intake": ARTICLE, "expect": {"triage": "self-care", "muscles": ["gluteus-maximus"]}}
    folder = _case(tmp_path, "j.json", json.dumps(case))
    out = cli("evaluate", str(folder), "--format", "json")
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["muscles_top1"]["n"] == 1
    empty = tmp_path / "empty"
    empty.mkdir()
    refused(cli("evaluate", str(empty)), "holds no case files")
    refused(cli("evaluate", str(tmp_path / "nowhere")), "cases", "not a folder")


def test_evaluate_parse_names_the_broken_file(tmp_path):
    folder = _case(tmp_path, "en.yaml", "lang: en\ncases:\n- {text: hi, pain: 3}\n")
    refused(cli("evaluate", "--parse", str(folder)), "en.yaml: cases[0].pain")
    (folder / "en.yaml").write_text("lang: xx\ncases: []\n")
    refused(cli("evaluate", "--parse", str(folder)), "en.yaml: lang")


# --------------------------------------------------------------------------- charts, atlas


@pytest.mark.parametrize("scale", ["100000", "inf", "nan", "0", "-1", "0.0005"])
def test_chart_scale_is_bounded(tmp_path, scale):
    intake = tmp_path / "in.json"
    intake.write_text(json.dumps(ARTICLE))
    out = tmp_path / "x.png"
    refused(cli("chart", "intake", str(intake), "--scale", scale, "-o", str(out)), "--scale", "from 0.1 to 8")
    assert not out.exists()


def test_site_into_a_file_is_refused(tmp_path):
    target = tmp_path / "f"
    target.write_text("keep me")
    refused(cli("site", str(target)), "DIR", "is a file")
    assert target.read_text() == "keep me"


# --------------------------------------------------------------------------- CSV batch cells


def _csv_rows(tmp_path: Path, text: str, capfd) -> list[dict[str, str]]:
    import csv
    import io

    from triggermap.fastcli import main

    src = tmp_path / "in.csv"
    src.write_text(text, encoding="utf-8")
    code = main(["--batch", str(src), "--format", "csv", "--workers", "1"])
    out, err = capfd.readouterr()
    assert "Traceback" not in err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == (1 if any(r["error"] for r in rows) else 0)
    return rows


def test_csv_long_numbers_and_decimal_intensity_name_their_field(tmp_path, capfd):
    big = "9" * 5000
    rows = _csv_rows(tmp_path, "id,pain,choir,age\n"
                     f"a,coccyx:{big},,\nb,coccyx,{big},\nc,coccyx:5.5,,\nd,coccyx:5,,\ne,coccyx,,{big}\n", capfd)
    errors = {r["id"]: r["error"] for r in rows}
    assert errors["a"].startswith("pain[0].intensity: is a number of 5,000 characters")
    assert errors["b"].startswith("choir[0]: is a number of 5,000 characters")
    assert errors["c"].startswith("pain[0].intensity: must be a whole number")
    assert errors["d"] == ""
    assert errors["e"].startswith("age: is a number of 5,000 characters")


def test_csv_stray_quote_costs_one_row_not_the_rest_of_the_file(tmp_path, capfd):
    rows = _csv_rows(tmp_path, 'id,pain\na,coccyx\nb,"coccyx\nc,coccyx\nd,"coccyx"\ne,sacrum\n', capfd)
    assert [r["line"] for r in rows] == ["2", "3", "4", "5", "6"]
    assert rows[1]["error"].startswith("(row): is not valid CSV")
    assert "read again as rows" in rows[1]["error"]
    assert [r["id"] for r in rows if not r["error"]] == ["a", "c", "d", "e"]
    # never closed: the record is refused at the end of the file, the lines after it are rows again
    rows = _csv_rows(tmp_path, 'id,pain\na,coccyx\nb,"coccyx\nc,coccyx\nd,coccyx\n', capfd)
    assert [(r["id"], bool(r["error"])) for r in rows] == [("a", False), ("", True), ("c", False), ("d", False)]


def test_csv_record_spanning_too_many_lines_is_refused_and_its_lines_read_again(tmp_path, capfd):
    from triggermap.batch import MAX_RECORD_LINES

    lines = [f"x{i},coccyx" for i in range(MAX_RECORD_LINES + 50)]
    rows = _csv_rows(tmp_path, 'id,pain\nb,"coccyx\n' + "\n".join(lines) + "\n", capfd)
    assert f"more than {MAX_RECORD_LINES} lines" in rows[0]["error"]
    assert [r["id"] for r in rows[1:]] == [f"x{i}" for i in range(MAX_RECORD_LINES + 50)]
    assert not any(r["error"] for r in rows[1:])


# --------------------------------------------------------------------------- duplicate keys, help


@pytest.mark.parametrize(("text", "key"), [
    ('{"version": 1, "red_flags": ["fever"], "red_flags": [], "pain": [{"region": "coccyx"}]}', "red_flags"),
    ("version: 1\npain:\n  - {region: coccyx, region: sacrum}\n", "region"),
])
def test_a_key_given_twice_is_refused(tmp_path, capfd, text, key):
    from triggermap.fastcli import main

    src = tmp_path / ("in.json" if text.startswith("{") else "in.yaml")
    src.write_text(text)
    assert main([str(src), "--format", "json"]) == 2
    _, err = capfd.readouterr()
    assert f"key {key!r} appears twice" in err


def test_assess_help_lists_every_option(capsys):
    from triggermap.cli import main

    with pytest.raises(SystemExit) as stop:
        main(["assess", "--help"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    for option in ("--batch", "--format", "--input-format", "--lang", "--workers", "--who", "--lean"):
        assert option in out


# --------------------------------------------------------------------------- diary, accounts, restore, --db


def test_diary_pain_of_thousands_of_digits(tmp_path):
    db = tmp_path / "d.sqlite3"
    refused(cli("diary", "add", "-p", "p1", "--pain", "9" * 5000, "--db", str(db)), "--pain", "out of range")


def test_password_that_is_not_utf8(tmp_path):
    db = tmp_path / "d.sqlite3"
    out = cli("account", "add", "-u", "user1", "--role", "clinician", "--password-stdin", "--db", str(db),
              input=b"\xff\xfe\x00abcdefghijkl\n")
    refused(out, "password", "not UTF-8")


def _good_backup(tmp_path: Path) -> tuple[Path, dict]:
    src = tmp_path / "src.sqlite3"
    assert cli("diary", "add", "-p", "p1", "--pain", "4", "--db", str(src)).exit_code == 0
    path = tmp_path / "good.json"
    assert cli("backup", str(path), "--db", str(src)).exit_code == 0
    return path, json.loads(path.read_text())


def _tampered(tmp_path: Path, data: dict, name: str, change) -> Path:
    copy = json.loads(json.dumps(data))
    change(copy)
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(copy))
    return path


def test_restore_of_a_bad_backup_writes_nothing(tmp_path):
    good, data = _good_backup(tmp_path)
    bad = {
        "junk": tmp_path / "junk.bak",
        "gzip": tmp_path / "cut.bak",
        "date": _tampered(tmp_path, data, "date", lambda d: d["tables"]["diary_entry"][0].update(entry_date="xx")),
        "fk": _tampered(tmp_path, data, "fk", lambda d: d["tables"]["diary_entry"][0].update(person_id=99)),
        "row": _tampered(tmp_path, data, "row", lambda d: d["tables"].update(person=["not a row"])),
        "schema": _tampered(tmp_path, data, "schema", lambda d: d.update(schema="9999")),  # another version's
    }
    bad["junk"].write_text("garbage")
    bad["gzip"].write_bytes(b"\x1f\x8b\x08\x00garbage")
    for name, path in bad.items():
        target = tmp_path / f"new-{name}.sqlite3"
        refused(cli("restore", str(path), "--db", str(target)), "FILE")
        assert not target.exists(), name  # no empty database left behind
    # an existing database keeps its data when a forced restore fails part-way
    kept = tmp_path / "kept.sqlite3"
    assert cli("restore", str(good), "--db", str(kept)).exit_code == 0
    refused(cli("restore", str(bad["fk"]), "--force", "--db", str(kept)), "FOREIGN KEY")
    listed = cli("diary", "list", "-p", "p1", "--format", "json", "--db", str(kept))
    assert [e["pain"] for e in json.loads(listed.stdout)] == [4]


def test_a_database_url_the_store_cannot_use(tmp_path):
    folder = tmp_path / "folder"
    folder.mkdir()
    other = tmp_path / "notes.txt"
    other.write_text("not a database")
    for url, words in (("mysql://x/y", ["--db", "unsupported database 'mysql'"]),
                       (str(folder), ["--db", "is a folder"]),
                       (str(other), ["--db", "is not a SQLite database file"])):
        refused(cli("diary", "persons", "--db", url), *words)
    assert other.read_text() == "not a database"
    odd = tmp_path / "100%.sqlite3"  # a "%" in the path once broke the migrations' config
    assert cli("diary", "persons", "--db", str(odd)).exit_code == 0
    sqlite3.connect(odd).execute("SELECT count(*) FROM person").fetchone()


def test_serve_refuses_a_database_url_it_cannot_use(tmp_path):
    import os
    import subprocess
    import sys

    # a subprocess: a server that started after all would be stopped by the timeout (and fail the test)
    env = {**os.environ, "TRIGGERMAP_DATABASE_URL": "mysql://x/y"}
    out = subprocess.run([sys.executable, "-m", "triggermap", "serve", "--port", "0"], env=env, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 2
    assert "$TRIGGERMAP_DATABASE_URL: unsupported database 'mysql'" in out.stderr
    assert "Traceback" not in out.stderr


# --------------------------------------------------------------------------- HTTP


@pytest.mark.parametrize("encoding", ["gzip", "br", "deflate, gzip"])
def test_http_refuses_compressed_bodies_naming_the_header(encoding):
    from fastapi.testclient import TestClient

    from triggermap.web.app import create_app

    client = TestClient(create_app())
    body = json.dumps(ARTICLE)
    r = client.post("/api/v1/assess", content=body,
                    headers={"content-type": "application/json", "content-encoding": encoding})
    assert r.status_code == 415
    assert r.json()["field"] == "Content-Encoding"
    ok = client.post("/api/v1/assess", content=body,
                     headers={"content-type": "application/json", "content-encoding": "identity"})
    assert ok.status_code == 200


# --------------------------------------------------------------------------- CHOIR codes, long values


def test_choir_codes_as_text_or_whole_floats_and_nothing_longer(kb):
    from triggermap.engine import IntakeError, parse_intake

    ok = parse_intake({"version": 1, "choir": ["223", 224.0, 225]}, kb)
    assert set(ok.choir) >= {223, 224, 225}
    for bad in ("9" * 5000, "\u0662\u0662\u0663", 223.5, "", True):  # Arabic-Indic digits are not a code
        with pytest.raises(IntakeError) as err:
            parse_intake({"version": 1, "choir": [bad]}, kb)
        assert err.value.field == "choir[0]"
        assert len(err.value.message) < 200  # a bad value is shown cut, not echoed whole


def test_a_long_bad_value_is_not_echoed_whole(kb):
    from triggermap.engine import IntakeError, parse_intake
    from triggermap.vocabulary import SHOWN_CHARS

    with pytest.raises(IntakeError) as err:
        parse_intake({"version": 1, "pain": [{"region": "x" * 100_000}]}, kb)
    assert "(100,000 characters)" in err.value.message
    assert "x" * (SHOWN_CHARS + 1) not in err.value.message


# --------------------------------------------------------------------------- second sweep: options, outputs


def test_an_argument_that_is_not_utf8_is_refused_naming_its_option(capsys):
    from triggermap.cli import main

    for argv, named in ((["diary", "add", "-p", "p1", "--pain", "3", "--note", "\udcff"], "--note"),
                        (["backup", "/tmp/\udcff.json"], "argument 2"),
                        (["account", "enable", "--username=\udcff"], "--username")):
        with pytest.raises(SystemExit) as stop:
            main(argv)
        assert stop.value.code == 2
        assert f"{named}: is not valid UTF-8 text" in capsys.readouterr().err


def _audit_rows(db: Path) -> int:
    return sqlite3.connect(db).execute("SELECT count(*) FROM audit_log").fetchone()[0]


def test_outputs_that_cannot_be_written_are_refused_before_anything_is_recorded(tmp_path):
    db = tmp_path / "d.sqlite3"
    assert cli("diary", "add", "-p", "p1", "--pain", "3", "--db", str(db)).exit_code == 0
    before = _audit_rows(db)
    folder = tmp_path / "dir.png"
    folder.mkdir()
    a_file = tmp_path / "afile"
    a_file.write_text("x")
    fifo = tmp_path / "fifo.json"
    import os

    os.mkfifo(fifo)  # like a device: replacing it with the written file would destroy it
    for target, words in ((folder, ["is a folder"]), (a_file / "x.json", ["afile is a file, not a folder"]),
                          (fifo, ["is not a regular file"])):
        refused(cli("diary", "export", "-p", "p1", "--format", "fhir", "-o", str(target), "--db", str(db)),
                "--output", *words)
        refused(cli("backup", str(target), "--db", str(db)), "FILE", *words)
    refused(cli("diary", "plot", "-p", "p1", "-o", str(folder), "--db", str(db)), "--output", "is a folder")
    assert fifo.is_fifo() and a_file.read_text() == "x"
    assert _audit_rows(db) == before  # no export, plot or backup was recorded


def test_diary_dates_in_the_future_and_control_characters_are_refused(tmp_path):
    import datetime as dt

    db = tmp_path / "d.sqlite3"
    refused(cli("diary", "add", "-p", "p1", "--pain", "3", "--date", "9999-12-31", "--db", str(db)),
            "--date", "in the future")
    refused(cli("diary", "add", "-p", "p1", "--pain", "3", "--note", "\x1b[31mred", "--db", str(db)),
            "--note", "control character")
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()  # a person east of the server
    ok = cli("diary", "add", "-p", "p1", "--pain", "3", "--date", tomorrow, "--note", "two\nlines\tand a tab",
             "--db", str(db))
    assert ok.exit_code == 0, ok.output


def test_passwords_with_control_characters_or_no_terminal(tmp_path):
    db = tmp_path / "d.sqlite3"
    out = cli("account", "add", "-u", "user1", "--role", "clinician", "--password-stdin", "--db", str(db),
              input="abcdefghijk\x00l\n")
    refused(out, "password", "control characters")
    out = cli("account", "add", "-u", "user1", "--role", "clinician", "--db", str(db), input="")
    refused(out, "password", "no terminal", "--password-stdin")  # CliRunner's stdin is not a terminal


@pytest.mark.parametrize(("args", "words"), [
    (["--port", "-1"], ["--port"]),
    (["--port", "70000"], ["--port"]),
    (["--host", "999.1.1.1"], ["--host", "cannot listen on '999.1.1.1'"]),
])
def test_serve_checks_port_and_host_before_starting(args, words):
    refused(cli("serve", *args), *words)


def test_a_yaml_number_too_long_to_print_is_named(tmp_path, capfd):
    from triggermap.fastcli import main

    src = tmp_path / "in.yaml"
    src.write_text(f"version: 1\nage: 0x{'f' * 4000}\npain: [{{region: coccyx}}]\n")
    assert main([str(src)]) == 2
    err = capfd.readouterr().err
    assert "age: must be from 0 to 120, got a number of about" in err and "Traceback" not in err


# --------------------------------------------------------------------------- third sweep: batch, surrogates


def test_a_lone_surrogate_escape_is_refused_and_the_batch_keeps_the_other_lines(tmp_path, capfd):
    from triggermap.fastcli import main

    good = json.dumps({"version": 1, "pain": [{"region": "calf", "side": "left"}]})
    src = tmp_path / "s.jsonl"
    src.write_text("\n".join([good, '{"\\udcff": 1}', '{"version": 1, "pain": [{"region": "calf\\udcff"}]}',
                              '{"version": 1, "pain": [{"region": "calf", "side": "left"}], "note": "\\ud83d\\ude00"}',
                              good]) + "\n")
    assert main(["--batch", str(src), "--workers", "2"]) == 1
    out, err = capfd.readouterr()
    lines = [json.loads(line) for line in out.splitlines()]
    assert len(lines) == 5 and "Traceback" not in err
    assert lines[0]["triage"] and lines[4]["triage"]
    for bad in lines[1:3]:
        assert "lone surrogate" in bad["error"]
    assert lines[3]["error"].startswith("note")  # an emoji's escaped pair is text: refused only as an unknown field


def test_http_refuses_a_lone_surrogate_escape():
    from fastapi.testclient import TestClient

    from triggermap.web.app import create_app

    client = TestClient(create_app())
    for path, body in (("/api/v1/assess", '{"version": 1, "pain": [{"region": "calf\\udcff"}]}'),
                       ("/api/v1/parse", '{"text": "left\\udcffcalf pain"}')):
        r = client.post(path, content=body, headers={"content-type": "application/json"})
        assert r.status_code == 422, (path, r.text)
        assert "lone surrogate" in r.json()["message"]


def test_csv_output_is_utf8_even_when_the_input_is_not(tmp_path, capfd):
    from triggermap.fastcli import main

    src = tmp_path / "in.csv"
    src.write_bytes(b"id,pain\na\xff,calf:left\nb,calf\xff:left\nc,coccyx\n")
    assert main(["--batch", str(src), "--format", "csv", "--workers", "1"]) == 1
    out = capfd.readouterr().out
    assert "\udcff" not in out and "\ufffd" not in out and "\\udcff" in out  # the bad bytes are written escaped
    assert out.splitlines()[3].startswith("4,c,,")


def test_csv_json_cell_up_to_an_intake_size(tmp_path, capfd):
    marks = [{"region": "calf", "side": "left", "intensity": 5}] * 6000  # about 370 KB of JSON
    cell = json.dumps(marks).replace('"', '""')
    rows = _csv_rows(tmp_path, f'id,pain\nbig,"{cell}"\nok,coccyx\n', capfd)
    assert [(r["id"], r["error"]) for r in rows] == [("big", ""), ("ok", "")]


def test_a_parquet_file_damaged_inside_keeps_the_rows_before_it(tmp_path, capfd):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    from triggermap.fastcli import main

    n = 30_000
    path = tmp_path / "d.parquet"
    pq.write_table(pa.table({"id": [f"r{i}" for i in range(n)], "pain": ["calf:left:5"] * n}), path,
                   row_group_size=5_000, compression="none", use_dictionary=False)
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 3000] = b"\xff" * 3000
    path.write_bytes(bytes(data))
    assert main(["--batch", str(path), "--format", "csv", "--workers", "2"]) == 2
    out, err = capfd.readouterr()
    assert "the Parquet file cannot be read after row" in err and "Traceback" not in err
    rows = out.splitlines()[1:]
    assert 0 < len(rows) < n
    assert [r.split(",")[1] for r in rows] == [f"r{i}" for i in range(len(rows))]  # every row before, in order
