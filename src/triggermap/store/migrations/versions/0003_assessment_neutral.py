"""The language-neutral assessment beside the document it was shown as.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02

``assessment.neutral`` keeps :meth:`triggermap.Assessment.to_json` of a saved result (ids, scores
and phrases, no words), so the result reads in the reader's language with the scores it had
when it was saved. Rows saved before this revision have none; they are shown as before (their
answers assessed again in the reader's language when that gives the same result).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("assessment") as batch:
        batch.add_column(sa.Column("neutral", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("assessment") as batch:
        batch.drop_column("neutral")
