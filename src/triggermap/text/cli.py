"""``triggermap parse TEXT|- --lang en|es --format json|text`` (registered in :mod:`triggermap.cli`)."""

from __future__ import annotations

import json
import sys
from typing import Any

from .parser import MAX_CHARS, ParseError, check_input, parse_text

#: bytes read from standard input at most: every character may take 4 bytes in UTF-8
MAX_STDIN_BYTES = MAX_CHARS * 4 + 4


REASONS = {
    "needs-side": "which side? (left, right or both)",
    "vague": "which part exactly? (draw it on the body map)",
    "denied": "answered no (not set)",
    "no-region": "where does it hurt?",
}


def read_text(arg: str) -> str:
    """The text argument, or standard input for ``-``; ParseError for binary or oversize input."""
    if arg != "-":
        return arg
    data = sys.stdin.buffer.read(MAX_STDIN_BYTES + 1)
    if len(data) > MAX_STDIN_BYTES:
        raise ParseError("text", f"is longer than {MAX_CHARS} characters")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ParseError("text", f"is not valid UTF-8 text (byte {exc.start}); binary data?") from None


def format_text(doc: dict[str, Any], lang: str) -> str:
    es = lang == "es"
    intake = doc["intake"]
    lines = ["Borrador de la anamnesis (confírmelo en el mapa corporal):" if es else "Draft intake (confirm it on the body map):"]
    for item in intake.get("pain", []):
        side = f" ({item['side']})" if "side" in item else ""
        inten = f" {item['intensity']}/10" if "intensity" in item else ""
        lines.append(f"  - {item['region']}{side}{inten}")
    for key in ("age", "sex", "duration_weeks"):
        if key in intake:
            lines.append(f"  {key}: {intake[key]}")
    for key in ("qualities", "aggravating", "findings", "red_flags", "history"):
        if intake.get(key):
            lines.append(f"  {key}: {', '.join(intake[key])}")
    for key, ids in (intake.get("absent") or {}).items():
        lines.append(f"  absent.{key}: {', '.join(ids)}")
    lines.append("Palabras:" if es else "Words:")
    for e in doc["evidence"]:
        side = f" ({e['side']})" if "side" in e else ""
        lines.append(f"  {e['text']!r} -> {e['field']}: {e['value']}{side}")
    if doc["unsure"]:
        lines.append("No entendimos del todo:" if es else "We did not understand:")
        for u in doc["unsure"]:
            close = ", ".join(c["value"] for c in u["closest"])
            lines.append(f"  {u['text']!r}: {u['reason']}" + (f" ({close})" if close else ""))
    return "\n".join(lines)


def parse_command(text: str, lang: str, fmt: str) -> int:
    """Run the command; returns the exit code (2 for bad input, nothing on stdout then)."""
    try:
        if fmt not in ("json", "text"):
            raise ParseError("--format", f"unknown value {fmt!r}. Allowed: json, text")
        if lang not in ("en", "es"):
            raise ParseError("--lang", f"unknown language {lang!r}. Allowed: en, es")
        value = read_text(text)
        check_input(value, lang)
        doc = parse_text(value, lang)
    except ParseError as exc:
        sys.stderr.write(f"triggermap: error: {exc.field}: {exc.message}\n")
        if exc.document:
            for u in exc.document.get("unsure", []):
                sys.stderr.write(f"  {u['text']!r}: {REASONS.get(u['reason'], u['reason'])}\n")
        return 2
    if fmt == "json":
        sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
    else:
        sys.stdout.write(format_text(doc, lang) + "\n")
    return 0


def parse_request(doc: Any, default_lang: str) -> tuple[str, str]:
    """``{"text", "lang"}`` from a JSON body (``POST /api/v1/parse``); ParseError names the field."""
    if not isinstance(doc, dict):
        raise ParseError("(document)", f"must be a JSON object {{\"text\", \"lang\"}}, got {type(doc).__name__}")
    for key in doc:
        if key not in ("text", "lang"):
            raise ParseError(str(key) or "(document)", f"unknown field {key!r}. Allowed: text, lang")
    if "text" not in doc:
        raise ParseError("text", "is required")
    lang = doc.get("lang", default_lang)
    if not isinstance(lang, str) or lang not in ("en", "es"):
        raise ParseError("lang", f"unknown language {lang!r}. Allowed: en, es")
    text = doc["text"]
    if not isinstance(text, str):
        raise ParseError("text", f"must be a string, got {type(text).__name__}")
    check_input(text, lang)
    return text, lang
