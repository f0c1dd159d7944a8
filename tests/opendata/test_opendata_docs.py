"""docs/data.md describes every table and field the export writes."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from triggermap.opendata import export

DOC = Path(__file__).resolve().parents[2] / "docs" / "data.md"


def _sections(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for chunk in re.split(r"^#{2,3} ", text, flags=re.M)[1:]:
        m = re.match(r"`([a-z_]+)`", chunk)
        if m:
            out[m.group(1)] = chunk
    return out


def test_every_table_and_field_is_documented() -> None:
    sections = _sections(DOC.read_text(encoding="utf-8"))
    assert set(sections) == set(export.SCHEMAS)
    for name, spec in export.SCHEMAS.items():
        documented = re.findall(r"^\| `([a-z_]+)` \|", sections[name], flags=re.M)
        assert documented == [f[0] for f in spec["fields"]], name
        assert f"Primary key: `{', '.join(spec['primaryKey'])}`" in sections[name]


def test_text_fields_table_matches_the_export(kb: Any) -> None:
    text = DOC.read_text(encoding="utf-8").split("### Text fields", 1)[1].split("\n## ", 1)[0]
    documented: dict[str, set[str]] = {}
    for entity, fields in re.findall(r"^\| `([a-z_]+)` \| (.+) \|$", text, flags=re.M):
        documented[entity] = set(re.findall(r"`([a-z_.N]+)`", fields))
    actual: dict[str, set[str]] = {}
    for row in export.tables(kb)["texts"]:
        actual.setdefault(row["entity"], set()).add(re.sub(r"\.\d+", ".N", row["field"]))
    assert documented == actual
