"""``triggermap assess --batch``: CSV in and out, errors naming line and field, progress only on a
terminal, and output that is always complete lines (a SIGKILL of the main process included)."""

from __future__ import annotations

import csv
import io
import itertools
import json
import os
import select
import signal
import subprocess
import sys
import time

import pytest

from tmhelpers import ARTICLE, CHOIR_DIR
from triggermap.batch import CSV_COLUMNS


def run(*args, stdin: str | bytes | None = None, **kw):
    data = stdin.encode() if isinstance(stdin, str) else stdin
    return subprocess.run([sys.executable, "-m", "triggermap", *args], input=data, capture_output=True,
                          timeout=300, **kw)


def choir_rows(n: int) -> list[list[int]]:
    with open(CHOIR_DIR / "choir_validation_7068.csv", newline="") as fh:
        return [[int(c) for c in r["bodymap_regions_csv"].split(",")] for r in itertools.islice(csv.DictReader(fh), n)]


CSV_IN = (
    "id,age,sex,pain,choir,red_flags,qualities,aggravating\n"
    'a1,42,female,"buttock-lower-inner:left:6;buttock-upper-inner:left:5;low-back:left:4",,,cramping aching,sitting\n'
    'a2,61,male,,"223,224",,,\n'
    "a3,abc,male,sacrum:4,,,,\n"  # line 4: age is not a number
    "a4,50,,calf:lefty,,,,\n"  # line 5: a side that does not exist
    '"a5, with a comma",30,other,"[{""region"": ""sacrum"", ""intensity"": 4}]",,fever,,\n'
    "a6,30,,sacrum,,,,,extra\n"  # line 7: one cell too many
)
#: the same drawings as intake documents (None where the row is invalid)
SAME = [
    {**ARTICLE, "age": 42, "sex": "female"},
    {"age": 61, "sex": "male", "choir": [223, 224]},
    None,
    None,
    {"age": 30, "sex": "other", "pain": [{"region": "sacrum", "intensity": 4}], "red_flags": ["fever"]},
    None,
]


def test_csv_rows_give_the_documents_of_the_same_intakes_as_json():
    out = run("assess", "--batch", "-", "--input-format", "csv", "--workers", "2", stdin=CSV_IN)
    assert out.returncode == 1, out.stderr  # some rows failed
    rows = [json.loads(x) for x in out.stdout.decode().splitlines()]
    assert len(rows) == len(SAME)
    good = [json.dumps({k: v for k, v in d.items() if k != "version"}) for d in SAME if d is not None]
    want = [json.loads(x) for x in run("assess", "--batch", "-", "--workers", "1", stdin="\n".join(good) + "\n")
            .stdout.decode().splitlines()]
    assert [r for r in rows if "error" not in r] == want
    errors = {r["line"]: r["error"] for r in rows if "error" in r}
    assert set(errors) == {4, 5, 7}  # the line of each bad row (the header is line 1)
    assert errors[4].startswith("age: ") and "'abc'" in errors[4]
    assert errors[5].startswith("pain[0].side: ") and "did you mean 'left'" in errors[5]
    assert errors[7].startswith("(row): has 9 cells")


def test_csv_output_is_one_summary_row_per_drawing_matching_the_documents():
    docs = run("assess", "--batch", "-", "--input-format", "csv", stdin=CSV_IN).stdout.decode().splitlines()
    out = run("assess", "--batch", "-", "--input-format", "csv", "--format", "csv", "--workers", "2", stdin=CSV_IN)
    assert out.returncode == 1
    table = list(csv.DictReader(io.StringIO(out.stdout.decode())))
    assert tuple(table[0]) == CSV_COLUMNS
    assert [r["id"] for r in table] == ["a1", "a2", "a3", "a4", "a5, with a comma", "a6"]
    assert [r["line"] for r in table] == ["2", "3", "4", "5", "6", "7"]
    for row, text in zip(table, docs, strict=True):
        doc = json.loads(text)
        if "error" in doc:
            assert row["error"] == doc["error"] and row["triage_level"] == "" and row["muscles"] == ""
            continue
        assert row["error"] == ""
        assert row["triage_level"] == doc["triage"]["level"]
        assert row["triage_reasons"].split(";") == [r["id"] for r in doc["triage"]["reasons"]]
        muscles = doc["muscles"]
        assert row["muscle_1"] == muscles[0]["id"] and float(row["muscle_1_score"]) == muscles[0]["score"]
        assert row["muscles"] == ";".join(f"{m['id']}:{m['score']}" for m in muscles)
        assert row["conditions"] == ";".join(f"{c['id']}:{c['score']}" for c in doc["conditions"])
        assert row["choir"] == ";".join(str(c) for c in doc["choir"])
        assert row["kb_version"] == doc["kb_version"] and row["model_version"] == doc["model_version"]
    assert table[4]["triage_level"] == "urgent"  # fever


def test_json_lines_in_csv_out():
    lines = [json.dumps({"choir": codes}) for codes in choir_rows(30)]
    lines.insert(7, "{not json")
    out = run("assess", "--batch", "-", "--format", "csv", "--workers", "2", stdin="\n".join(lines) + "\n")
    assert out.returncode == 1
    table = list(csv.DictReader(io.StringIO(out.stdout.decode())))
    assert len(table) == 31
    assert table[7]["line"] == "8" and table[7]["error"].startswith("(document): is not valid JSON")
    assert all(r["triage_level"] for k, r in enumerate(table) if k != 7)


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("id,agee\n1,40\n", "agee"),  # a typo: refused, with the closest column
        ("id,age,age\n1,40,41\n", "age"),  # twice
    ],
)
def test_a_bad_csv_header_is_exit_2_before_any_output(text, field):
    out = run("assess", "--batch", "-", "--input-format", "csv", stdin=text)
    assert out.returncode == 2 and out.stdout == b""
    err = out.stderr.decode()
    assert f"(header) {field}: line 1" in err and "Traceback" not in err
    if field == "agee":
        assert "did you mean 'age'" in err


@pytest.mark.parametrize("workers", ["1", "2"])
def test_csv_multiline_cells_bad_rows_and_blank_lines_keep_line_numbers(workers):
    raw = (
        b"id,pain,qualities\n"
        b'm1,"sacrum:4;\ncoccyx:3",aching\n'  # lines 2-3: a quoted cell over two lines
        b"\n"  # line 4: blank, skipped
        b"m2,sacrum:4,\xff\xfe\n"  # line 5: not UTF-8
        b'm3,"sacrum"x,\n'  # line 6: not CSV (text after a closing quote)
        b"m4,coccyx:2,\n"  # line 7
        b'm5,"never closed\n'  # line 8: the file ends inside a quoted cell
    )
    out = run("assess", "--batch", "-", "--input-format", "csv", "--format", "csv", "--workers", workers, stdin=raw)
    assert out.returncode == 1 and b"Traceback" not in out.stderr, out.stderr
    table = list(csv.DictReader(io.StringIO(out.stdout.decode())))
    assert [r["line"] for r in table] == ["2", "5", "6", "7", "8"]
    assert [r["id"] for r in table] == ["m1", "m2", "", "m4", ""]  # an unreadable row has no id
    assert table[0]["error"] == "" and table[3]["error"] == ""
    assert table[1]["error"] == "qualities: is not UTF-8 text"
    assert table[2]["error"].startswith("(row): is not valid CSV")
    assert table[4]["error"].startswith("(row): is not valid CSV")


def test_parquet_and_text_are_refused_clearly(tmp_path):
    # Parquet without pyarrow (hidden here, as where it is not installed): a clear refusal
    shadow = tmp_path / "no-pyarrow" / "pyarrow"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError('pyarrow is not installed')\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(shadow.parent), os.environ.get("PYTHONPATH", "")]))
    for args in (("--batch", "drawings.parquet"), ("--batch", "-", "--format", "parquet"),
                 ("--batch", "-", "--format", "text"), ("-", "--format", "csv")):
        out = run("assess", *args, stdin="", env=env)
        if "parquet" in " ".join(args):
            assert b"pyarrow" in out.stderr, out.stderr
        assert out.returncode == 2 and out.stdout == b"", args
        assert b"Traceback" not in out.stderr and out.stderr.startswith(b"triggermap: error: "), out.stderr


def test_progress_only_on_a_terminal():
    import pty

    lines = "\n".join(json.dumps({"choir": codes}) for codes in choir_rows(60)) + "\n"
    plain = run("assess", "--batch", "-", "--workers", "2", stdin=lines)
    assert plain.returncode == 0 and plain.stderr == b""  # not a terminal: silent
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "triggermap", "assess", "--batch", "-", "--workers", "2"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=slave)
    os.close(slave)
    got = bytearray()
    import threading

    def read_tty() -> None:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:
                return
            if not data:
                return
            got.extend(data)

    reader = threading.Thread(target=read_tty, daemon=True)
    reader.start()
    stdout, _ = proc.communicate(lines.encode(), timeout=300)
    reader.join(timeout=10)
    os.close(master)
    assert proc.returncode == 0
    assert stdout == plain.stdout  # the progress never mixes with the results
    assert b"drawings" in got and b"assessing" in got


def test_a_closed_reader_stops_the_batch_quietly():
    lines = "\n".join(json.dumps({"choir": codes}) for codes in choir_rows(600)) + "\n"
    proc = subprocess.Popen([sys.executable, "-m", "triggermap", "assess", "--batch", "-", "--workers", "2"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    proc.stdin.write(lines.encode())
    proc.stdin.close()
    first = proc.stdout.readline()
    proc.stdout.close()  # like `| head -1`
    err = proc.stderr.read()
    proc.wait(timeout=300)
    assert json.loads(first)["version"] == 1
    assert proc.returncode == 1 and b"Traceback" not in err


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            return [int(x) for x in fh.read().split()]
    except OSError:
        return []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("workers", ["1", "2"])
def test_sigkill_of_the_main_process_leaves_only_complete_lines(tmp_path, workers):
    lines = [json.dumps({"choir": codes}) for codes in choir_rows(1000)]
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(lines) + "\n")
    full = run("assess", "--batch", str(src), "--workers", workers).stdout
    dest = tmp_path / "out.jsonl"
    with open(dest, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "triggermap", "assess", "--batch", str(src), "--workers", workers],
                                stdout=out, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 240
        while dest.stat().st_size == 0 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.01)
        workers_pids = _children(proc.pid)
        os.kill(proc.pid, signal.SIGKILL)  # in the middle of the run
        proc.wait()
        assert proc.returncode == -signal.SIGKILL
        for pid in workers_pids:  # the workers notice, finish the write in progress and stop
            while time.monotonic() < deadline:
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                with open(f"/proc/{pid}/stat") as fh:
                    if fh.read().split(") ")[1].startswith("Z"):
                        break
                select.select([], [], [], 0.05)
            else:
                pytest.fail(f"worker {pid} still running after the main process was killed")
    got = dest.read_bytes()
    assert got, "nothing was written before the kill"
    assert got.endswith(b"\n"), "the output ends inside a line"
    assert full.startswith(got)  # a prefix of the complete output, in order
    assert len(got) < len(full)


@pytest.mark.parametrize("limit", [1, 999, 4096, 10**9])
def test_write_parts_finishes_short_writes_in_order(monkeypatch, tmp_path, limit):
    """os.writev may write less than asked (a pipe, a signal): every byte still goes out, in order."""
    from triggermap import batch

    real = os.writev

    def short_writev(fd, bufs):
        data = b"".join(bytes(b) for b in bufs)[:limit]
        return real(fd, [data])

    monkeypatch.setattr(os, "writev", short_writev)
    parts = [bytes([65 + k % 26]) * (k * 37 % 5000) for k in range(2500)] + [b"", b"\n"]
    path = tmp_path / "out"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT)
    try:
        batch.write_parts(fd, parts)
    finally:
        os.close(fd)
    assert path.read_bytes() == b"".join(parts)


def test_summary_rows_without_next_questions_are_the_rows_of_the_full_documents(kb):
    """CSV and Parquet rows are made from the language-neutral assessment without next questions
    (they hold none, and no text): each row equals the row of the full document, on CHOIR drawings
    and on the article's intake."""
    from triggermap.batch import Job, assess_record, csv_row, parquet_row
    from triggermap.engine.core import engine_for

    eng = engine_for(kb)
    intakes = [{"version": 1, "choir": codes} for codes in choir_rows(150)] + [ARTICLE]
    for out, row in (("csv", csv_row), ("parquet", parquet_row)):
        job = Job("jsonl", (), out, "en")
        for n, doc in enumerate(intakes, start=1):
            row_id, got, error = assess_record(n, json.dumps(doc).encode(), job, kb)
            assert error is None and got is not None and got.next_questions == ()  # an Assessment, not localised
            full = eng.document(doc, "en")
            assert full["next_questions"] or n < len(intakes)  # the article's intake has questions
            assert row(n, row_id, got, None) == row(n, row_id, full, None)


@pytest.mark.parametrize("n", ["-1", "65", "2000"])
def test_a_worker_count_out_of_range_is_exit_2_before_any_worker_starts(n):
    """Each worker holds the knowledge base: thousands of them would exhaust the machine's memory
    (found by an adversarial run), so the count is bounded, and refused before anything starts."""
    from triggermap.batch import MAX_WORKERS

    t0 = time.monotonic()
    out = run("assess", "--batch", "-", "--workers", n, stdin=json.dumps(ARTICLE) + "\n")
    assert out.returncode == 2 and out.stdout == b""
    err = out.stderr.decode()
    assert "--workers" in err and str(MAX_WORKERS) in err and n in err and "Traceback" not in err
    assert time.monotonic() - t0 < 30
