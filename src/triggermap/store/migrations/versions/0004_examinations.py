"""Clinicians' examinations of their patients.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02

``examination`` keeps what a clinician examined (the intake the result was assessed from: the
patient's drawing plus findings, palpation and answers "asked, no"), the result document as it
was shown, and the language-neutral assessment (``triggermap.Assessment.to_json``), so that a
saved examination reads in the reader's language with the scores it had when it was saved.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "examination",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("clinician_id", sa.Integer(), nullable=True),
        sa.Column("clinician_name", sa.String(150), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("intake", _json(), nullable=False),
        sa.Column("result", _json(), nullable=False),
        sa.Column("neutral", _json(), nullable=True),
        sa.Column("kb_version", sa.String(64), nullable=False),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("triage_level", sa.String(32), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name="fk_examination_person_id_person", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["clinician_id"], ["account.id"], name="fk_examination_clinician_id_account", ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_examination"),
    )
    op.create_index("ix_examination_person_id", "examination", ["person_id"])


def downgrade() -> None:
    op.drop_index("ix_examination_person_id", table_name="examination")
    op.drop_table("examination")
