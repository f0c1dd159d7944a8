"""Clinic mode data layer: argon2 passwords, access rules, log-in rate limit, sessions, audit."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from sqlalchemy import select, text

from triggermap.store import auth, db, repo
from triggermap.store.errors import AccessError, Forbidden, NotFound, RateLimited, ValidationError
from triggermap.store.models import TABLE_ORDER, Account, AuditLog, AuthSession, LoginAttempt

PW_A = "correct horse battery A"
PW_B = "correct horse battery B"
PW_P = "patient-pass-0001"


@pytest.fixture
def clinic(db_url):
    """Two clinicians, each with one patient, and a patient account for the first patient."""
    with db.session_scope(db_url) as s:
        pa = repo.create_person(s, "pat-a")
        pb = repo.create_person(s, "pat-b")
        a = repo.create_account(s, "dr.a", PW_A, "clinician")
        b = repo.create_account(s, "Dr.B", PW_B, "clinician")
        patient = repo.create_account(s, "paciente", PW_P, "patient", person=pa)
        repo.assign_patient(s, a, pa)
        repo.assign_patient(s, b, pb)
        return {"url": db_url, "pa": pa.id, "pb": pb.id, "a": a.id, "b": b.id, "patient": patient.id}


def _account(s, account_id):
    return s.get(Account, account_id)


def test_production_argon2_parameters():
    from argon2 import Type

    h = auth.make_hasher()  # the real one, not the tests' cheap one

    assert h.type is Type.ID
    assert h.memory_cost >= 19 * 1024 and h.time_cost >= 2  # at least OWASP's argon2id minimum


def test_hash_and_verify():
    h = auth.hash_password("una contraseña larga")
    assert h.startswith("$argon2id$") and "contraseña" not in h
    assert auth.verify_password(h, "una contraseña larga")
    assert not auth.verify_password(h, "una contrasena larga")
    assert not auth.verify_password("not-a-hash", "x")
    assert repr(auth.Password("hunter2hunter2")) == "Password('********')"
    assert "hunter2" not in f"{auth.Password('hunter2hunter2')}"


def test_password_policy(db_url):
    with db.session_scope(db_url) as s, pytest.raises(ValidationError) as err:
        repo.create_account(s, "shorty", "short", "clinician")
    assert "short" not in err.value.message()  # the password is never echoed


def test_passwords_never_stored_or_logged_in_clear(db_url, caplog):
    secret = "Tr0ub4dor&3-secreto-ñ"
    caplog.set_level(logging.DEBUG)
    engine = db.get_engine(db_url)
    engine.echo = True  # log every statement and its parameters
    try:
        with db.session_scope(db_url) as s:
            p = repo.create_person(s, "pp")
            acc = repo.create_account(s, "pat.1", auth.Password(secret), "patient", person=p)
            repo.set_password(s, acc, secret + "2")
        with db.session_scope(db_url) as s:
            assert repo.authenticate(s, "pat.1", secret + "2", ip="10.0.0.1") is not None
            assert repo.authenticate(s, "pat.1", secret, ip="10.0.0.1") is None
    finally:
        engine.echo = False
    assert caplog.text  # the statements were logged ...
    assert secret not in caplog.text  # ... but never the password
    dump = []
    with db.session_scope(db_url, readonly=True) as s:
        for table in TABLE_ORDER:
            dump += [str(tuple(r)) for r in s.execute(text(f"SELECT * FROM {table}"))]
    blob = "\n".join(dump)
    assert "pat.1" in blob
    assert secret not in blob


def test_authenticate(clinic):
    with db.session_scope(clinic["url"]) as s:
        assert repo.authenticate(s, "DR.A", PW_A).id == clinic["a"]  # user names are case-insensitive
        assert repo.authenticate(s, "dr.a", PW_B) is None
        assert repo.authenticate(s, "nobody", PW_A) is None
    with db.session_scope(clinic["url"]) as s:
        actions = [r.action for r in repo.list_audit(s)]
    assert actions[:3] == ["login-failed", "login-failed", "login"]


def _fail(url, n, username="dr.a", ip="10.0.0.9"):
    for _ in range(n):
        with db.session_scope(url) as s:
            assert repo.authenticate(s, username, "wrong password!!", ip=ip) is None


def _age_attempts(url, seconds):
    """Move every recorded log-in attempt ``seconds`` into the past (the waits run out)."""
    with db.session_scope(url) as s:
        for row in s.scalars(select(LoginAttempt)):
            row.at = row.at - dt.timedelta(seconds=seconds)


def test_progressive_delay_per_client_never_locks_the_owner_out_elsewhere(clinic):
    """Issue 13: 5 wrong passwords used to lock the account for 15 minutes for every client, so
    anyone could lock a user out. Now the client that fails waits longer and longer, while the
    right password from another client still works at once."""
    url = clinic["url"]
    _fail(url, repo.FREE_FAILURES_PER_CLIENT - 1)
    with db.session_scope(url) as s:
        assert repo.login_delay(s, "dr.a", "10.0.0.9") == 0
    _fail(url, 1)  # the first one that costs a wait
    with pytest.raises(RateLimited) as err, db.session_scope(url) as s:
        repo.authenticate(s, "dr.a", PW_A, ip="10.0.0.9")  # even the right password, from there
    assert 0 < err.value.retry_after <= repo.LOGIN_BASE_DELAY.total_seconds()
    with db.session_scope(url) as s:
        repo.record_denial(s, err.value)
    with db.session_scope(url) as s:
        assert repo.list_audit(s, limit=1)[0].action == "login-blocked"
        # the owner, from another client, is not locked out; nor is another user
        assert repo.authenticate(s, "dr.a", PW_A, ip="10.0.0.10") is not None
        assert repo.authenticate(s, "dr.b", PW_B, ip="10.0.0.9") is not None
    # blocked attempts are not checked and do not count; once the wait is over, the next
    # failure doubles it
    waits = []
    for _ in range(3):
        _age_attempts(url, 3600 // 8)
        _fail(url, 1)
        with db.session_scope(url) as s:
            waits.append(repo.login_delay(s, "dr.a", "10.0.0.9"))
    assert waits[0] < waits[1] < waits[2] <= repo.LOGIN_MAX_DELAY.total_seconds()
    # a success from that client starts its count again
    _age_attempts(url, 3600 // 4)
    with db.session_scope(url) as s:
        assert repo.authenticate(s, "dr.a", PW_A, ip="10.0.0.9") is not None
        assert repo.login_delay(s, "dr.a", "10.0.0.9") == 0
    # failures older than the window no longer count
    later = dt.datetime.now(dt.UTC) + repo.LOGIN_WINDOW + dt.timedelta(seconds=1)
    with db.session_scope(url) as s:
        assert repo.login_failures(s, username="dr.a", now=later) == 0


def test_progressive_delay_per_address(clinic):
    """Guessing many user names from one address: the address waits (for every user name)."""
    for i in range(repo.FREE_FAILURES_PER_IP):
        with db.session_scope(clinic["url"]) as s:
            repo.authenticate(s, f"user{i}", "wrong password!!", ip="10.9.9.9")
    with pytest.raises(RateLimited), db.session_scope(clinic["url"]) as s:
        repo.authenticate(s, "dr.b", PW_B, ip="10.9.9.9")
    with db.session_scope(clinic["url"]) as s:
        assert repo.authenticate(s, "dr.b", PW_B, ip="10.9.9.10") is not None


def test_progressive_delay_values():
    free = repo.FREE_FAILURES_PER_CLIENT
    assert repo.progressive_delay(free - 1, free) == dt.timedelta(0)
    assert repo.progressive_delay(free, free) == repo.LOGIN_BASE_DELAY
    assert repo.progressive_delay(free + 1, free) == 2 * repo.LOGIN_BASE_DELAY
    assert repo.progressive_delay(free + 1000, free) == repo.LOGIN_MAX_DELAY


def test_clinician_sees_only_own_patients(clinic):
    with db.session_scope(clinic["url"]) as s:
        a = _account(s, clinic["a"])
        assert repo.get_person_for(s, a, clinic["pa"]).code == "pat-a"
        assert [p.code for p in repo.patients_of(s, a)] == ["pat-a"]
        with pytest.raises(Forbidden):
            repo.get_person_for(s, a, clinic["pb"])  # another clinician's patient
        with pytest.raises(NotFound):
            repo.get_person_for(s, a, 999_999)  # guessing ids
        with pytest.raises(NotFound):
            repo.get_person_for(s, a, "1 OR 1=1")
        # every probe is an AccessError, so the web layer can answer 404 for all of them
        for pid in range(1, 50):
            if pid != clinic["pa"]:
                with pytest.raises(AccessError):
                    repo.get_person_for(s, a, pid)


def test_patient_sees_only_self_and_anonymous_nothing(clinic):
    with db.session_scope(clinic["url"]) as s:
        patient = _account(s, clinic["patient"])
        assert repo.get_person_for(s, patient, clinic["pa"]).id == clinic["pa"]
        with pytest.raises(Forbidden):
            repo.get_person_for(s, patient, clinic["pb"])
        with pytest.raises(Forbidden):
            repo.get_person_for(s, None, clinic["pa"])
        assert not repo.can_access(s, None, s.get(type(patient.person), clinic["pa"]))


def test_disabled_account_sees_nothing(clinic):
    with db.session_scope(clinic["url"]) as s:
        a = _account(s, clinic["a"])
        a.is_active = False
        with pytest.raises(Forbidden):
            repo.get_person_for(s, a, clinic["pa"])
        assert repo.authenticate(s, "dr.a", PW_A) is None


def test_reads_and_refusals_are_audited(clinic):
    with db.session_scope(clinic["url"]) as s:
        repo.get_person_for(s, _account(s, clinic["a"]), clinic["pa"])
    with pytest.raises(Forbidden) as err, db.session_scope(clinic["url"]) as s:
        repo.get_person_for(s, _account(s, clinic["a"]), clinic["pb"], ip="192.0.2.1")
    with db.session_scope(clinic["url"]) as s:
        repo.record_denial(s, err.value)
    with db.session_scope(clinic["url"]) as s:
        rows = list(
            s.scalars(
                select(AuditLog).where(AuditLog.action.in_(["read", "read-denied"])).order_by(AuditLog.id)
            )
        )
    assert [(r.actor, r.action, r.record_id, r.ip) for r in rows] == [
        ("clinician:dr.a", "read", str(clinic["pa"]), None),
        ("clinician:dr.a", "read-denied", str(clinic["pb"]), "192.0.2.1"),
    ]


def test_auth_sessions(clinic):
    with db.session_scope(clinic["url"]) as s:
        token, row = repo.create_auth_session(s, _account(s, clinic["a"]))
        assert row.token_hash != token and len(row.csrf_token) >= 32
    with db.session_scope(clinic["url"]) as s:
        assert token not in [r.token_hash for r in s.scalars(select(AuthSession))]
        live = repo.session_for_token(s, token)
        assert live is not None and live.account.username == "dr.a"
        assert repo.session_for_token(s, token + "x") is None
        assert repo.session_for_token(s, None) is None
        repo.end_auth_session(s, token)
    with db.session_scope(clinic["url"]) as s:
        assert repo.session_for_token(s, token) is None
        expired, _ = repo.create_auth_session(s, _account(s, clinic["b"]), ttl=dt.timedelta(seconds=-1))
        assert repo.session_for_token(s, expired) is None


def test_password_change_ends_sessions(clinic):
    with db.session_scope(clinic["url"]) as s:
        token, _ = repo.create_auth_session(s, _account(s, clinic["a"]))
        repo.set_password(s, _account(s, clinic["a"]), "a brand new password")
    with db.session_scope(clinic["url"]) as s:
        assert repo.session_for_token(s, token) is None
        assert repo.authenticate(s, "dr.a", "a brand new password") is not None


def test_account_rules(db_url):
    with db.session_scope(db_url) as s:
        with pytest.raises(ValidationError):
            repo.create_account(s, "p", PW_A, "patient")  # bad name
        with pytest.raises(ValidationError):
            repo.create_account(s, "patient1", PW_A, "patient")  # a patient needs a person
        with pytest.raises(ValidationError) as err:
            repo.create_account(s, "admin1", PW_A, "clinican")
        assert err.value.suggestion == "clinician"
        repo.create_account(s, "doc1", PW_A, "clinician")
        with pytest.raises(ValidationError):
            repo.create_account(s, "DOC1", PW_A, "clinician")  # taken (case-insensitive)


def test_account_cli(db_url):
    from typer.testing import CliRunner

    from triggermap.store.cli import account_app, app

    runner = CliRunner()
    r = runner.invoke(
        account_app, ["add", "-u", "dr.c", "--role", "clinician", "--password-stdin"], input=PW_A + "\n"
    )
    assert r.exit_code == 0, r.stderr
    r = runner.invoke(
        account_app,
        ["add", "-u", "pat.c", "--role", "patient", "-p", "pc", "--password-stdin"],
        input=PW_B + "\n",
    )
    assert r.exit_code == 0, r.stderr
    assert runner.invoke(account_app, ["assign", "--clinician", "dr.c", "--person", "pc"]).exit_code == 0
    r = runner.invoke(account_app, ["list"])
    assert "dr.c\tclinician" in r.stdout and PW_A not in r.stdout + r.stderr
    r = runner.invoke(
        account_app, ["add", "-u", "x.y", "--role", "clinician", "--password-stdin"], input="short\n"
    )
    assert r.exit_code == 2 and "short" not in r.stderr
    assert runner.invoke(app, ["persons"]).stdout.split() == ["pc"]
    # assign and unassign accept only a clinician's account, and say so the same way
    for command in ("assign", "unassign"):
        for name in ("pat.c", "nobody"):
            r = runner.invoke(account_app, [command, "--clinician", name, "--person", "pc"])
            assert r.exit_code == 2, (command, name, r.stdout)
            assert f"no such clinician account ({name!r})" in r.stderr, (command, name, r.stderr)


def test_account_lifecycle_cli(clinic):
    """Issue 13: `triggermap account` can disable, enable, reset a password, unassign and delete
    (the audit trail is kept), and refuses a second account for one person."""
    from typer.testing import CliRunner

    from triggermap.store.cli import account_app

    url = clinic["url"]
    runner = CliRunner()

    def run(*args, input=None):
        return runner.invoke(account_app, [*args, "--db", url], input=input)

    def live_sessions(account_id):
        with db.session_scope(url, readonly=True) as s:
            return len(list(s.scalars(select(AuthSession).where(AuthSession.account_id == account_id))))

    def new_session(account_id):
        with db.session_scope(url) as s:
            return repo.create_auth_session(s, _account(s, account_id))[0]

    def can_log_in(username, password):
        with db.session_scope(url) as s:
            return repo.authenticate(s, username, password, ip=f"10.7.0.{len(username)}") is not None

    token = new_session(clinic["patient"])
    r = run("disable", "-u", "PACIENTE")
    assert r.exit_code == 0 and "disabled account paciente" in r.stdout
    assert live_sessions(clinic["patient"]) == 0
    with db.session_scope(url) as s:
        assert repo.session_for_token(s, token) is None
    assert not can_log_in("paciente", PW_P)
    assert "paciente\tpatient\tpat-a\tdisabled" in run("list").stdout
    assert run("enable", "-u", "paciente").exit_code == 0
    assert can_log_in("paciente", PW_P)

    new_session(clinic["patient"])
    r = run("reset-password", "-u", "paciente", "--password-stdin", input="a brand new password\n")
    assert r.exit_code == 0, r.stderr
    assert "a brand new password" not in r.stdout + r.stderr
    assert live_sessions(clinic["patient"]) == 0
    assert not can_log_in("paciente", PW_P) and can_log_in("paciente", "a brand new password")
    assert run("reset-password", "-u", "nobody", "--password-stdin", input="x" * 12 + "\n").exit_code == 2

    r = run("unassign", "--clinician", "dr.a", "--person", "pat-a")
    assert r.exit_code == 0, r.stderr
    with db.session_scope(url) as s:
        assert not repo.can_access(s, _account(s, clinic["a"]), s.get(repo.Person, clinic["pa"]))
        audit = s.scalars(select(AuditLog).where(AuditLog.action == "unassign")).one()
        assert (audit.actor.startswith("cli:"), audit.record_type, audit.record_id, audit.person_id,
                audit.detail) == (True, "person", str(clinic["pa"]), clinic["pa"], {"clinician": "dr.a"})

    # one account per person
    r = run("add", "-u", "second", "--role", "patient", "-p", "pat-a", "--password-stdin", input=PW_B + "\n")
    assert r.exit_code == 2 and "already has an account (paciente)" in r.stderr

    assert run("delete", "-u", "paciente", input="n\n").exit_code == 1  # asks first
    r = run("delete", "-u", "paciente", "--yes")
    assert r.exit_code == 0 and "deleted account paciente" in r.stdout
    with db.session_scope(url, readonly=True) as s:
        assert s.get(Account, clinic["patient"]) is None
        assert s.get(repo.Person, clinic["pa"]) is not None  # the diary stays
        rows = list(s.scalars(select(AuditLog).where(AuditLog.account_id == clinic["patient"])))
        assert [r.action for r in rows if r.action == "login"]  # the account's own trail is kept
        last = repo.list_audit(s, limit=1)[0]
        assert (last.action, last.record_id, last.detail["username"]) == ("delete", str(clinic["patient"]),
                                                                          "paciente")
    # now the person may have a (new) account again
    r = run("add", "-u", "second", "--role", "patient", "-p", "pat-a", "--password-stdin", input=PW_B + "\n")
    assert r.exit_code == 0, r.stderr


def test_account_admin_cli(db_url):
    """`triggermap account add --admin` and `account admin [--revoke]` set ``account.is_admin``
    (audited); `account list` shows it; an unknown name exits 2 naming the field."""
    from typer.testing import CliRunner

    from triggermap.store.cli import account_app

    runner = CliRunner()

    def is_admin(name):
        with db.session_scope(db_url, readonly=True) as s:
            return repo.get_account(s, name).is_admin

    r = runner.invoke(account_app, ["add", "-u", "boss", "--role", "clinician", "--admin", "--password-stdin"],
                      input=PW_A + "\n")
    assert r.exit_code == 0, r.stderr
    r = runner.invoke(account_app, ["add", "-u", "dr.d", "--role", "clinician", "--password-stdin"],
                      input=PW_B + "\n")
    assert r.exit_code == 0, r.stderr
    assert is_admin("boss") and not is_admin("dr.d")
    lines = runner.invoke(account_app, ["list"]).stdout.splitlines()
    assert [ln.endswith("\tadmin") for ln in lines] == [True, False]
    r = runner.invoke(account_app, ["admin", "-u", "DR.D"])
    assert r.exit_code == 0 and "dr.d is now an administrator" in r.stdout
    assert is_admin("dr.d")
    r = runner.invoke(account_app, ["admin", "-u", "boss", "--revoke"])
    assert r.exit_code == 0 and not is_admin("boss")
    r = runner.invoke(account_app, ["admin", "-u", "nobody"])
    assert r.exit_code == 2 and "username" in r.stderr
    with db.session_scope(db_url, readonly=True) as s:
        actions = [a.action for a in repo.list_audit(s) if a.action.endswith("-admin")]
    assert sorted(actions) == ["grant-admin", "grant-admin", "revoke-admin"]
