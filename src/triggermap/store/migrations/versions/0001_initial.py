"""Initial schema: persons, accounts, assessments, plans, diary, audit log, log-in records.

Revision ID: 0001
Revises:
Create Date: 2026-11-21

Self-contained on purpose (no import of ``triggermap.store.models``): a migration must keep
describing the schema of its day after the models move on.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "person",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=True),
        sa.Column("lang", sa.String(8), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_person"),
        sa.UniqueConstraint("code", name="uq_person_code"),
    )
    op.create_table(
        "account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(150), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("password_changed_at", TS, nullable=False),
        sa.CheckConstraint("role IN ('clinician', 'patient')", name="ck_account_role"),
        sa.CheckConstraint(
            "role <> 'patient' OR person_id IS NOT NULL", name="ck_account_patient_has_person"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name="fk_account_person_id_person", ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_account"),
        sa.UniqueConstraint("username", name="uq_account_username"),
    )
    op.create_index("ix_account_person_id", "account", ["person_id"])
    op.create_table(
        "clinician_patient",
        sa.Column("clinician_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["clinician_id"],
            ["account.id"],
            name="fk_clinician_patient_clinician_id_account",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name="fk_clinician_patient_person_id_person", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("clinician_id", "person_id", name="pk_clinician_patient"),
    )
    op.create_index("ix_clinician_patient_person_id", "clinician_patient", ["person_id"])
    op.create_table(
        "assessment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("intake", _json(), nullable=False),
        sa.Column("result", _json(), nullable=False),
        sa.Column("kb_version", sa.String(64), nullable=False),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("triage_level", sa.String(32), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name="fk_assessment_person_id_person", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_assessment"),
    )
    op.create_index("ix_assessment_person_id", "assessment", ["person_id"])
    op.create_table(
        "plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"], ["assessment.id"], name="fk_plan_assessment_id_assessment", ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name="fk_plan_person_id_person", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_plan"),
    )
    op.create_index("ix_plan_person_id", "plan", ["person_id"])
    op.create_table(
        "plan_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(32), nullable=True),
        sa.Column("data", _json(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plan.id"], name="fk_plan_item_plan_id_plan", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_plan_item"),
        sa.UniqueConstraint("plan_id", "item_id", name="uq_plan_item_plan_item"),
    )
    op.create_index("ix_plan_item_plan_id", "plan_item", ["plan_id"])
    op.create_table(
        "diary_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("entry_date", sa.Date(), nullable=False),
        sa.Column("pain", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.CheckConstraint("pain >= 0 AND pain <= 10", name="ck_diary_entry_pain_range"),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name="fk_diary_entry_person_id_person", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_diary_entry"),
        sa.UniqueConstraint("person_id", "entry_date", name="uq_diary_entry_person_date"),
    )
    op.create_table(
        "diary_region",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("region", sa.String(100), nullable=False),
        sa.Column("side", sa.String(8), nullable=True),
        sa.CheckConstraint("side IS NULL OR side IN ('left', 'right', 'both')", name="ck_diary_region_side"),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["diary_entry.id"], name="fk_diary_region_entry_id_diary_entry", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_diary_region"),
        sa.UniqueConstraint("entry_id", "region", "side", name="uq_diary_region_entry_region_side"),
    )
    op.create_index("ix_diary_region_entry_id", "diary_region", ["entry_id"])
    op.create_index("ix_diary_region_region", "diary_region", ["region"])
    op.create_table(
        "diary_done",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.String(100), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["diary_entry.id"], name="fk_diary_done_entry_id_diary_entry", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_diary_done"),
        sa.UniqueConstraint("entry_id", "item_id", name="uq_diary_done_entry_item"),
    )
    op.create_index("ix_diary_done_entry_id", "diary_done", ["entry_id"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("record_type", sa.String(32), nullable=False),
        sa.Column("record_id", sa.String(64), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("ip", sa.String(64), nullable=True),
        sa.Column("detail", _json(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_person_id", "audit_log", ["person_id"])
    op.create_table(
        "login_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("username", sa.String(150), nullable=False),
        sa.Column("ip", sa.String(64), nullable=True),
        sa.Column("success", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_login_attempt"),
    )
    op.create_index("ix_login_attempt_username_at", "login_attempt", ["username", "at"])
    op.create_index("ix_login_attempt_ip_at", "login_attempt", ["ip", "at"])
    op.create_table(
        "auth_session",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name="fk_auth_session_account_id_account", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("token_hash", name="pk_auth_session"),
    )
    op.create_index("ix_auth_session_account_id", "auth_session", ["account_id"])


def downgrade() -> None:
    for table in (
        "auth_session",
        "login_attempt",
        "audit_log",
        "diary_done",
        "diary_region",
        "diary_entry",
        "plan_item",
        "plan",
        "assessment",
        "clinician_patient",
        "account",
        "person",
    ):
        op.drop_table(table)  # its indexes go with it
