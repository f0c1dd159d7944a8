"""Repository functions: diary entries, validation, one entry per date, plans, adherence, audit."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from triggermap.store import db, repo
from triggermap.store.errors import DuplicateEntry, NotFound, ValidationError
from triggermap.store.models import TABLE_ORDER, AuditLog, Base


def counts(url: str) -> dict[str, int]:
    with db.session_scope(url, readonly=True) as s:
        return {
            t: s.scalar(select(func.count()).select_from(Base.metadata.tables[t])) or 0 for t in TABLE_ORDER
        }


def test_add_and_list_in_date_order(db_url, kb_vocab, lateral_region, midline_region, plan_item):
    with db.session_scope(db_url) as s:
        p, created = repo.get_or_create_person(s, "anon-1")
        assert created
        for day, pain in [("2024-03-03", 4), ("2024-03-01", 7), ("2024-03-02", 5)]:
            repo.add_diary_entry(
                s,
                p,
                date=day,
                pain=pain,
                regions=[f"{lateral_region}:left", midline_region],
                done=[plan_item],
                note="dolor al sentarme ñ",
            )
    with db.session_scope(db_url) as s:
        p = repo.get_person(s, "anon-1")
        got = [repo.entry_to_dict(e) for e in repo.list_entries(s, p)]
    assert [(e["date"], e["pain"]) for e in got] == [("2024-03-01", 7), ("2024-03-02", 5), ("2024-03-03", 4)]
    assert got[0]["regions"] == [{"region": lateral_region, "side": "left"}, {"region": midline_region}]
    assert got[0]["done"] == [plan_item]
    assert got[0]["note"] == "dolor al sentarme ñ"
    assert dt.datetime.fromisoformat(got[0]["created_at"]).tzinfo is not None


def test_lateral_region_without_side_means_both(db_url, kb_vocab, lateral_region):
    with db.session_scope(db_url) as s:
        p, _ = repo.get_or_create_person(s, "b")
        e = repo.add_diary_entry(s, p, date="2024-01-01", pain=3, regions=[lateral_region, lateral_region])
        assert repo.entry_to_dict(e)["regions"] == [{"region": lateral_region, "side": "both"}]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"date": "2023-02-29"}, "date"),
        ({"date": "2024-13-01"}, "date"),
        ({"date": "01/03/2024"}, "date"),
        ({"date": "1850-01-01"}, "date"),
        ({"pain": 11}, "pain"),
        ({"pain": -1}, "pain"),
        ({"pain": "5.5"}, "pain"),
        ({"pain": "five"}, "pain"),
        ({"pain": True}, "pain"),
        ({"regions": ["no-such-region"]}, "region"),
        ({"regions": ["LATERAL:up"]}, "region"),
        ({"regions": ["MIDLINE:left"]}, "region"),
        ({"done": ["no-such-exercise"]}, "done"),
        ({"note": "x" * (repo.MAX_NOTE + 1)}, "note"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(
    db_url, kb_vocab, lateral_region, midline_region, kwargs, field
):
    kwargs = {
        k: [r.replace("LATERAL", lateral_region).replace("MIDLINE", midline_region) for r in v]
        if k == "regions"
        else v
        for k, v in kwargs.items()
    }
    args = {"date": "2024-03-01", "pain": 5, **kwargs}
    before = counts(db_url)
    with pytest.raises(ValidationError) as err, db.session_scope(db_url) as s:
        p, _ = repo.get_or_create_person(s, "v", actor="test")
        repo.add_diary_entry(s, p, actor="test", **args)
    assert err.value.field == field
    assert counts(db_url) == before  # not even the person or an audit row


def test_typo_gets_a_suggestion(kb_vocab, lateral_region):
    from triggermap.store.vocab import parse_region

    with pytest.raises(ValidationError) as err:
        parse_region(lateral_region[:-1] + "x", kb_vocab)
    assert err.value.suggestion == lateral_region
    assert lateral_region in err.value.message()


def test_one_entry_per_date_duplicate_is_an_error(db_url, kb_vocab):
    with db.session_scope(db_url) as s:
        p, _ = repo.get_or_create_person(s, "d")
        first = repo.add_diary_entry(s, p, date="2024-03-01", pain=5).id
    with pytest.raises(DuplicateEntry) as err, db.session_scope(db_url) as s:
        repo.add_diary_entry(s, repo.get_person(s, "d"), date="2024-03-01", pain=9)
    assert err.value.field == "date"
    with db.session_scope(db_url) as s:
        [e] = repo.list_entries(s, repo.get_person(s, "d"))
        assert (e.id, e.pain) == (first, 5)


def test_replace_updates_in_place(db_url, kb_vocab, lateral_region, plan_item):
    with db.session_scope(db_url) as s:
        p, _ = repo.get_or_create_person(s, "r")
        first = repo.add_diary_entry(
            s, p, date="2024-03-01", pain=5, regions=[lateral_region], done=[plan_item]
        )
        first_id, created = first.id, first.created_at
    with db.session_scope(db_url) as s:
        e = repo.add_diary_entry(
            s,
            repo.get_person(s, "r"),
            date="2024-03-01",
            pain=2,
            regions=[f"{lateral_region}:right"],
            replace=True,
        )
        assert e.id == first_id
    with db.session_scope(db_url) as s:
        [e] = repo.list_entries(s, repo.get_person(s, "r"))
        d = repo.entry_to_dict(e)
    assert (
        d["pain"] == 2 and d["regions"] == [{"region": lateral_region, "side": "right"}] and d["done"] == []
    )
    assert e.created_at == created and e.updated_at >= created
    assert counts(db_url)["diary_region"] == 1


def test_delete_entry(db_url, kb_vocab):
    with db.session_scope(db_url) as s:
        p, _ = repo.get_or_create_person(s, "del")
        repo.add_diary_entry(s, p, date="2024-03-01", pain=5, regions=[])
        repo.delete_entry(s, p, "2024-03-01", actor="test")
        assert repo.list_entries(s, p) == []
        with pytest.raises(NotFound):
            repo.delete_entry(s, p, "2024-03-01")


def test_list_range(db_url, kb_vocab):
    with db.session_scope(db_url) as s:
        p, _ = repo.get_or_create_person(s, "range")
        for d in range(1, 6):
            repo.add_diary_entry(s, p, date=dt.date(2024, 5, d), pain=d)
        got = repo.list_entries(s, p, start=dt.date(2024, 5, 2), end=dt.date(2024, 5, 4))
        assert [e.pain for e in got] == [2, 3, 4]


def test_region_days_for_body_map(db_url, kb_vocab, lateral_region, midline_region):
    with db.session_scope(db_url) as s:
        p, _ = repo.get_or_create_person(s, "map")
        repo.add_diary_entry(
            s, p, date="2024-01-01", pain=3, regions=[f"{lateral_region}:left", midline_region]
        )
        repo.add_diary_entry(s, p, date="2024-01-02", pain=3, regions=[lateral_region])
        repo.add_diary_entry(s, p, date="2024-01-03", pain=0)
        days, n = repo.region_days(s, p)
    assert n == 3
    assert days[(lateral_region, "left")] == 2
    assert days[(lateral_region, "right")] == 1
    assert days[(midline_region, None)] == 1


def test_assessment_kept_as_given_and_plan_adherence(db_url, kb_vocab, plan_item):
    other = sorted(kb_vocab.plan_items)[-1]
    intake = {"version": 1, "pain": [{"region": "coccyx", "intensity": 3}]}
    result = {
        "version": 1,
        "triage": {"level": "self-care", "reasons": []},
        "plan": [{"id": plan_item, "kind": "stretch"}, {"id": other, "kind": "strength"}],
        "disclaimer": "Educación, no diagnóstico.",
    }
    with db.session_scope(db_url) as s:
        p, _ = repo.get_or_create_person(s, "plan")
        a = repo.save_assessment(
            s, p, intake=intake, result=result, kb_version="abc123", lang="es", actor="t"
        )
        aid = a.id
        plan = repo.current_plan(s, p)
        assert plan is not None and [i.item_id for i in plan.items] == [plan_item, other]
        today = dt.date.today()
        repo.add_diary_entry(s, p, date=today, pain=4, done=[plan_item])
        repo.add_diary_entry(s, p, date=today - dt.timedelta(days=400), pain=6, done=[plan_item])
    with db.session_scope(db_url) as s:
        p = repo.get_person(s, "plan")
        a = repo.get_assessment(s, p, aid)
        assert (a.intake, a.result, a.kb_version, a.lang, a.triage_level) == (
            intake,
            result,
            "abc123",
            "es",
            "self-care",
        )
        rows = repo.adherence(s, p)
    assert rows[0]["planned"] is None and rows[0]["done"] == 1  # before the plan existed
    assert rows[1]["planned"] == (2 if other != plan_item else 1) and rows[1]["done"] == 1


def test_get_assessment_of_someone_else_is_not_found(db_url):
    with db.session_scope(db_url) as s:
        a, _ = repo.get_or_create_person(s, "a")
        b, _ = repo.get_or_create_person(s, "b")
        aid = repo.save_assessment(s, a, intake={}, result={}, kb_version="x").id
        with pytest.raises(NotFound):
            repo.get_assessment(s, b, aid)


def test_writes_are_audited(db_url, kb_vocab):
    with db.session_scope(db_url) as s:
        p, _ = repo.get_or_create_person(s, "aud", actor="cli:tester")
        repo.add_diary_entry(s, p, date="2024-01-01", pain=3, actor="cli:tester")
        repo.add_diary_entry(s, p, date="2024-01-01", pain=4, replace=True, actor="cli:tester")
        pid = p.id
    with db.session_scope(db_url) as s:
        rows = [(r.actor, r.action, r.record_type) for r in reversed(repo.list_audit(s, person_id=pid))]
    assert rows == [
        ("cli:tester", "create", "person"),
        ("cli:tester", "create", "diary_entry"),
        ("cli:tester", "update", "diary_entry"),
    ]


def test_audit_drops_secret_looking_details(db_url):
    with db.session_scope(db_url) as s:
        row = repo.record_audit(s, "t", "x", "account", 1, detail={"password": "hunter2", "username": "u"})
        assert row.detail == {"username": "u"}
    with db.session_scope(db_url) as s:
        assert s.scalar(select(func.count()).select_from(AuditLog)) == 1


def test_person_codes(db_url):
    with db.session_scope(db_url) as s:
        with pytest.raises(ValidationError):
            repo.create_person(s, "bad code!")
        code = repo.create_person(s).code
        assert code.startswith("P-") and len(code) == 10
        with pytest.raises(ValidationError):
            repo.create_person(s, code)
