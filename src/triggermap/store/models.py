"""SQLAlchemy 2 models of the diary and clinic records.

The schema is created and changed only by the Alembic scripts in ``migrations/``; these
models must match them (a test compares the two).

Decisions
---------
* One diary entry per person and date (``UNIQUE (person_id, entry_date)``): the diary
  asks "how was your pain on this day?". Adding a second entry for a date is an error
  unless the caller asks to replace it (``replace=True``, CLI ``--replace``), so an
  acknowledged entry is never overwritten by accident, by a retry or by another process.
* Regions and done plan items are child tables, not JSON, so "how often did each region
  hurt" and adherence are plain SQL on both backends.
* Times are stored in UTC and returned timezone-aware.
* Audit rows keep the actor's name and ids without foreign keys: they outlive the
  accounts and records they mention.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from ..vocabulary import INTENSITY_MAX, INTENSITY_MIN

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ROLES = ("clinician", "patient")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored as UTC and always returned timezone-aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass a timezone-aware value")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


JSONDoc = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Person(Base):
    """Someone whose pain is recorded. Pseudonymous: ``code`` is all that identifies them
    unless a clinic chooses to store a display name."""

    __tablename__ = "person"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(200))
    lang: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    entries: Mapped[list[DiaryEntry]] = relationship(
        back_populates="person", cascade="all, delete-orphan", passive_deletes=True
    )
    assessments: Mapped[list[Assessment]] = relationship(
        back_populates="person", cascade="all, delete-orphan", passive_deletes=True
    )
    plans: Mapped[list[Plan]] = relationship(
        back_populates="person", cascade="all, delete-orphan", passive_deletes=True
    )
    examinations: Mapped[list[Examination]] = relationship(
        back_populates="person", cascade="all, delete-orphan", passive_deletes=True
    )

    def __repr__(self) -> str:
        return f"Person(id={self.id!r}, code={self.code!r})"


class Account(Base):
    """A log-in for clinic mode. The password is stored only as an argon2 hash."""

    __tablename__ = "account"
    __table_args__ = (
        CheckConstraint("role IN ('clinician', 'patient')", name="role"),
        CheckConstraint("role <> 'patient' OR person_id IS NOT NULL", name="patient_has_person"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(150), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    # one account per person: two patient accounts never share one person's diary
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), index=True, unique=True
    )
    is_active: Mapped[bool] = mapped_column(default=True)
    #: may manage the clinic's accounts on the web (``/accounts``); revision 0005
    is_admin: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    password_changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    person: Mapped[Person | None] = relationship()

    def __repr__(self) -> str:  # never shows the hash
        return f"Account(id={self.id!r}, username={self.username!r}, role={self.role!r})"


class ClinicianPatient(Base):
    """Which clinician looks after which person: a clinician sees only these people."""

    __tablename__ = "clinician_patient"

    clinician_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Assessment(Base):
    """One assessment exactly as it was given: the intake, the result document, the
    knowledge-base version and language that produced it, so it can be shown as it was."""

    __tablename__ = "assessment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    intake: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    result: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    #: the language-neutral assessment (``triggermap.Assessment.to_json``); None before revision 0003
    neutral: Mapped[dict[str, Any] | None] = mapped_column(JSONDoc, nullable=True)
    kb_version: Mapped[str] = mapped_column(String(64))
    lang: Mapped[str] = mapped_column(String(8), default="en")
    triage_level: Mapped[str | None] = mapped_column(String(32))

    person: Mapped[Person] = relationship(back_populates="assessments")


class Examination(Base):
    """A clinician's examination of a person: the intake it was assessed from (the drawing it
    started from plus the findings, palpation and answers "asked, no"), the result document
    as shown, and the language-neutral assessment so it reads in any reader's language."""

    __tablename__ = "examination"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    #: the examining clinician (None once the account is deleted; ``clinician_name`` stays)
    clinician_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    clinician_name: Mapped[str] = mapped_column(String(150))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    intake: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    result: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    neutral: Mapped[dict[str, Any] | None] = mapped_column(JSONDoc, nullable=True)
    kb_version: Mapped[str] = mapped_column(String(64))
    lang: Mapped[str] = mapped_column(String(8), default="en")
    triage_level: Mapped[str | None] = mapped_column(String(32))

    person: Mapped[Person] = relationship(back_populates="examinations")


class Plan(Base):
    """A self-care plan; the newest one is the person's current plan."""

    __tablename__ = "plan"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    assessment_id: Mapped[int | None] = mapped_column(ForeignKey("assessment.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    lang: Mapped[str] = mapped_column(String(8), default="en")

    person: Mapped[Person] = relationship(back_populates="plans")
    items: Mapped[list[PlanItem]] = relationship(
        back_populates="plan",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="PlanItem.position",
    )


class PlanItem(Base):
    """One item of a plan: an exercise id plus the item as shown (title, dose, cautions)."""

    __tablename__ = "plan_item"
    __table_args__ = (UniqueConstraint("plan_id", "item_id", name="uq_plan_item_plan_item"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    item_id: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str | None] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)

    plan: Mapped[Plan] = relationship(back_populates="items")


class DiaryEntry(Base):
    """How the pain was on one day: 0-10, where, which plan items were done, a note."""

    __tablename__ = "diary_entry"
    __table_args__ = (
        UniqueConstraint("person_id", "entry_date", name="uq_diary_entry_person_date"),
        CheckConstraint(f"pain >= {INTENSITY_MIN} AND pain <= {INTENSITY_MAX}", name="pain_range"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    entry_date: Mapped[dt.date] = mapped_column(Date)
    pain: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    person: Mapped[Person] = relationship(back_populates="entries")
    regions: Mapped[list[DiaryRegion]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="DiaryRegion.id"
    )
    done: Mapped[list[DiaryDone]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="DiaryDone.id"
    )


class DiaryRegion(Base):
    __tablename__ = "diary_region"
    __table_args__ = (
        UniqueConstraint("entry_id", "region", "side", name="uq_diary_region_entry_region_side"),
        CheckConstraint("side IS NULL OR side IN ('left', 'right', 'both')", name="side"),
        Index("ix_diary_region_region", "region"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("diary_entry.id", ondelete="CASCADE"), index=True)
    region: Mapped[str] = mapped_column(String(100))
    side: Mapped[str | None] = mapped_column(String(8))


class DiaryDone(Base):
    __tablename__ = "diary_done"
    __table_args__ = (UniqueConstraint("entry_id", "item_id", name="uq_diary_done_entry_item"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("diary_entry.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[str] = mapped_column(String(100))


class AuditLog(Base):
    """Who read or changed which record, when. Append-only."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_at", "at"),
        Index("ix_audit_log_person_id", "person_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor: Mapped[str] = mapped_column(String(200))
    account_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(32))
    record_type: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[str | None] = mapped_column(String(64))
    person_id: Mapped[int | None] = mapped_column(Integer)
    ip: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSONDoc)


class LoginAttempt(Base):
    """Log-in attempts, kept in the database so the rate limit holds across app processes."""

    __tablename__ = "login_attempt"
    __table_args__ = (
        Index("ix_login_attempt_username_at", "username", "at"),
        Index("ix_login_attempt_ip_at", "ip", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    username: Mapped[str] = mapped_column(String(150))
    ip: Mapped[str | None] = mapped_column(String(64))
    success: Mapped[bool] = mapped_column(default=False)


class RateHit(Base):
    """One use of a rate-limited endpoint (the PDF handout) by one client, kept in the
    database so that every app process and server counts the same uses."""

    __tablename__ = "rate_hit"
    __table_args__ = (Index("ix_rate_hit_bucket_key_at", "bucket", "key", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bucket: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(200))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AuthSession(Base):
    """A server-side log-in session. Only the SHA-256 of the cookie token is stored, so a
    copy of the database cannot be used to log in; logging out deletes the row in every
    app process at once."""

    __tablename__ = "auth_session"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    csrf_token: Mapped[str] = mapped_column(String(64))

    account: Mapped[Account] = relationship()


# tables in an order where every parent comes before its children (backup / restore)
TABLE_ORDER = [
    "person",
    "account",
    "clinician_patient",
    "assessment",
    "examination",
    "plan",
    "plan_item",
    "diary_entry",
    "diary_region",
    "diary_done",
    "audit_log",
    "login_attempt",
    "auth_session",
    "rate_hit",
]
