"""``triggermap assess``: the hot command, kept to the standard library.

Typer, rich and pydantic together cost ~200 ms to import; this path needs none of them,
so one assessment runs end to end in a few tens of milliseconds (see bench/). The typer
app registers the same command for ``--help``; both end here.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from .documents import (
    MAX_DEPTH,
    MAX_INTAKE_BYTES,
    InputError,
    dumps,
    dumps_bytes,
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

def _err(field: str, message: str) -> int:
    sys.stderr.write(f"triggermap: error: {field}: {message}\n")
    return EXIT_INVALID


def assess_one(path: str, fmt: str, lang: str, who: str | None = None) -> int:
    from .assess import IntakeError
    from .assess.engine import engine_for
    from .knowledge import load

    try:
        doc = read_document(path)
        kb = load()
        result = engine_for(kb).assess(doc, lang, who=who)
    except (InputError, IntakeError) as exc:
        return _err(exc.field, exc.message)
    sys.stdout.write(dumps(result) + "\n" if fmt == "json" else report(result, lang, kb.regions))
    return EXIT_OK


def _assess_line(n: int, line: bytes, kb: Any, lang: str, encode: Any, who: str | None = None) -> tuple[bytes, bool]:
    """One batch line -> (its output line, failed). Never raises: a line that cannot be
    assessed becomes an error object so that no other line's result is lost."""
    from .assess import IntakeError
    from .assess.engine import engine_for

    try:
        if len(line) > MAX_INTAKE_BYTES:
            raise InputError("(document)", f"is larger than {MAX_INTAKE_BYTES:,} bytes")
        try:
            doc = loads_json(line)
        except json.JSONDecodeError as exc:
            raise InputError("(document)", f"is not valid JSON: {exc}") from None
        return encode(engine_for(kb).assess(doc, lang, who=who)), False
    except (InputError, IntakeError) as exc:
        return encode({"line": n, "error": f"{exc.field}: {exc.message}"}), True
    except RecursionError:
        return encode({"line": n, "error": "(document): is nested too deeply"}), True
    except Exception as exc:  # noqa: BLE001 - one bad line must not cost the others their results
        sys.stderr.write(f"triggermap: line {n}: internal error: {type(exc).__name__}: {exc}\n")
        return encode({"line": n, "error": f"(internal): could not assess this line ({type(exc).__name__})"}), True


def _batch_chunk(args: tuple[list[tuple[int, bytes]], str, str | None]) -> tuple[bytes, bool]:
    """Assess a chunk of (line number, line); returns the output lines as one block."""
    from .knowledge import load

    chunk, lang, who = args
    kb = load()
    encode = dumps_bytes
    out: list[bytes] = []
    failed = False
    for n, line in chunk:
        block, bad = _assess_line(n, line, kb, lang, encode, who)
        out.append(block)
        failed = failed or bad
    out.append(b"")
    return b"\n".join(out), failed


def _chunks(fh: Any, size: int) -> Any:
    """Non-blank input lines as (line number, line), ``size`` at a time (streamed)."""
    chunk: list[tuple[int, bytes]] = []
    for n, line in enumerate(fh, 1):
        if line.strip():
            chunk.append((n, line))
            if len(chunk) >= size:
                yield chunk
                chunk = []
    if chunk:
        yield chunk


#: Lines per unit of work: big enough to amortise the hand-over, small enough to keep
#: memory flat (a few MB of output per chunk in flight).
CHUNK_LINES = 500


def _write_all(fd: int, data: bytes) -> None:
    """Write a block of complete lines with as few system calls as possible."""
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def assess_batch(path: str, lang: str, workers: int, who: str | None = None) -> int:
    """JSON Lines in, JSON Lines out, in order; a bad line reports and the run goes on.

    Streams: input is read and output written chunk by chunk, so memory stays flat however
    long the input is. With several workers, chunks go to a process pool with a bounded
    number in flight and come back in input order; each chunk's output is written in one
    piece of complete lines.
    """
    try:
        fh = sys.stdin.buffer if path == "-" else open(path, "rb")  # noqa: SIM115
    except OSError as exc:
        return _err("--batch", f"cannot read {path!r}: {exc.strerror or exc}")
    from .knowledge import load

    load()  # compile/warm the cache once, before any worker starts
    sys.stdout.flush()
    fd = sys.stdout.fileno()
    failed = False
    with fh if fh is not sys.stdin.buffer else _nullcontext():
        chunks = _chunks(fh, CHUNK_LINES)
        if workers <= 1:
            for chunk in chunks:
                block, bad = _batch_chunk((chunk, lang, who))
                _write_all(fd, block)
                failed = failed or bad
            return EXIT_FAILED_LINES if failed else EXIT_OK
        import multiprocessing as mp
        from collections import deque

        ctx = mp.get_context("fork") if hasattr(os, "fork") else mp.get_context()
        with ctx.Pool(workers) as pool:
            pending: deque[Any] = deque()
            for chunk in chunks:
                pending.append(pool.apply_async(_batch_chunk, ((chunk, lang, who),)))
                if len(pending) >= 2 * workers:
                    block, bad = pending.popleft().get()
                    _write_all(fd, block)
                    failed = failed or bad
            while pending:
                block, bad = pending.popleft().get()
                _write_all(fd, block)
                failed = failed or bad
    return EXIT_FAILED_LINES if failed else EXIT_OK


class _nullcontext:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # exit 2 without a usage dump on stdout
        sys.stderr.write(f"triggermap assess: error: {message}\n")
        raise SystemExit(EXIT_INVALID)


def main(argv: list[str]) -> int:
    p = _Parser(prog="triggermap assess", description="Assess one intake (JSON or YAML) or a JSON Lines batch.")
    p.add_argument("file", nargs="?", help="intake file, or - for standard input")
    p.add_argument("--batch", metavar="FILE.jsonl", help="one intake per line (- for standard input)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--lang", choices=LANGS, default=DEFAULT_LANG)
    p.add_argument("--workers", type=int, default=0, help="batch worker processes (default: CPU count)")
    p.add_argument("--who", choices=ASKERS, default=None,
                   help="list only the next questions that self (the person) or a clinician can answer")
    a = p.parse_args(argv)
    if a.batch is not None:
        if a.file is not None:
            return _err("FILE", "give either FILE or --batch, not both")
        workers = a.workers or min(os.cpu_count() or 1, 8)
        return assess_batch(a.batch, a.lang, workers, a.who)
    if a.file is None:
        return _err("FILE", "an intake file (or - for standard input) is required")
    return assess_one(a.file, a.format, a.lang, a.who)
