"""``triggermap assess``: the hot command, kept to the standard library.

Typer, rich and pydantic together cost ~200 ms to import; this path needs none of them,
so one assessment runs end to end in a few tens of milliseconds (see bench/). The typer
app registers the same command for ``--help``; both end here.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from .documents import (
    MAX_DEPTH,
    MAX_INTAKE_BYTES,
    InputError,
    dumps,
    dumps_one,
    loads_json,
    parse_document,
    read_document,
)
from .render_text import assessment_text as report
from .vocabulary import ASKERS, DEFAULT_LANG, LANGS

#: the document reader and JSON writer live in :mod:`triggermap.documents` (shared with the
#: charts and the web app); re-exported here for existing callers
__all__ = [
    "MAX_DEPTH", "MAX_INTAKE_BYTES", "InputError", "dumps", "loads_json", "main", "parse_document",
    "read_document", "report",
]

EXIT_OK, EXIT_FAILED_LINES, EXIT_INVALID = 0, 1, 2


def __getattr__(name: str) -> Any:
    if name == "CHUNK_LINES":  # the batch's unit of work (imported only when asked: `assess FILE` needs none of it)
        from .batch import CHUNK_LINES

        return CHUNK_LINES
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _err(field: str, message: str) -> int:
    sys.stderr.write(f"triggermap: error: {field}: {message}\n")
    return EXIT_INVALID


def assess_one(path: str, fmt: str, lang: str, who: str | None = None, lean: bool = False) -> int:
    from .engine import IntakeError
    from .engine.core import engine_for
    from .knowledge import load

    try:
        doc = read_document(path)
        kb = load()
        result = engine_for(kb).document(doc, lang, who=who)
    except (InputError, IntakeError) as exc:
        return _err(exc.field, exc.message)
    if lean:
        from .lean import lean_document

        result = lean_document(result)
    sys.stdout.write(dumps_one(result) + "\n" if fmt == "json" else report(result, lang, kb.regions))
    return EXIT_OK


def assess_batch(path: str, lang: str, workers: int, out: str = "json", in_kind: str | None = None,
                 progress: bool | None = None, who: str | None = None, lean: bool = False) -> int:
    """Many intakes in (JSON Lines or CSV), one result per record out (JSON Lines or CSV), in order;
    a bad record reports and the run goes on. See :mod:`triggermap.batch`."""
    from . import batch

    kind = batch.input_kind(path, in_kind)
    try:
        if out == "parquet" and not batch.have_pyarrow():
            raise batch.need_pyarrow("--format")
        source = batch.open_source(path, kind)
    except InputError as exc:
        return _err(exc.field, exc.message)
    show = sys.stderr.isatty() if progress is None else progress
    bar = batch.Progress(show, source.size, source.position, force=progress is True)
    sys.stdout.flush()
    job = batch.Job(source.kind, source.header, out, lang, who, lean)
    try:
        return batch.run(source, job, workers, sys.stdout.fileno(), bar)
    finally:
        bar.close()
        source.close()


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # exit 2 without a usage dump on stdout
        sys.stderr.write(f"triggermap assess: error: {message}\n")
        raise SystemExit(EXIT_INVALID)


def main(argv: list[str]) -> int:
    p = _Parser(prog="triggermap assess",
                description="Assess one intake (JSON or YAML), or a batch: JSON Lines, CSV or Parquet, one intake per "
                            "line/row.")
    p.add_argument("file", nargs="?", help="intake file, or - for standard input")
    p.add_argument("--batch", metavar="FILE", help="one intake per line (FILE.jsonl) or per row (FILE.csv, FILE.parquet); - for standard input")
    p.add_argument("--format", choices=("text", "json", "csv", "parquet"), default=None,
                   help="one intake: text (default) or json; --batch: json (JSON Lines, default), csv or "
                        "parquet (one summary row per drawing; parquet needs pyarrow)")
    p.add_argument("--input-format", choices=("jsonl", "csv", "parquet"), default=None,
                   help="--batch input (default: from the file name, .csv is CSV, .parquet Parquet, else JSON Lines)")
    p.add_argument("--lang", choices=LANGS, default=DEFAULT_LANG)
    p.add_argument("--workers", type=int, default=0, help="batch worker processes (default: one per CPU, up to a cap; docs/batch.md)")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="--batch progress on standard error (default: when it is a terminal)")
    p.add_argument("--who", choices=ASKERS, default=None,
                   help="list only the next questions that self (the person) or a clinician can answer")
    p.add_argument("--lean", action="store_true",
                   help="write the lean JSON document (the drawing's marks once, each muscle refers to "
                        "them; docs/lean-document.md); implies --format json for one intake")
    a = p.parse_args(argv)
    if a.lean and (a.format or "json") != "json":
        return _err("--lean", f"is for JSON output (--format json), not {a.format}")
    if a.batch is not None:
        if a.file is not None:
            return _err("FILE", "give either FILE or --batch, not both")
        if a.format == "text":
            return _err("--format", "text is for one intake; --batch writes json (JSON Lines) or csv")
        from .batch import DEFAULT_WORKERS, MAX_WORKERS

        if not 0 <= a.workers <= MAX_WORKERS:
            return _err("--workers", f"must be 0 (one per CPU, at most {DEFAULT_WORKERS}) to {MAX_WORKERS}, got {a.workers}")
        workers = a.workers or min(os.cpu_count() or 1, DEFAULT_WORKERS)
        return assess_batch(a.batch, a.lang, workers, a.format or "json", a.input_format, a.progress, a.who,
                            a.lean)
    if a.file is None:
        return _err("FILE", "an intake file (or - for standard input) is required")
    if a.format in ("csv", "parquet") or a.input_format is not None:
        return _err("--format" if a.input_format is None else "--input-format",
                    "csv and parquet are for --batch; one intake is JSON or YAML, shown as text or json")
    return assess_one(a.file, a.format or ("json" if a.lean else "text"), a.lang, a.who, a.lean)
