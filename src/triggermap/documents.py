"""Reading and writing contract documents: the one document reader and the one JSON writer.

Shared by the CLI (``triggermap assess``, ``chart``), the charts and the web app, so a hostile
document (too big, too deep, numbers too long, invalid UTF-8, YAML aliases) is refused the
same way everywhere. Standard library only at import (YAML and orjson load on demand), so
``triggermap assess`` stays fast to start.
"""

from __future__ import annotations

import json
import re
import sys
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

#: A single intake is a few hundred bytes; anything this big is not an intake.
MAX_INTAKE_BYTES = 1_000_000


class InputError(Exception):
    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")

    def __reduce__(self) -> tuple[Any, ...]:  # picklable (batch workers receive them)
        return (InputError, (self.field, self.message))


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


def read_named(path: Path) -> Any:
    """:func:`read_document` of one file of a set (evaluation cases): an InputError names the file
    before the field, ``a.yaml: (document)``."""
    try:
        return read_document(str(path))
    except InputError as exc:
        raise InputError(f"{path.name}: {exc.field}", exc.message) from None


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
    opens = raw.count(b"[") + raw.count(b"{") if isinstance(raw, bytes) else raw.count("[") + raw.count("{")
    if opens <= MAX_DEPTH:
        return True  # no more brackets than the limit: cannot nest deeper (the usual intake, at C speed)
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


#: a JSON escape of a UTF-16 surrogate: "\ud83d\ude00" (a pair) is one character, a lone one
#: (``"\udcff"``) is no character at all, and nothing could write it back out as UTF-8
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_SURROGATE_ESCAPE_BYTES = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def _check_unicode(doc: Any) -> None:
    try:
        json.dumps(doc, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InputError("(document)", f"holds a lone surrogate escape (\\u{ord(exc.object[exc.start]):04x}): "
                         "not Unicode text") from None


class DuplicateKey(ValueError):
    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object whose keys are all different: with a key given twice, plain JSON keeps the
    last silently (``red_flags`` twice would drop the first list's warning signs)."""
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise DuplicateKey(key)
            seen.add(key)
    return out


def loads_json(text: str | bytes) -> Any:
    """``json.loads`` that turns hostile input into a clear InputError instead of a traceback:
    nesting deeper than MAX_DEPTH, numbers longer than Python accepts, invalid UTF-8."""
    if not _depth_ok(text):
        raise InputError("(document)", f"is nested more than {MAX_DEPTH} levels deep; an intake is a flat document")
    try:
        doc = json.loads(text, object_pairs_hook=_unique_keys)
        if _SURROGATE_ESCAPE.search(text) if isinstance(text, str) else _SURROGATE_ESCAPE_BYTES.search(text):
            _check_unicode(doc)  # only when the text has a \ud800-\udfff escape (an emoji's pair is fine)
        return doc
    except DuplicateKey as exc:
        raise InputError("(document)", f"key {exc.key!r} appears twice in one object; give each field once") from None
    except UnicodeDecodeError as exc:
        raise InputError("(document)", f"is not UTF-8 text (byte {exc.start})") from None
    except ValueError as exc:
        if isinstance(exc, json.JSONDecodeError):
            raise
        raise InputError("(document)", "holds a number longer than 4,300 digits; no intake field takes one") from None
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

        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            keys = [k.value for k, _ in node.value if isinstance(k, yaml.ScalarNode)]
            if len(set(keys)) != len(keys):  # YAML keeps the last silently, as JSON does
                key = next(k for i, k in enumerate(keys) if k in keys[:i])
                raise InputError("(document)", f"key {key!r} appears twice in one mapping; give each field once")
            return super().construct_mapping(node, deep=deep)

    if not _depth_ok(text):
        raise InputError("(document)", f"is nested more than {MAX_DEPTH} levels deep; an intake is a flat document")
    try:
        doc = yaml.load(text, Loader=NoAliasLoader)  # noqa: S506 - a safe loader subclass
        if "\\u" in text or "\\U" in text:  # a double-quoted escape may name a lone surrogate
            _check_unicode(doc)
        return doc
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


_ORJSON: Any = None  # orjson.dumps once loaded (on first use: a text report never needs it)


def dumps_bytes(doc: Any) -> bytes:
    """Compact JSON, UTF-8 as is. orjson (a declared dependency) writes the same bytes as the
    standard library here, about 4x faster, which matters for --batch and the API; the stdlib
    takes over for what orjson refuses (an integer over 64 bits) or when orjson is missing."""
    global _ORJSON
    if _ORJSON is None:
        try:
            import orjson

            _ORJSON = orjson.dumps
        except ImportError:  # pragma: no cover - a declared dependency
            _ORJSON = False
    if _ORJSON:
        try:
            return bytes(_ORJSON(doc))
        except TypeError:
            pass
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()


def dumps(doc: Any) -> str:
    """:func:`dumps_bytes` as text (one line, no trailing newline)."""
    return dumps_bytes(doc).decode()


def dumps_one(doc: Any) -> str:
    """:func:`dumps` for a process that writes a single document (``triggermap assess FILE --format
    json``): the standard library's encoder, which writes the same text for assessment documents
    (their only floats are scores rounded to 4 decimals), because loading orjson costs more than
    it saves on one document (about 8 ms against 1 ms). Falls back to :func:`dumps` if it differs
    in kind (e.g. text that is not valid Unicode)."""
    if _ORJSON:
        return dumps(doc)
    try:
        text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
        text.encode()
    except (TypeError, ValueError, UnicodeEncodeError):
        return dumps(doc)
    return text


def dumps_pretty(doc: Any) -> str:
    """Indented JSON for people (``triggermap vocab/schema --format json``), UTF-8 as is."""
    return json.dumps(doc, ensure_ascii=False, indent=2)
