"""``account.is_admin``: who may manage the clinic's accounts on the web (``/accounts``).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02

Existing accounts are not administrators; ``triggermap account admin --username NAME`` makes one.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("account") as batch:
        batch.add_column(sa.Column("is_admin", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("account") as batch:
        batch.drop_column("is_admin")
