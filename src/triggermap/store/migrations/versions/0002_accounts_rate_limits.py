"""One account per person; the ``rate_hit`` table (per-client limits shared by every server).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02

Before this revision two patient accounts could share one person's diary. The upgrade keeps
the oldest account of each person and deletes the others (their sessions go with them); each
deletion is written to the audit log, which keeps the user name, so it can be followed up
(``triggermap account add`` gives that person a diary of their own).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def _resolve_shared_persons() -> None:
    bind = op.get_bind()
    account = sa.table(
        "account",
        sa.column("id", sa.Integer),
        sa.column("username", sa.String),
        sa.column("role", sa.String),
        sa.column("person_id", sa.Integer),
    )
    audit = sa.table(
        "audit_log",
        sa.column("at", TS),
        sa.column("actor", sa.String),
        sa.column("account_id", sa.Integer),
        sa.column("action", sa.String),
        sa.column("record_type", sa.String),
        sa.column("record_id", sa.String),
        sa.column("person_id", sa.Integer),
        sa.column("ip", sa.String),
        sa.column("detail", sa.JSON().with_variant(postgresql.JSONB(), "postgresql")),
    )
    rows = bind.execute(
        sa.select(account.c.id, account.c.username, account.c.role, account.c.person_id)
        .where(account.c.person_id.is_not(None))
        .order_by(account.c.person_id, account.c.id)
    ).all()
    seen: set[int] = set()
    now = dt.datetime.now(dt.UTC)
    if bind.dialect.name == "sqlite":
        now = now.replace(tzinfo=None)
    for account_id, username, role, person_id in rows:
        if person_id not in seen:
            seen.add(person_id)
            continue
        bind.execute(sa.text("DELETE FROM auth_session WHERE account_id = :a"), {"a": account_id})
        bind.execute(sa.text("DELETE FROM clinician_patient WHERE clinician_id = :a"), {"a": account_id})
        bind.execute(account.delete().where(account.c.id == account_id))
        bind.execute(
            audit.insert().values(
                at=now,
                actor="migration:0002",
                account_id=None,
                action="delete",
                record_type="account",
                record_id=str(account_id),
                person_id=person_id,
                ip=None,
                detail={"username": username, "role": role,
                        "why": "a second account of one person (one account per person)"},
            )
        )


def upgrade() -> None:
    _resolve_shared_persons()
    op.drop_index("ix_account_person_id", table_name="account")
    op.create_index("ix_account_person_id", "account", ["person_id"], unique=True)
    op.create_table(
        "rate_hit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bucket", sa.String(32), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_rate_hit"),
    )
    op.create_index("ix_rate_hit_bucket_key_at", "rate_hit", ["bucket", "key", "at"])


def downgrade() -> None:
    op.drop_table("rate_hit")
    op.drop_index("ix_account_person_id", table_name="account")
    op.create_index("ix_account_person_id", "account", ["person_id"])
