"""Jobs can be previews (a dry run by a worker); a waiting preview and a waiting real run of
the same (tenant, flow) are separate jobs.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WAITING = "status IN ('queued', 'retrying')"


def _waiting_index(columns: list[str]) -> None:
    op.create_index(
        "uq_jobs_waiting",
        "jobs",
        columns,
        unique=True,
        sqlite_where=sa.text(WAITING),
        postgresql_where=sa.text(WAITING),
    )


def upgrade() -> None:
    op.add_column(
        "jobs", sa.Column("preview", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.drop_index("uq_jobs_waiting", table_name="jobs")
    _waiting_index(["tenant_id", "flow", "preview"])


def downgrade() -> None:
    op.execute("DELETE FROM jobs WHERE preview")
    op.drop_index("uq_jobs_waiting", table_name="jobs")
    _waiting_index(["tenant_id", "flow"])
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("preview")
