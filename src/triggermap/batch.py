"""``triggermap assess --batch``: many intakes in, one result per intake out, in input order.

Input is JSON Lines (one intake per line), CSV (a header row of intake field names, one
drawing per row: see :func:`csv_intake`) or Parquet (the same columns: :func:`parquet_intake`;
needs pyarrow, the ``parquet`` extra); output is JSON Lines (the assessment documents, or their
lean form: :mod:`triggermap.lean`), CSV (one summary row per drawing: :data:`CSV_COLUMNS`) or
Parquet (the same rows, typed: :func:`parquet_schema`). A record that cannot be assessed gives
an error (``{"line": N, "error": "field: message"}``, or the ``error`` cell) in its place and the
run goes on; the exit code is 1 at the end if any record failed.

How it runs: the main process reads the input and hands chunks of records round-robin to
worker processes (forked after the knowledge base is loaded, so they share it). Each worker
assesses its chunk and writes the chunk's output itself, in one piece of complete lines,
when its turn comes (a token passed around the ring of workers keeps the input order), so the
output never travels through the main process: with two workers on two cores the main process
stays nearly idle instead of relaying hundreds of megabytes. A worker may compute up to
:data:`LOOKAHEAD` chunks ahead while it waits for its turn, so memory stays bounded by
``workers x LOOKAHEAD`` chunks of output however long the input is.

If the main process is killed (even with SIGKILL), the workers are told (Linux: the parent-death
signal; elsewhere they notice on their next wait), finish the write in progress and stop: the
output is always a run of complete lines. Ctrl-C stops the same way. Progress goes to standard
error (rich) only when it is a terminal.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import signal
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import IO, TYPE_CHECKING, Any, NamedTuple

from .documents import MAX_INTAKE_BYTES, InputError, dumps_bytes, loads_json

if TYPE_CHECKING:
    from .engine.result import Assessment
    from .knowledge import Knowledge

EXIT_OK, EXIT_FAILED_LINES, EXIT_INVALID = 0, 1, 2

#: Records per unit of work: enough to amortise the hand-over (about 0.1 ms a chunk), few enough
#: that a chunk's output stays a few MB (a CHOIR drawing's assessment is about 40 KB).
CHUNK_LINES = 200
#: Chunks a worker may hold computed while it waits for its turn to write.
LOOKAHEAD = 2
#: Most worker processes one batch may start (each holds the knowledge base, about 40 MB: more
#: would only exhaust memory, never speed anything up); the default is one per CPU, at most 8.
MAX_WORKERS = 64
DEFAULT_WORKERS = 8

#: Columns of the CSV output, one row per input record (lists inside a cell are ``;``-separated;
#: a muscle or condition with its score is ``id:score``).
TOP_MUSCLES = 3
CSV_COLUMNS: tuple[str, ...] = (
    "line",
    "id",
    "error",
    "triage_level",
    "triage_reasons",
    *(c for k in range(1, TOP_MUSCLES + 1) for c in (f"muscle_{k}", f"muscle_{k}_score")),
    "muscles",
    "conditions",
    "conditions_likely",
    "uncovered",
    "choir",
    "contract",
    "kb_version",
    "model_version",
)

#: Intake fields whose CSV cell is a list of ids (``,``, ``;`` or spaces between them).
CSV_ID_LISTS = ("qualities", "aggravating", "findings", "red_flags", "history")
#: Intake fields whose CSV cell is a number.
CSV_NUMBERS = ("version", "age", "duration_weeks")
#: A CSV column that is not part of the intake: carried to the output as ``id``.
CSV_ID_COLUMN = "id"
#: Fields of an intake (if the engine does not say): the contract's list.
_FALLBACK_FIELDS = (
    "version", "age", "sex", "duration_weeks", "pain", "choir", "choir_numbering",
    "qualities", "aggravating", "findings", "red_flags", "history",
)

INPUT_FORMATS = ("jsonl", "csv", "parquet")
OUTPUT_FORMATS = ("json", "csv", "parquet")
#: The outputs of one summary row per record (no next questions in them)
ROW_OUTPUTS = ("csv", "parquet")


def intake_fields() -> tuple[str, ...]:
    """Every top-level field the intake parser accepts (the CSV columns allowed beside ``id``)."""
    from .engine import intake

    return tuple(getattr(intake, "FIELDS", _FALLBACK_FIELDS))


# --------------------------------------------------------------------------- reading


class Source:
    """The input: records as ``(line number, payload)``, and what a worker needs to read them."""

    def __init__(self, kind: str, records: Iterator[tuple[int, Any]], header: tuple[str, ...] = (),
                 position: Callable[[], int] | None = None, size: int | None = None,
                 close: Callable[[], None] | None = None):
        self.kind = kind
        self.records = records
        self.header = header
        #: bytes of input consumed so far, and the input's size (for progress; None when unknown)
        self.position = position or _zero
        self.size = size
        self.close = close or _nothing


def _zero() -> int:
    return 0


def _nothing() -> None:
    return None


def input_kind(path: str, given: str | None) -> str:
    if given:
        return given
    low = path.lower()
    if low.endswith(".csv"):
        return "csv"
    if low.endswith((".parquet", ".pq")):
        return "parquet"
    return "jsonl"


#: pyarrow versions that read and write the Parquet output (the ``parquet`` extra)
PYARROW_NEEDED = "pyarrow>=14.0.1,<27"


def have_pyarrow() -> bool:
    try:
        import pyarrow  # noqa: F401
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        return False
    return True


def need_pyarrow(what: str) -> InputError:
    """The refusal when Parquet is asked for but pyarrow is not installed."""
    return InputError(what, f"Parquet needs the pyarrow package ({PYARROW_NEEDED}), which is not installed: "
                            "pip install 'triggermap[parquet]', or use CSV or JSON Lines")


def open_source(path: str, kind: str, binary_stdin: IO[bytes] | None = None) -> Source:
    """Open the input; raises :class:`InputError` (exit 2, nothing written) when it cannot be read
    at all: a missing file, a CSV header with an unknown column, Parquet without pyarrow."""
    if kind == "parquet":
        if not have_pyarrow():
            raise need_pyarrow("--batch")
        return _parquet_source(path, binary_stdin)
    try:
        fh: IO[bytes] = (binary_stdin or sys.stdin.buffer) if path == "-" else open(path, "rb")  # noqa: SIM115
    except OSError as exc:
        raise InputError("--batch", f"cannot read {path!r}: {exc.strerror or exc}") from None
    size: int | None = None
    if path != "-":
        try:
            size = os.fstat(fh.fileno()).st_size
        except OSError:
            size = None
    counter = _Counting(fh)
    close = _nothing if path == "-" else fh.close
    if kind == "csv":
        try:
            source = _csv_source(counter, size)
        except InputError:
            close()
            raise
        source.close = close
        return source
    return Source("jsonl", _jsonl_records(counter), position=counter.position, size=size, close=close)


class _Counting:
    """A binary reader that counts the bytes handed out (progress), line by line."""

    def __init__(self, fh: IO[bytes]):
        self.fh = fh
        self.done = 0

    def position(self) -> int:
        return self.done

    def __iter__(self) -> Iterator[bytes]:
        for line in self.fh:
            self.done += len(line)
            yield line


def _jsonl_records(fh: Iterable[bytes]) -> Iterator[tuple[int, Any]]:
    for n, line in enumerate(fh, 1):
        if line.strip():
            yield n, line


def _csv_source(counter: _Counting, size: int | None) -> Source:
    # a cell may hold a whole field as JSON, up to an intake's size (the csv module's default
    # limit, 128 KiB, would refuse it as "not valid CSV" without naming the column)
    csv.field_size_limit(max(csv.field_size_limit(), MAX_INTAKE_BYTES + 1))
    lines = _Lines(counter)
    reader = csv.reader(lines, strict=True)
    header_row: list[str] | None = None
    try:
        for row in reader:
            if row:
                header_row = row
                break
    except csv.Error as exc:
        raise InputError("(header)", f"line {lines.line}: is not valid CSV: {exc}") from None
    if header_row is None:
        return Source("csv", iter(()), (), counter.position, size)
    header = tuple(h.strip() for h in header_row)
    _check_header(header, lines.line)
    return Source("csv", _csv_records(reader, lines), header, counter.position, size)


#: the most lines one CSV record may span (quoted cells may hold line breaks); a longer one is a
#: stray quote, refused, and the lines after its first are read again (so each line is read at
#: most this many times, whatever the file)
MAX_RECORD_LINES = 200


class _RecordTooLong(Exception):
    pass


class _Lines:
    """UTF-8 text lines for the csv module; a line that is not UTF-8 is kept with its bad bytes
    escaped, so that its record (and only its record) is refused. Keeps the lines of the record
    being read (since :meth:`mark`) so that a broken record can give back the lines it swallowed."""

    def __init__(self, fh: Iterable[bytes]):
        self.it = iter(fh)
        self.first = True
        self.line = 0  # lines handed to the csv reader (the current line number)
        self.taken: list[str] = []
        self.again: list[str] = []  # lines given back, read again first (last one first)

    def __iter__(self) -> _Lines:
        return self

    def mark(self) -> None:
        self.taken.clear()

    def give_back(self, lines: list[str]) -> None:
        self.again.extend(reversed(lines))
        self.line -= len(lines)

    def __next__(self) -> str:
        if len(self.taken) >= MAX_RECORD_LINES:
            raise _RecordTooLong(f"a record spans more than {MAX_RECORD_LINES} lines")
        if self.again:
            text = self.again.pop()
        else:
            raw = next(self.it)
            if self.first:
                self.first = False
                if raw.startswith(b"\xef\xbb\xbf"):
                    raw = raw[3:]
            text = raw.decode("utf-8", "surrogateescape")
        self.line += 1
        self.taken.append(text)
        return text


def _check_header(header: tuple[str, ...], line: int | None) -> None:
    from .vocabulary import did_you_mean, shown

    where = "" if line is None else f"line {line}: "  # Parquet: columns, not lines
    allowed = (CSV_ID_COLUMN, *intake_fields())

    seen: set[str] = set()
    for n, col in enumerate(header, 1):
        # a name is quoted as it is only when it is plain text (no escape sequences to the terminal)
        name = col if col and col.isprintable() and len(col) <= 60 else f"column {n}"
        if col in seen:
            raise InputError(f"(header) {name}", f"{where}column {shown(col)} appears twice")
        seen.add(col)
        if col not in allowed:
            raise InputError(
                f"(header) {name}",
                f"{where}unknown column {shown(col)}{did_you_mean(col, allowed)} "
                f"Allowed: {', '.join(allowed)} (an intake field each, plus {CSV_ID_COLUMN!r} to label the row)",
            )


def _csv_records(reader: Any, lines: _Lines) -> Iterator[tuple[int, Any]]:
    """(first line of the record, its cells); a record the csv module cannot read becomes an
    :class:`InputError` payload for its first line. When a broken record spans several lines (a
    quote opened and never closed swallows the lines after it), those lines are read again as
    records of their own, so one stray quote costs one row, not the rest of the file."""
    while True:
        start = lines.line + 1
        lines.mark()
        try:
            row = next(reader)
        except StopIteration:
            return
        except (csv.Error, _RecordTooLong) as exc:
            swallowed = lines.taken[1:]
            more = f" (a quoted cell runs on from line {start}; the {len(swallowed)} lines after it are read again as rows)"
            yield start, InputError("(row)", f"is not valid CSV: {exc}" + (more if swallowed else ""))
            lines.give_back(swallowed)
            continue
        if row and any(cell.strip() for cell in row):
            yield start, row


def _parquet_source(path: str, binary_stdin: IO[bytes] | None = None) -> Source:
    """A Parquet file: a column per intake field (as for CSV) plus ``id``, one drawing per row,
    read a row group batch at a time. A cell is a native value (a list of codes, a number, a
    list of pain marks as structs or JSON) or a text cell written as in CSV."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        if path == "-":  # Parquet needs to seek (its index is at the end): read standard input whole
            raw = (binary_stdin or sys.stdin.buffer).read()
            pf = pq.ParquetFile(pa.BufferReader(raw))
            size: int | None = len(raw)
        else:
            pf = pq.ParquetFile(path)
            size = os.path.getsize(path)
    except OSError as exc:
        raise InputError("--batch", f"cannot read {path!r}: {getattr(exc, 'strerror', None) or exc}") from None
    except (pa.ArrowException, ValueError) as exc:
        raise InputError("--batch", f"{path!r} is not a readable Parquet file: {exc}") from None
    header = tuple(pf.schema_arrow.names)
    _check_header(header, None)
    done = [0]
    rows_total: int = max(1, int(pf.metadata.num_rows))

    def records() -> Iterator[tuple[int, Any]]:
        n = 0
        batches = pf.iter_batches(batch_size=CHUNK_LINES)
        while True:
            try:
                batch = next(batches, None)
            except (pa.ArrowException, OSError, ValueError) as exc:  # damaged inside: what came before stands
                raise SourceError("--batch", f"the Parquet file cannot be read after row {n}: {exc}") from None
            if batch is None:
                return
            cols = [batch.column(i).to_pylist() for i in range(batch.num_columns)]
            for row in zip(*cols, strict=True):
                n += 1
                done[0] = n
                yield n, list(row)

    def position() -> int:  # progress: the share of rows read, in bytes of the file
        return (size or 0) * done[0] // rows_total

    return Source("parquet", records(), header, position, size)


# --------------------------------------------------------------------------- CSV cells -> intake

_SEPARATORS = str.maketrans({",": " ", ";": " ", "\t": " ", "\n": " ", "\r": " "})


def _split(cell: str) -> list[str]:
    return cell.translate(_SEPARATORS).split()


#: the longest number a CSV cell may hold (far above any age, week count or code; Python refuses
#: to read integers past 4,300 digits, and a number this long is a mistake in any intake field)
MAX_NUMBER_CHARS = 32


def _number(cell: str, field: str = "(cell)") -> Any:
    text = cell.strip()
    if len(text) > MAX_NUMBER_CHARS and text.lstrip("+-").replace(".", "", 1).isdigit():
        raise InputError(field, f"is a number of {len(text):,} characters; at most {MAX_NUMBER_CHARS} are read")
    try:
        return int(text)
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        return text  # the intake parser says what is allowed
    return value if value == value and value not in (float("inf"), float("-inf")) else text


def _pain(cell: str) -> list[dict[str, Any]]:
    """``region[:side][:intensity]`` items, e.g. ``buttock-lower-inner:left:6; coccyx:3``."""
    marks: list[dict[str, Any]] = []
    for item in _split(cell):
        parts = item.split(":")
        mark: dict[str, Any] = {"region": parts[0]}
        rest = parts[1:]
        if len(rest) > 2:
            raise InputError(f"pain[{len(marks)}]", f"{item!r} is not region[:side][:intensity]")
        for part in rest:
            if part == "":
                continue
            number = _number(part, f"pain[{len(marks)}].intensity") if part[0] in "+-.0123456789" else part
            if not isinstance(number, str):  # a number is the intensity (the intake parser checks 0-10)
                if "intensity" in mark:
                    raise InputError(f"pain[{len(marks)}]", f"{item!r} is not region[:side][:intensity]")
                mark["intensity"] = number
            elif "side" in mark or "intensity" in mark:
                raise InputError(f"pain[{len(marks)}]", f"{item!r} is not region[:side][:intensity]")
            else:
                mark["side"] = part
        marks.append(mark)
    return marks


def _escaped(text: str) -> str:
    """``text`` as UTF-8 text: bytes of the input that are not UTF-8 (kept as surrogates when read)
    written escaped (``\\udcff``), so that every output can be written and read back as UTF-8."""
    return text if text.isascii() else text.encode("utf-8", "backslashreplace").decode("utf-8")


def csv_row_id(header: tuple[str, ...], row: list[str]) -> str:
    """The row's ``id`` cell ("" without an id column)."""
    try:
        text = row[header.index(CSV_ID_COLUMN)].strip()
    except (ValueError, IndexError):
        return ""
    return _escaped(text)


def parquet_intake(header: tuple[str, ...], row: list[Any]) -> dict[str, Any]:
    """One Parquet row -> the intake document: a null cell leaves the field out, a text cell is
    read as a CSV cell (:func:`csv_intake`), any other value (numbers, lists, structs) is the
    field's value as it is; the intake parser checks it all."""
    doc: dict[str, Any] = {}
    text_cols: list[str] = []
    text_cells: list[str] = []
    for col, cell in zip(header, row, strict=True):
        if col == CSV_ID_COLUMN or cell is None:
            continue
        if isinstance(cell, str):
            text_cols.append(col)
            text_cells.append(cell)
        elif col == "pain" and isinstance(cell, list):  # structs: drop the fields a row left null
            doc[col] = [{k: v for k, v in m.items() if v is not None} if isinstance(m, dict) else m for m in cell]
        else:
            doc[col] = cell
    if text_cols:
        doc.update(csv_intake(tuple(text_cols), text_cells))
    return doc


def parquet_row_id(header: tuple[str, ...], row: list[Any]) -> str:
    try:
        value = row[header.index(CSV_ID_COLUMN)]
    except (ValueError, IndexError):
        return ""
    return "" if value is None else str(value)


def csv_intake(header: tuple[str, ...], row: list[str]) -> dict[str, Any]:
    """One CSV row -> the intake document. Raises :class:`InputError` naming the column.

    A cell holding JSON (it starts with ``[`` or ``{``) is read as JSON, so any field can be given
    in full; otherwise ``pain`` is ``region[:side][:intensity]`` items, ``choir`` and the id lists
    (qualities, aggravating, findings, red_flags, history) are items separated by commas,
    semicolons or spaces, ``version``/``age``/``duration_weeks`` are numbers, and an empty cell
    leaves the field out."""
    if len(row) > len(header):
        raise InputError("(row)", f"has {len(row)} cells but the header has {len(header)} columns")
    doc: dict[str, Any] = {}
    for col, cell in zip(header, row, strict=False):
        if not cell.isascii():
            try:
                cell.encode("utf-8")
            except UnicodeEncodeError:
                raise InputError(col, "is not UTF-8 text") from None
        text = cell.strip()
        if col == CSV_ID_COLUMN or not text:
            continue
        if text[0] in "[{":
            if len(text) > MAX_INTAKE_BYTES:
                raise InputError(col, f"is larger than {MAX_INTAKE_BYTES:,} bytes")
            try:
                doc[col] = loads_json(text)
            except json.JSONDecodeError as exc:
                raise InputError(col, f"starts like JSON but is not valid JSON: {exc.msg} (column {exc.colno})") from None
            except InputError as exc:
                raise InputError(col, exc.message) from None
        elif col == "pain":
            doc[col] = _pain(text)
        elif col == "choir":
            doc[col] = [_number(c, f"{col}[{i}]") if c.isdigit() else c for i, c in enumerate(_split(text))]
        elif col in CSV_ID_LISTS:
            doc[col] = _split(text)
        elif col in CSV_NUMBERS:
            doc[col] = _number(text, col)
        else:
            doc[col] = text
    return doc


# --------------------------------------------------------------------------- assessing a chunk


class Job:
    """What every worker needs: how to read a record, how to write a result."""

    def __init__(self, kind: str, header: tuple[str, ...], out: str, lang: str, who: str | None = None,
                 lean: bool = False):
        self.kind = kind
        self.header = header
        self.out = out
        self.lang = lang
        self.who = who  # next questions only for this asker (self or clinician); None: all
        self.lean = lean  # JSON Lines: the lean documents (triggermap.lean)


def _error_text(exc: BaseException) -> str:
    field = getattr(exc, "field", "(document)")
    text = f"{field}: {getattr(exc, 'message', str(exc))}"
    return _escaped(text)  # a message may quote the record


def assess_record(n: int, payload: Any, job: Job, kb: Knowledge) -> tuple[str, Any, str | None]:
    """One record -> (its id, its result or None, the error text or None): the contract document
    for JSON output, the language-neutral Assessment for summary rows (:data:`ROW_OUTPUTS`). Never
    raises: a record that cannot be assessed gets an error so that no other record's result is lost."""
    from .engine import IntakeError
    from .engine.core import engine_for

    row_id = ""
    try:
        if isinstance(payload, InputError):
            raise payload
        if job.kind == "csv":
            row_id = csv_row_id(job.header, payload)
            doc = csv_intake(job.header, payload)
        elif job.kind == "parquet":
            row_id = parquet_row_id(job.header, payload)
            doc = parquet_intake(job.header, payload)
        else:
            if len(payload) > MAX_INTAKE_BYTES:
                raise InputError("(document)", f"is larger than {MAX_INTAKE_BYTES:,} bytes")
            try:
                doc = loads_json(payload)
            except json.JSONDecodeError as exc:
                raise InputError("(document)", f"is not valid JSON: {exc}") from None
        if job.out in ROW_OUTPUTS:
            # a CSV or Parquet row holds ids and scores only: no next questions, explanations or plan
            # are computed (Engine.summary) and nothing is localised; see _summary
            return row_id, engine_for(kb).summary(doc, who=job.who), None
        return row_id, engine_for(kb).document(doc, job.lang, who=job.who), None
    except (InputError, IntakeError) as exc:
        return row_id, None, _error_text(exc)
    except RecursionError:
        return row_id, None, "(document): is nested too deeply"
    except Exception as exc:  # noqa: BLE001 - one bad record must not cost the others their results
        sys.stderr.write(f"triggermap: line {n}: internal error: {type(exc).__name__}: {exc}\n")
        return row_id, None, f"(internal): could not assess this line ({type(exc).__name__})"


class _Summary(NamedTuple):
    """What a summary row holds of one result: ids and scores, no text (no language)."""

    level: str
    reasons: list[str]
    muscles: list[tuple[str, float]]
    conditions: list[tuple[str, float, bool]]
    uncovered: list[str]
    choir: list[int]
    contract: str
    kb_version: str
    model_version: str


def _summary(result: Assessment | dict[str, Any]) -> _Summary:
    """The summary of a language-neutral :class:`~triggermap.engine.result.Assessment` (what
    the batch's workers compute for CSV and Parquet rows: no localising, no next questions) or of
    a contract document (the same values: the rows of either are equal, tested)."""
    if isinstance(result, dict):
        return _Summary(
            result["triage"]["level"], [r["id"] for r in result["triage"]["reasons"]],
            [(m["id"], m["score"]) for m in result["muscles"]],
            [(c["id"], c["score"], bool(c.get("likely"))) for c in result["conditions"]],
            [u["region"] + (f":{u['side']}" if u.get("side") else "") for u in result["uncovered"]],
            list(result["choir"]), result.get("contract", ""), result.get("kb_version", ""),
            result.get("model_version", ""),
        )
    return _Summary(
        result.level, [r.id for r in result.reasons], [(m.id, m.score) for m in result.muscles],
        [(c.id, c.score, bool(c.likely)) for c in result.conditions],
        [u["region"] + (f":{u['side']}" if u.get("side") else "") for u in result.uncovered],
        list(result.choir), result.contract, result.kb_version, result.model_version,
    )


def csv_row(n: int, row_id: str, doc: Assessment | dict[str, Any] | None, error: str | None) -> list[Any]:
    """The CSV output row of one record (:data:`CSV_COLUMNS`) from its assessment or document."""
    if doc is None:
        return [n, row_id, error, *([""] * (len(CSV_COLUMNS) - 3))]
    s = _summary(doc)
    top: list[Any] = []
    for k in range(TOP_MUSCLES):
        top += list(s.muscles[k]) if k < len(s.muscles) else ["", ""]
    return [
        n,
        row_id,
        "",
        s.level,
        ";".join(s.reasons),
        *top,
        ";".join(f"{i}:{score}" for i, score in s.muscles),
        ";".join(f"{i}:{score}" for i, score, _ in s.conditions),
        ";".join(i for i, _, likely in s.conditions if likely),
        ";".join(s.uncovered),
        ";".join(map(str, s.choir)),
        s.contract,
        s.kb_version,
        s.model_version,
    ]


def parquet_row(n: int, row_id: str, doc: Assessment | dict[str, Any] | None, error: str | None) -> dict[str, Any]:
    """The Parquet output row of one record: :data:`CSV_COLUMNS` with native types (lists of
    ids, ``{id, score}`` structs, integer CHOIR codes; null where a record failed)."""
    row: dict[str, Any] = dict.fromkeys(CSV_COLUMNS)
    row.update(line=n, id=row_id, error=error)
    if doc is None:
        return row
    s = _summary(doc)
    for k in range(min(TOP_MUSCLES, len(s.muscles))):
        row[f"muscle_{k + 1}"] = s.muscles[k][0]
        row[f"muscle_{k + 1}_score"] = float(s.muscles[k][1])
    row.update(
        triage_level=s.level,
        triage_reasons=s.reasons,
        muscles=[{"id": i, "score": float(score)} for i, score in s.muscles],
        conditions=[{"id": i, "score": float(score)} for i, score, _ in s.conditions],
        conditions_likely=[i for i, _, likely in s.conditions if likely],
        uncovered=s.uncovered,
        choir=s.choir,
        contract=s.contract or None,
        kb_version=s.kb_version or None,
        model_version=s.model_version or None,
    )
    return row


def parquet_schema() -> Any:
    """The Arrow schema of the Parquet output (the CSV output's columns, typed)."""
    import pyarrow as pa

    scored = pa.list_(pa.struct([("id", pa.string()), ("score", pa.float64())]))
    types: dict[str, Any] = {
        "line": pa.int64(), "triage_reasons": pa.list_(pa.string()), "muscles": scored, "conditions": scored,
        "conditions_likely": pa.list_(pa.string()), "uncovered": pa.list_(pa.string()),
        "choir": pa.list_(pa.int32()),
        **{f"muscle_{k}_score": pa.float64() for k in range(1, TOP_MUSCLES + 1)},
    }
    return pa.schema([(c, types.get(c, pa.string())) for c in CSV_COLUMNS])


#: Rows per Parquet row group (and per conversion step: bounds the memory of the conversion).
PARQUET_ROW_GROUP = 20_000


def write_parquet(rows_fd: int, fd: int) -> None:
    """The rows the workers wrote (JSON Lines of :func:`parquet_row`, in order) -> Parquet on ``fd``,
    a row group at a time."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = parquet_schema()
    os.lseek(rows_fd, 0, os.SEEK_SET)
    with os.fdopen(os.dup(rows_fd), "rb") as rows_in, os.fdopen(os.dup(fd), "wb", closefd=True) as out:
        sink = pa.PythonFile(out, mode="w")
        with pq.ParquetWriter(sink, schema) as writer:
            batch: list[dict[str, Any]] = []
            for line in rows_in:
                batch.append(json.loads(line))
                if len(batch) >= PARQUET_ROW_GROUP:
                    writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                    batch = []
            if batch:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
        out.flush()


def csv_header_bytes() -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(CSV_COLUMNS)
    return buf.getvalue().encode()


def assess_chunk(chunk: list[tuple[int, Any]], job: Job) -> tuple[list[bytes], bool]:
    """A chunk of (line number, record) -> (its output lines as pieces to write in order, ending
    with a newline; any failed). Pieces rather than one joined block: see :func:`write_parts`."""
    from .knowledge import load

    kb = load()
    failed = False
    if job.out == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        for n, payload in chunk:
            row_id, doc, error = assess_record(n, payload, job, kb)
            failed = failed or error is not None
            writer.writerow(csv_row(n, row_id, doc, error))
        return [buf.getvalue().encode("utf-8", "surrogateescape")], failed
    if job.out == "parquet":
        rows: list[bytes] = []
        for n, payload in chunk:
            row_id, doc, error = assess_record(n, payload, job, kb)
            failed = failed or error is not None
            rows.append(json.dumps(parquet_row(n, row_id, doc, error), ensure_ascii=False).encode(
                "utf-8", "surrogateescape") + b"\n")
        return rows, failed
    parts: list[bytes] = []
    lean: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    if job.lean:
        from .lean import lean_document

        lean = lean_document
    for n, payload in chunk:
        _row_id, doc, error = assess_record(n, payload, job, kb)
        if error is None:
            try:
                parts.append(dumps_bytes(doc if lean is None else lean(doc)))
                parts.append(b"\n")
                continue
            except (TypeError, ValueError) as exc:  # never expected; one record must not cost the others
                error = f"(internal): could not write this line's result ({type(exc).__name__})"
        failed = True
        parts.append(dumps_bytes({"line": n, "error": error}))
        parts.append(b"\n")
    return parts, failed


def chunks(records: Iterable[tuple[int, Any]], size: int = CHUNK_LINES) -> Iterator[list[tuple[int, Any]]]:
    chunk: list[tuple[int, Any]] = []
    for rec in records:
        chunk.append(rec)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def write_all(fd: int, data: bytes | memoryview) -> None:
    """Write all of ``data`` (a signal arriving meanwhile never leaves half a line)."""
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def _iov_max() -> int:
    """Pieces per writev call (POSIX guarantees at least 16; Linux takes 1,024); 0 without writev."""
    if not hasattr(os, "writev"):
        return 0
    try:
        return max(16, min(os.sysconf("SC_IOV_MAX"), 1024))
    except (ValueError, OSError, AttributeError):
        return 16


_IOV_MAX = _iov_max()


#: Bytes per write call, about (a call takes whole pieces until it has this much). Measured on
#: the 7,068 CHOIR drawings into a file: a chunk's output (about 9 MB) in one writev cost about
#: 0.6 s of kernel time over the run, in calls of about 1 MB 0.11 s (256 KB: the same).
WRITE_BYTES = 1 << 20


def write_parts(fd: int, parts: list[bytes]) -> None:
    """Write ``parts`` in order, completely, in few system calls: gathered (writev) straight from
    the documents' own buffers, so that no joined copy of a chunk's output (megabytes for large
    drawings) is built, faulted in and freed again; about :data:`WRITE_BYTES` a call."""
    if _IOV_MAX < 2:
        write_all(fd, b"".join(parts))
        return
    i, count = 0, len(parts)
    while i < count:
        j, size = i + 1, len(parts[i])
        while j < count and j - i < _IOV_MAX and size < WRITE_BYTES:
            size += len(parts[j])
            j += 1
        batch = parts[i:j]
        n = os.writev(fd, batch)
        for piece in batch:  # a short write (a pipe, a signal): finish the piece it stopped in
            if n >= len(piece):
                n -= len(piece)
                i += 1
                continue
            write_all(fd, memoryview(piece)[n:])
            i += 1
            break


# --------------------------------------------------------------------------- progress


class Progress:
    """Records done, on standard error, with rich; does nothing unless enabled (a terminal)."""

    def __init__(self, enabled: bool, size: int | None, position: Callable[[], int], force: bool = False):
        self.enabled = enabled
        self.size = size
        self.position = position
        self.done = 0
        self.started = time.perf_counter()
        self._bar: Any = None
        self._task: Any = None
        if enabled:
            from rich.console import Console
            from rich.progress import BarColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn
            from rich.progress import Progress as Bar

            columns: list[Any] = [TextColumn("[bold]assessing"), BarColumn(),
                                  TextColumn("{task.fields[done]:,} drawings, {task.fields[rate]:,.0f}/s")]
            if size:
                columns += [TimeElapsedColumn(), TimeRemainingColumn()]
            else:
                columns += [TimeElapsedColumn()]
            console = Console(file=sys.stderr, force_terminal=True if force else None)
            self._bar = Bar(*columns, console=console, transient=True, refresh_per_second=4)
            self._bar.start()
            self._task = self._bar.add_task("assess", total=size or None, done=0, rate=0.0)

    def advance(self, records: int, position: int | None = None) -> None:
        """``records`` more are done; the input had been read up to ``position`` bytes for them."""
        self.done += records
        if self._bar is not None:
            rate = self.done / max(time.perf_counter() - self.started, 1e-9)
            at = self.position() if position is None else position
            self._bar.update(self._task, completed=at if self.size else None, done=self.done, rate=rate)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


# --------------------------------------------------------------------------- running


def run(source: Source, job: Job, workers: int, fd: int, progress: Progress) -> int:
    """Assess every record of ``source`` and write the results to ``fd``; the exit code."""
    if job.out == "parquet":  # the workers write rows to a temporary file; it becomes Parquet at the end
        import tempfile

        with tempfile.TemporaryFile() as rows:
            code = _run(source, job, workers, rows.fileno(), progress)
            if code in (EXIT_OK, EXIT_FAILED_LINES, EXIT_INVALID):  # 2: the input was damaged inside
                write_parquet(rows.fileno(), fd)
        return code
    return _run(source, job, workers, fd, progress)


def _run(source: Source, job: Job, workers: int, fd: int, progress: Progress) -> int:
    if job.out == "csv":
        write_all(fd, csv_header_bytes())
    if workers >= 1 and hasattr(os, "fork"):
        return _Pool(job, workers, fd, progress, source.position).run(chunks(source.records))
    failed = False
    try:
        for chunk in chunks(source.records):
            parts, bad = assess_chunk(chunk, job)
            write_parts(fd, parts)
            failed = failed or bad
            progress.advance(len(chunk))
    except SourceError as exc:
        sys.stderr.write(f"triggermap: error: {exc.field}: {exc.message}\n")
        return EXIT_INVALID
    return EXIT_FAILED_LINES if failed else EXIT_OK


class _Stop(Exception):
    pass


class SourceError(InputError):
    """The input cannot be read past some record (a Parquet file damaged inside): the run stops,
    with every result before it written, and exits 2."""


def _libc() -> Any:
    """Linux: the C library (ctypes), or None."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True)
    except (OSError, ImportError):  # pragma: no cover - no libc
        return None


def _set_parent_death_signal(libc: Any, sig: int) -> None:
    """Linux: deliver ``sig`` to this process when its parent dies (prctl PR_SET_PDEATHSIG)."""
    with contextlib.suppress(AttributeError):  # no prctl: the worker falls back to polling getppid
        libc.prctl(1, sig, 0, 0, 0)  # PR_SET_PDEATHSIG = 1


#: Freed memory a worker keeps for the next chunk instead of giving it back to the kernel
#: (glibc's M_TRIM_THRESHOLD), and the allocation size below which it comes from that kept
#: memory (M_MMAP_THRESHOLD). By default glibc returns the top of its heap as soon as 128 KB of
#: it is free, and a chunk's output (a few MB of documents, written and then freed at once) is
#: exactly that, so every chunk faulted all its pages in again: measured on the 7,068 CHOIR
#: drawings, 74,000 page faults and about 0.3 s of kernel time (5% of the run), down to 3,600
#: and 0.02 s. Memory stays bounded: the heap never grows past what the chunks in hand need.
KEEP_FREED_BYTES = 64 << 20
HEAP_UP_TO_BYTES = 4 << 20


def _keep_freed_memory(libc: Any) -> None:
    with contextlib.suppress(AttributeError):  # not glibc: its allocator, its defaults
        libc.mallopt(-1, KEEP_FREED_BYTES)  # M_TRIM_THRESHOLD
        libc.mallopt(-3, HEAP_UP_TO_BYTES)  # M_MMAP_THRESHOLD


class _Dead(Exception):
    def __init__(self, code: int):
        self.code = code


class _Pool:
    """Forked workers that write their own output, in order (see the module's docstring)."""

    POLL = 0.5  # seconds between checks that the other side is still there

    def __init__(self, job: Job, workers: int, fd: int, progress: Progress, position: Callable[[], int]):
        import multiprocessing as mp

        self.job = job
        self.n = workers
        self.fd = fd
        self.progress = progress
        self.position = position
        self.ctx = mp.get_context("fork")
        self.tasks = [self.ctx.Queue(maxsize=LOOKAHEAD + 1) for _ in range(workers)]
        self.tokens = [self.ctx.Semaphore(0) for _ in range(workers)]
        self.results = self.ctx.Queue()
        self.procs: list[Any] = []
        self.sent = self.written = self.last_line = 0
        self.failed = self.broken = False
        self.ends: dict[int, int] = {}  # chunk -> input bytes read when it was sent (progress)
        self.libc: Any = None

    # ---- main process

    def run(self, work: Iterator[list[tuple[int, Any]]]) -> int:
        from .engine import engine_for
        from .knowledge import load

        # the knowledge base and the engine's index, built once and shared by the workers. (Not
        # gc.freeze(): measured, it made the workers spend more time in the kernel, not less.)
        engine_for(load())
        # and what each worker would otherwise import for itself after the fork
        self.libc = _libc()
        dumps_bytes(None)  # loads orjson
        if self.job.lean:
            from . import lean  # noqa: F401
        sys.stdout.flush()
        sys.stderr.flush()
        parent = os.getpid()
        for i in range(self.n):
            p = self.ctx.Process(target=self._worker, args=(i, parent), daemon=True)
            p.start()
            self.procs.append(p)
        self.tokens[0].release()
        stop_reason = ""
        source_error = ""
        old_term = signal.getsignal(signal.SIGTERM)
        signal.signal(signal.SIGTERM, _raise_stop)
        try:
            try:
                for chunk in work:
                    self.ends[self.sent] = self.position()
                    self._put(self.sent % self.n, (self.sent, chunk))
                    self.sent += 1
                    self._drain(block=False)
                    if self.broken:
                        break
            except SourceError as exc:  # the input ends here: what was read is still assessed and written
                source_error = f"{exc.field}: {exc.message}"
            if not self.broken:
                for q in range(self.n):
                    self._put(q, None)
            while self.written < self.sent and not self.broken:
                self._drain(block=True)
        except (KeyboardInterrupt, _Stop):
            stop_reason = "interrupted"
        except _Dead as dead:
            how = f"signal {-dead.code}" if dead.code < 0 else f"exit code {dead.code}"
            stop_reason = f"error: a batch worker stopped ({how})"
        finally:
            signal.signal(signal.SIGTERM, old_term)
            self._finish(stop=bool(stop_reason) or self.broken)
            self.progress.close()
        if stop_reason:
            sys.stderr.write(f"triggermap: {stop_reason}; the output ends after line {self.last_line}\n")
            return 130 if stop_reason == "interrupted" else EXIT_FAILED_LINES
        if source_error:
            sys.stderr.write(f"triggermap: error: {source_error}\n")
            return EXIT_INVALID
        return EXIT_FAILED_LINES if (self.failed or self.broken) else EXIT_OK

    def _put(self, q: int, item: Any) -> None:
        import queue

        while not self.broken:
            try:
                self.tasks[q].put(item, timeout=self.POLL)
                return
            except queue.Full:
                self._drain(block=False)
                self._check_alive()

    def _drain(self, block: bool) -> None:
        import queue

        while True:
            try:
                msg = self.results.get(timeout=self.POLL) if block else self.results.get_nowait()
            except queue.Empty:
                if block:
                    self._check_alive()
                return
            block = False
            if msg[0] == "broken":  # the reader went away (e.g. `| head`): stop quietly
                self.broken = True
                return
            _kind, seq, records, bad, last = msg
            self.written += 1
            self.failed = self.failed or bad
            self.last_line = max(self.last_line, last)
            self.progress.advance(records, self.ends.pop(seq, 0))

    def _check_alive(self) -> None:
        for p in self.procs:
            if p.exitcode is not None and p.exitcode != 0:
                raise _Dead(p.exitcode)

    def _finish(self, stop: bool) -> None:
        for p in self.procs:
            if stop and p.is_alive() and p.pid is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(p.pid, signal.SIGTERM)  # finish the write in progress, then stop
        for p in self.procs:
            p.join(timeout=60)
            if p.is_alive():
                p.kill()
                p.join()
        for q in (*self.tasks, self.results):
            q.close()
            q.cancel_join_thread()
        self.procs = []

    # ---- worker process

    def _worker(self, i: int, parent: int) -> None:
        import queue

        stop = [False]

        def on_term(*_: Any) -> None:
            stop[0] = True  # looked at between writes: never cuts one short

        signal.signal(signal.SIGTERM, on_term)
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the main process, which stops us
        if self.libc is not None:
            _set_parent_death_signal(self.libc, signal.SIGTERM)
            _keep_freed_memory(self.libc)
        tasks, token, after = self.tasks[i], self.tokens[i], self.tokens[(i + 1) % self.n]
        pending: deque[tuple[int, list[bytes], bool, int, int]] = deque()
        done = False

        def gone() -> bool:
            return stop[0] or os.getppid() != parent

        def compute(item: tuple[int, list[tuple[int, Any]]]) -> None:
            seq, chunk = item
            parts, bad = assess_chunk(chunk, self.job)
            pending.append((seq, parts, bad, len(chunk), chunk[-1][0]))

        def write() -> None:
            seq, parts, bad, records, last = pending.popleft()
            try:
                write_parts(self.fd, parts)
            except BrokenPipeError:
                self.results.put(("broken",))
                _exit_worker(self.results, 0)
            after.release()  # the next chunk's worker may write now
            self.results.put(("done", seq, records, bad, last))

        while True:
            if gone():
                _exit_worker(self.results, 1)
            if pending:
                if token.acquire(block=False):
                    write()
                    continue
                if not done and len(pending) < LOOKAHEAD:  # not our turn yet: compute ahead
                    try:
                        item = tasks.get_nowait()
                    except queue.Empty:
                        item = _EMPTY
                    if item is None:
                        done = True
                        continue
                    if item is not _EMPTY:
                        compute(item)
                        continue
                while not token.acquire(timeout=self.POLL):
                    if gone():
                        _exit_worker(self.results, 1)
                if gone():
                    _exit_worker(self.results, 1)
                write()
                continue
            if done:
                _exit_worker(self.results, 0)
            try:
                item = tasks.get(timeout=self.POLL)
            except queue.Empty:
                continue
            if item is None:
                done = True
            else:
                compute(item)


def _exit_worker(results: Any, code: int) -> None:
    results.close()
    results.join_thread()  # every message sent has reached the main process
    os._exit(code)


def _raise_stop(*_: Any) -> None:
    raise _Stop


_EMPTY = object()
