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
from typing import IO, Any

from .assess.messages import SIDES
from .vocabulary import DEFAULT_LANG, LANGS

#: A single intake is a few hundred bytes; anything this big is not an intake.
MAX_INTAKE_BYTES = 1_000_000

EXIT_OK, EXIT_FAILED_LINES, EXIT_INVALID = 0, 1, 2

_HEAD: dict[str, dict[str, Any]] = {
    "en": {
        "triage": "Triage",
        "muscles": "Muscles whose trigger points may refer this pain",
        "explains": "explains",
        "unexplained": "leaves unexplained",
        "confirm": "How a clinician would confirm it",
        "uncovered": "Painful regions no muscle in the knowledge base explains",
        "conditions": "Conditions to rule out",
        "plan": "Self-care plan",
        "withheld": "Left out of the plan because of your answers",
        "references": "References",
        "none": "none",
        "levels": {
            "emergency": "EMERGENCY: go to an emergency department now",
            "urgent": "URGENT: see a doctor within a day or two",
            "see-clinician": "SEE A CLINICIAN: book a professional assessment",
            "self-care": "SELF-CARE: no warning sign found",
        },
    },
    "es": {
        "triage": "Triaje",
        "muscles": "Músculos cuyos puntos gatillo pueden referir este dolor",
        "explains": "explica",
        "unexplained": "no explica",
        "confirm": "Cómo lo confirmaría un profesional",
        "uncovered": "Zonas dolorosas que ningún músculo de la base de conocimiento explica",
        "conditions": "Afecciones que conviene descartar",
        "plan": "Plan de autocuidado",
        "withheld": "Excluido del plan por sus respuestas",
        "references": "Referencias",
        "none": "ninguno",
        "levels": {
            "emergency": "URGENCIA VITAL: acuda ahora a un servicio de urgencias",
            "urgent": "URGENTE: consulte a un médico en uno o dos días",
            "see-clinician": "CONSULTE A UN PROFESIONAL: pida una valoración",
            "self-care": "AUTOCUIDADO: no se encontró ningún signo de alarma",
        },
    },
}


_ZONE = {"en": {"essential": "essential", "spillover": "spillover"}, "es": {"essential": "esencial", "spillover": "extensión"}}


class InputError(Exception):
    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


def read_document(path: str, stdin: IO[bytes] | None = None) -> Any:
    """Read one JSON or YAML intake (``-`` for standard input), size-limited."""
    try:
        if path == "-":
            raw = (stdin or sys.stdin.buffer).read(MAX_INTAKE_BYTES + 1)
        else:
            with open(path, "rb") as fh:
                raw = fh.read(MAX_INTAKE_BYTES + 1)
    except OSError as exc:
        raise InputError("FILE", f"cannot read {path!r}: {exc.strerror or exc}") from None
    if len(raw) > MAX_INTAKE_BYTES:
        raise InputError("(document)", f"is larger than {MAX_INTAKE_BYTES:,} bytes; an intake is a small document")
    return parse_document(raw, yaml_first=path.endswith((".yaml", ".yml")))


def parse_document(raw: bytes, yaml_first: bool = False) -> Any:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError("(document)", f"is not UTF-8 text (byte {exc.start})") from None
    if not yaml_first:
        try:
            return loads_json(text)
        except json.JSONDecodeError as exc:
            json_error = f"line {exc.lineno} column {exc.colno}: {exc.msg}"
            if text.lstrip()[:1] in ("{", "["):
                raise InputError("(document)", f"is not valid JSON: {json_error}") from None
    else:
        json_error = ""
    return _parse_yaml(text, json_error)


#: Deepest nesting accepted in a document (an intake is three levels deep).
MAX_DEPTH = 32


def _depth_ok(raw: str | bytes) -> bool:
    """True when brackets nest at most MAX_DEPTH deep (checked before parsing, so a hostile
    document cannot reach the parser's recursion limit). Brackets inside strings count too,
    which can only make the check stricter for odd texts, never let a deep one through."""
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    depth = 0
    for ch in text:
        if ch in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return False
        elif ch in "]}":
            depth -= 1
    return True


def loads_json(text: str | bytes) -> Any:
    """``json.loads`` that turns hostile input into a clear InputError instead of a traceback:
    nesting deeper than MAX_DEPTH, numbers longer than Python accepts, invalid UTF-8."""
    if not _depth_ok(text):
        raise InputError("(document)", f"is nested more than {MAX_DEPTH} levels deep; an intake is a flat document")
    try:
        return json.loads(text)
    except UnicodeDecodeError as exc:
        raise InputError("(document)", f"is not UTF-8 text (byte {exc.start})") from None
    except ValueError as exc:
        if isinstance(exc, json.JSONDecodeError):
            raise
        raise InputError("(document)", f"holds a number that is too long ({exc})") from None
    except RecursionError:
        raise InputError("(document)", "is nested too deeply") from None


def _parse_yaml(text: str, json_error: str) -> Any:
    import yaml

    class NoAliasLoader(yaml.SafeLoader):
        """Safe loader that refuses anchors/aliases (no entity-expansion bombs)."""

        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(yaml.AliasEvent):
                raise yaml.YAMLError("YAML aliases are not allowed in an intake")
            return super().compose_node(parent, index)

    if not _depth_ok(text):
        raise InputError("(document)", f"is nested more than {MAX_DEPTH} levels deep; an intake is a flat document")
    try:
        return yaml.load(text, Loader=NoAliasLoader)  # noqa: S506 - a safe loader subclass
    except RecursionError:
        raise InputError("(document)", "is nested too deeply") from None
    except ValueError as exc:  # e.g. an integer longer than Python's digit limit
        raise InputError("(document)", f"holds a value that cannot be read ({exc})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1} column {mark.column + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        msg = f"is not valid JSON or YAML: {where}{problem}"
        if json_error:
            msg += f" (as JSON: {json_error})"
        raise InputError("(document)", msg) from None


def _err(field: str, message: str) -> int:
    sys.stderr.write(f"triggermap: error: {field}: {message}\n")
    return EXIT_INVALID


def dumps(doc: Any) -> str:
    """Compact JSON, UTF-8 as is. orjson (a declared dependency) writes the same bytes as the
    standard library here, about 4x faster, which matters for --batch; the fallback keeps a
    broken orjson install from breaking the command."""
    try:
        import orjson
    except ImportError:  # pragma: no cover
        return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    return orjson.dumps(doc).decode()


def report(a: dict[str, Any], lang: str, regions: dict[str, dict] | None = None) -> str:
    """The readable (non-JSON) report; ``regions`` (the vocabulary) gives region names."""
    h = _HEAD[lang]

    def _mark(x: dict[str, Any]) -> str:
        name = regions[x["region"]]["label"][lang] if regions else x["region"]
        side = x.get("side")
        return name + (f" ({SIDES[lang][side]})" if side else "")

    out: list[str] = []
    tr = a["triage"]
    out.append(f"{h['triage']}: {h['levels'][tr['level']]}")
    for r in tr["reasons"]:
        out.append(f"  - {r['text']}")
    out.append("")
    out.append(f"{h['muscles']}:")
    if not a["muscles"]:
        out.append(f"  ({h['none']})")
    for i, m in enumerate(a["muscles"], 1):
        side = f", {SIDES[lang].get(m['side'], m['side'])}" if m["side"] else ""
        out.append(f"  {i}. {m['name']} ({m['latin']}{side}) {m['score']:.2f}")
        ex = ", ".join(_mark(x) + f" [{_ZONE[lang][x['zone']]}]" for x in m["explains"])
        out.append(f"     {h['explains']}: {ex}")
        if m["unexplained"]:
            out.append(f"     {h['unexplained']}: " + ", ".join(_mark(x) for x in m["unexplained"]))
    if a["uncovered"]:
        out.append(f"  {h['uncovered']}: " + ", ".join(_mark(x) for x in a["uncovered"]))
    if a["muscles"]:
        out.append(f"  {h['confirm']}: {a['muscles'][0]['confirm']}")
    out.append("")
    out.append(f"{h['conditions']}:")
    if not a["conditions"]:
        out.append(f"  ({h['none']})")
    for c in a["conditions"]:
        out.append(f"  - {c['name']} ({c['score']:.2f}): " + "; ".join(c["why"]))
    if a["plan"] or a["plan_withheld"]:
        out.append("")
        out.append(f"{h['plan']}:")
        for p in a["plan"]:
            out.append(f"  - [{p['kind']}] {p['title']}: {p['dose']}")
            for c in p["cautions"]:
                out.append(f"      ! {c}")
        for w in a["plan_withheld"]:
            out.append(f"  - {h['withheld']}: {w['title']} ({', '.join(w['because'])})")
    out.append("")
    out.append(f"{h['references']}:")
    for r in a["references"]:
        out.append(f"  [{r['id']}] {r['citation']}")
    out.append("")
    out.append(a["disclaimer"])
    return "\n".join(out) + "\n"


def assess_one(path: str, fmt: str, lang: str) -> int:
    from .assess import IntakeError, assess
    from .knowledge import load

    try:
        doc = read_document(path)
        kb = load()
        result = assess(doc, kb, lang=lang)
    except (InputError, IntakeError) as exc:
        return _err(exc.field, exc.message)
    sys.stdout.write(dumps(result) + "\n" if fmt == "json" else report(result, lang, kb.regions))
    return EXIT_OK


def _dumps_bytes() -> Any:
    try:
        import orjson

        return orjson.dumps
    except ImportError:  # pragma: no cover
        return lambda doc: dumps(doc).encode()


def _assess_line(n: int, line: bytes, kb: Any, lang: str, encode: Any) -> tuple[bytes, bool]:
    """One batch line -> (its output line, failed). Never raises: a line that cannot be
    assessed becomes an error object so that no other line's result is lost."""
    from .assess import IntakeError, assess

    try:
        if len(line) > MAX_INTAKE_BYTES:
            raise InputError("(document)", f"is larger than {MAX_INTAKE_BYTES:,} bytes")
        try:
            doc = loads_json(line)
        except json.JSONDecodeError as exc:
            raise InputError("(document)", f"is not valid JSON: {exc}") from None
        return encode(assess(doc, kb, lang=lang)), False
    except (InputError, IntakeError) as exc:
        return encode({"line": n, "error": f"{exc.field}: {exc.message}"}), True
    except RecursionError:
        return encode({"line": n, "error": "(document): is nested too deeply"}), True
    except Exception as exc:  # noqa: BLE001 - one bad line must not cost the others their results
        sys.stderr.write(f"triggermap: line {n}: internal error: {type(exc).__name__}: {exc}\n")
        return encode({"line": n, "error": f"(internal): could not assess this line ({type(exc).__name__})"}), True


def _batch_chunk(args: tuple[list[tuple[int, bytes]], str]) -> tuple[bytes, bool]:
    """Assess a chunk of (line number, line); returns the output lines as one block."""
    from .knowledge import load

    chunk, lang = args
    kb = load()
    encode = _dumps_bytes()
    out: list[bytes] = []
    failed = False
    for n, line in chunk:
        block, bad = _assess_line(n, line, kb, lang, encode)
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


def assess_batch(path: str, lang: str, workers: int) -> int:
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
                block, bad = _batch_chunk((chunk, lang))
                _write_all(fd, block)
                failed = failed or bad
            return EXIT_FAILED_LINES if failed else EXIT_OK
        import multiprocessing as mp
        from collections import deque

        ctx = mp.get_context("fork") if hasattr(os, "fork") else mp.get_context()
        with ctx.Pool(workers) as pool:
            pending: deque[Any] = deque()
            for chunk in chunks:
                pending.append(pool.apply_async(_batch_chunk, ((chunk, lang),)))
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
    a = p.parse_args(argv)
    if a.batch is not None:
        if a.file is not None:
            return _err("FILE", "give either FILE or --batch, not both")
        workers = a.workers or min(os.cpu_count() or 1, 8)
        return assess_batch(a.batch, a.lang, workers)
    if a.file is None:
        return _err("FILE", "an intake file (or - for standard input) is required")
    return assess_one(a.file, a.format, a.lang)
