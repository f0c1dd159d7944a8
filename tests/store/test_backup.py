"""Backup and restore: SQLite online backup, JSON dumps, across backends."""

from __future__ import annotations

import json
import sqlite3

import pytest
from typer.testing import CliRunner

from triggermap.store import backup, db, repo
from triggermap.store.backup import BackupError
from triggermap.store.cli import backup_command, restore_command

from .test_repo import counts


def _fill(url: str, plan_item: str, lateral_region: str) -> None:
    with db.session_scope(url) as s:
        p = repo.create_person(s, "bk-1", display_name="Álvaro")
        repo.save_assessment(
            s, p, intake={"version": 1}, result={"plan": [{"id": plan_item}]}, kb_version="kb", lang="es"
        )
        for d in range(1, 6):
            repo.add_diary_entry(
                s,
                p,
                date=f"2024-04-0{d}",
                pain=d,
                regions=[f"{lateral_region}:left"],
                done=[plan_item],
                note="ñ",
            )
        repo.create_account(s, "dr.bk", "a long password", "clinician")


def _snapshot(url: str) -> list:
    with db.session_scope(url, readonly=True) as s:
        p = repo.get_person(s, "bk-1")
        return [repo.entry_to_dict(e) for e in repo.list_entries(s, p)] + [
            (a.intake, a.result, a.created_at.isoformat()) for a in repo.list_assessments(s, p)
        ]


@pytest.mark.parametrize("name", ["backup.sqlite3", "backup.json", "backup.json.gz"])
def test_backup_restore_round_trip(db_url, other_db_url, tmp_path, kb_vocab, plan_item, lateral_region, name):
    _fill(db_url, plan_item, lateral_region)
    before, before_counts = _snapshot(db_url), counts(db_url)
    path = tmp_path / name
    backup.backup(db_url, path)
    assert oct(path.stat().st_mode & 0o777) == oct(0o600)
    if name.endswith(".sqlite3"):
        assert backup.is_sqlite_file(path)
        conn = sqlite3.connect(path)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        conn.close()
    backup.restore(other_db_url, path)
    assert _snapshot(other_db_url) == before
    assert counts(other_db_url) == before_counts
    # ids go on from where they were (PostgreSQL sequences are reset)
    with db.session_scope(other_db_url) as s:
        e = repo.add_diary_entry(s, repo.get_person(s, "bk-1"), date="2024-04-09", pain=2)
        assert e.id == max(x["id"] for x in before if isinstance(x, dict)) + 1
    assert db.integrity_check(db.get_engine(other_db_url)) == []


def test_restore_refuses_non_empty_target_without_force(
    db_url, tmp_path, kb_vocab, plan_item, lateral_region
):
    _fill(db_url, plan_item, lateral_region)
    for name in ("b.json", "b.sqlite3"):
        path = tmp_path / name
        backup.backup(db_url, path)
        with pytest.raises(BackupError, match="--force"):
            backup.restore(db_url, path)
    with db.session_scope(db_url) as s:
        repo.add_diary_entry(s, repo.get_person(s, "bk-1"), date="2024-05-01", pain=9)
    backup.restore(db_url, tmp_path / "b.json", force=True)
    with db.session_scope(db_url) as s:
        assert [e.entry_date.isoformat() for e in repo.list_entries(s, repo.get_person(s, "bk-1"))][
            -1
        ] == "2024-04-05"


def test_restore_rejects_foreign_files(db_url, tmp_path):
    junk = tmp_path / "junk.json"
    junk.write_text(json.dumps({"hello": 1}))
    with pytest.raises(BackupError):
        backup.restore(db_url, junk)
    other = tmp_path / "other.sqlite3"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.commit()
    with pytest.raises(BackupError, match="not a triggermap database"):
        backup.restore(db_url, other)
    assert sum(counts(db_url).values()) == 0


def test_backup_is_consistent_while_writing(db_url, tmp_path, kb_vocab):
    """A SQLite online backup taken between writes holds exactly the committed entries."""
    with db.session_scope(db_url) as s:
        p = repo.create_person(s, "w")
        for d in range(1, 10):
            repo.add_diary_entry(s, p, date=f"2024-06-0{d}", pain=d % 11)
    path = tmp_path / "mid.json"
    backup.backup(db_url, path)
    data = json.loads(path.read_text())
    assert len(data["tables"]["diary_entry"]) == 9


def test_cli_backup_restore(db_url, other_db_url, tmp_path, kb_vocab, plan_item, lateral_region):
    import typer

    _fill(db_url, plan_item, lateral_region)
    cli = typer.Typer()
    cli.command("backup")(backup_command)
    cli.command("restore")(restore_command)
    runner = CliRunner()
    path = tmp_path / "cli.sqlite3"
    r = runner.invoke(cli, ["backup", str(path), "--db", db_url])
    assert r.exit_code == 0, r.stderr
    r = runner.invoke(cli, ["restore", str(path), "--db", other_db_url])
    assert r.exit_code == 0, r.stderr
    assert _snapshot(other_db_url) == _snapshot(db_url)
    r = runner.invoke(cli, ["restore", str(path), "--db", other_db_url])
    assert r.exit_code == 1 and "--force" in r.stderr
    r = runner.invoke(cli, ["restore", str(tmp_path / "missing.json"), "--db", other_db_url])
    assert r.exit_code == 2 and "missing.json: no such file" in r.stderr  # bad input: exit 2
    assert "Traceback" not in r.stderr
    with db.session_scope(other_db_url) as s:
        assert repo.list_audit(s, limit=1)[0].action == "restore"


def test_backup_onto_the_database_itself_is_refused(tmp_path):
    path = tmp_path / "self.sqlite3"
    url = f"sqlite:///{path}"
    try:
        with db.session_scope(url) as s:
            repo.create_person(s, "me")
        with pytest.raises(BackupError, match="itself"):
            backup.backup(url, path)
        with pytest.raises(BackupError, match="itself"):
            backup.restore(url, path, force=True)
        with db.session_scope(url) as s:
            assert repo.person_codes(s) == ["me"]
    finally:
        db.dispose_engines()


@pytest.mark.parametrize("name", ["backup.sqlite3", "backup.json"])
def test_restore_never_revives_ended_sessions(db_url, other_db_url, tmp_path, kb_vocab, plan_item,
                                              lateral_region, name):
    """Issue 13: a restore brought back log-in sessions that had ended (logged out after the
    backup), so an old cookie worked again. Restore now drops every session."""
    from sqlalchemy import func, select

    from triggermap.store.models import AuthSession

    _fill(db_url, plan_item, lateral_region)
    with db.session_scope(db_url) as s:
        account = repo.get_account(s, "dr.bk")
        token, _ = repo.create_auth_session(s, account)
    path = tmp_path / name
    backup.backup(db_url, path)
    with db.session_scope(db_url) as s:
        repo.end_auth_session(s, token)  # logged out after the backup
    for target, force in ((other_db_url, False), (db_url, True)):  # into a new database, and back in place
        backup.restore(target, path, force=force)
        with db.session_scope(target) as s:
            assert repo.session_for_token(s, token) is None
            assert s.scalar(select(func.count()).select_from(AuthSession)) == 0
            assert repo.get_account(s, "dr.bk").username == "dr.bk"  # the rest is there
