"""No data lost: SIGKILL mid-burst keeps every acknowledged entry; concurrent writers lose nothing."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from triggermap.store import db, repo
from triggermap.store.models import DiaryDone, DiaryEntry, DiaryRegion

WRITER = Path(__file__).with_name("_writer.py")


def _start(url: str, person: str, first: str, count: int, step: int = 1, offset: int = 0, *extra: str):
    return subprocess.Popen(
        [sys.executable, str(WRITER), url, person, first, str(count), str(step), str(offset), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def _acks(lines: list[str]) -> dict[str, int]:
    """date -> entry id of every acknowledged entry."""
    out = {}
    for line in lines:
        parts = line.split()
        if parts and parts[0] == "ok":
            out[parts[2]] = int(parts[1])
    return out


def _stored(url: str, person: str) -> dict[str, int]:
    with db.session_scope(url, readonly=True) as s:
        p = repo.get_person(s, person)
        return {e.entry_date.isoformat(): e.id for e in repo.list_entries(s, p)}


def _check_children(url: str) -> None:
    """Every stored entry is whole: its three regions and its done items are there."""
    with db.session_scope(url, readonly=True) as s:
        regions = {
            r[0]: r[1]
            for r in s.execute(select(DiaryRegion.entry_id, func.count()).group_by(DiaryRegion.entry_id))
        }
        done = {
            r[0]: r[1]
            for r in s.execute(select(DiaryDone.entry_id, func.count()).group_by(DiaryDone.entry_id))
        }
        ids = list(s.scalars(select(DiaryEntry.id)))
    assert all(regions.get(i) == 3 for i in ids)
    assert all(done.get(i) in (1, 2) for i in ids)


def test_sigkill_mid_burst_loses_no_acknowledged_entry(db_url):
    acknowledged: dict[str, int] = {}
    for round_no, kill_after in enumerate([2, 9, 23]):  # three bursts, three kills; each next writer recovers
        proc = _start(db_url, "burst", "2010-01-01", 400, 1, round_no * 1000)  # all dates in the past
        assert proc.stdout is not None
        lines = []
        while True:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if len(_acks(lines)) >= kill_after:
                os.kill(proc.pid, signal.SIGKILL)  # in the middle of the next write
                break
        rest, err = proc.communicate(timeout=60)
        lines += rest.splitlines()
        assert proc.returncode == -signal.SIGKILL, err
        assert "done" not in rest  # it really died mid-burst
        acknowledged.update(_acks(lines))
        db.dispose_engines()
        stored = _stored(db_url, "burst")
        missing = {d: i for d, i in acknowledged.items() if stored.get(d) != i}
        assert not missing, f"acknowledged entries lost: {missing}"
        assert db.integrity_check(db.get_engine(db_url)) == []
        _check_children(db_url)
    # and the database takes new writes
    with db.session_scope(db_url) as s:
        repo.add_diary_entry(s, repo.get_person(s, "burst"), date=dt.date.today(), pain=1)


def test_two_concurrent_writers_lose_nothing(fresh_db_url):
    """Two processes start on an empty database at once: both migrate-or-wait, both create the
    same person, and write interleaved dates. Every acknowledged entry is stored."""
    n = 30
    procs = [_start(fresh_db_url, "shared", "2021-01-01", n, 2, off) for off in (0, 1)]
    outs = [p.communicate(timeout=120) for p in procs]
    for p, (_, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err
    acked = {}
    for out, _ in outs:
        acked.update(_acks(out.splitlines()))
    assert len(acked) == 2 * n
    assert _stored(fresh_db_url, "shared") == acked
    assert db.integrity_check(db.get_engine(fresh_db_url)) == []
    _check_children(fresh_db_url)


def test_two_writers_on_the_same_dates_never_overwrite(db_url):
    """Both writers try every date: each date ends with exactly one entry, the acknowledged one."""
    n = 15
    procs = [_start(db_url, "same", "2022-01-01", n, 1, 0, "--tolerate-duplicates") for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    for p, (_, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err
    acks = [_acks(out.splitlines()) for out, _ in outs]
    assert not (set(acks[0]) & set(acks[1])), "a date was acknowledged to both writers"
    merged = {**acks[0], **acks[1]}
    assert len(merged) == n
    assert _stored(db_url, "same") == merged
    dups = sum(out.count("dup ") for out, _ in outs)
    assert dups == n
