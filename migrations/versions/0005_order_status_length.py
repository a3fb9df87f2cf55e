"""Order statuses up to 32 characters: 'partially_shipped' (17) did not fit in 16, which
PostgreSQL refuses.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
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
    with op.batch_alter_table("orders") as batch:
        batch.alter_column("status", existing_type=sa.String(length=16), type_=sa.String(length=32))


def downgrade() -> None:
    op.execute("UPDATE orders SET status = 'processed' WHERE status = 'partially_shipped'")
    with op.batch_alter_table("orders") as batch:
        batch.alter_column("status", existing_type=sa.String(length=32), type_=sa.String(length=16))
