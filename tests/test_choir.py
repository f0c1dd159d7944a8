"""CHOIR Body Map import/export at scale: every one of the 7,068 real-world-shaped drawings."""

from __future__ import annotations

import csv

from tmhelpers import CHOIR_DIR
from triggermap.engine import assess, parse_intake
from triggermap.knowledge.integrity import CHOIR_CODES


def drawings():
    with open(CHOIR_DIR / "choir_validation_7068.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            yield row, [int(c) for c in row["bodymap_regions_csv"].split(",") if c.strip()]


def test_every_choir_drawing_assesses(kb):
    n = 0
    for row, codes in drawings():
        doc = {"version": 1, "choir": codes}
        if row["age"].isdigit() and int(row["age"]) <= 120:
            doc["age"] = int(row["age"])
        if row["gender"] in ("Female", "Male"):
            doc["sex"] = row["gender"].lower()
        a = assess(doc, kb)
        assert a["choir"] == sorted(set(codes)), row["id"]
        assert a["triage"]["level"]
        n += 1
    assert n == 7068


def test_choir_codes_csv_matches_vocabulary(kb):
    with open(CHOIR_DIR / "choir_codes.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {int(r["choir_code_male_numbering"]) for r in rows} == set(CHOIR_CODES)
    # each region's CHOIR code is on the right side of the body
    side_of = {int(r["choir_code_male_numbering"]): r["side_patient"] for r in rows}
    for rid, r in kb.regions.items():
        if not r.midline:
            assert side_of[r.choir.left] == "left", rid
            assert side_of[r.choir.right] == "right", rid


def test_region_export_round_trips_through_choir(kb):
    for rid, r in kb.regions.items():
        sides = [None] if r.midline else ["left", "right"]
        for side in sides:
            mark = {"region": rid, "intensity": 5, **({"side": side} if side else {})}
            codes = assess({"pain": [mark]}, kb)["choir"]
            assert codes, rid
            back = parse_intake({"choir": codes}, kb)
            assert (rid, side) in {(m.region, m.side) for m in back.pain}
