"""Runtime: jobs, run leases, schedule state, the webhook inbox; tenant webhook settings and
what triggered each sync run.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)
WAITING = "status IN ('queued', 'retrying')"


def _tenant(table: str) -> tuple[sa.Column[int], sa.ForeignKeyConstraint]:
    fk = sa.ForeignKeyConstraint(
        ["tenant_id"],
        ["tenants.id"],
        name=op.f(f"fk_{table}_tenant_id_tenants"),
        ondelete="CASCADE",
    )
    return sa.Column("tenant_id", ID, nullable=False), fk


def _check(table: str, column: str, values: Sequence[str]) -> sa.CheckConstraint:
    quoted = ", ".join(f"'{v}'" for v in values)
    return sa.CheckConstraint(f"{column} IN ({quoted})", name=op.f(f"ck_{table}_{column}"))


def upgrade() -> None:
    with op.batch_alter_table("tenants") as batch:
        batch.add_column(sa.Column("previous_secret_env", sa.String(255), nullable=True))
        batch.add_column(sa.Column("callback_url", sa.String(2048), nullable=True))
        batch.add_column(sa.Column("disabled_reason", sa.Text(), nullable=True))
    with op.batch_alter_table("sync_runs") as batch:
        batch.add_column(
            sa.Column("trigger", sa.String(16), nullable=False, server_default="manual")
        )

    op.create_table(
        "jobs",
        sa.Column("id", ID, nullable=False),
        *_tenant("jobs"),
        sa.Column("flow", sa.String(32), nullable=False),
        sa.Column("full", sa.Boolean(), nullable=False),
        sa.Column("trigger", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("not_before", TIMESTAMP, nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("started_at", TIMESTAMP, nullable=True),
        sa.Column("finished_at", TIMESTAMP, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
        _check(
            "jobs", "status", ("queued", "running", "retrying", "succeeded", "failed", "cancelled")
        ),
    )
    op.create_index(op.f("ix_jobs_tenant_id"), "jobs", ["tenant_id"])
    op.create_index(op.f("ix_jobs_status_created_at"), "jobs", ["status", "created_at"])
    op.create_index(
        "uq_jobs_waiting",
        "jobs",
        ["tenant_id", "flow"],
        unique=True,
        sqlite_where=sa.text(WAITING),
        postgresql_where=sa.text(WAITING),
    )

    op.create_table(
        "run_leases",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("flow", sa.String(32), nullable=False),
        sa.Column("holder", sa.String(64), nullable=False),
        sa.Column("acquired_at", TIMESTAMP, nullable=False),
        sa.Column("expires_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "flow", name=op.f("pk_run_leases")),
    )

    op.create_table(
        "schedule_state",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("flow", sa.String(32), nullable=False),
        sa.Column("cron", sa.String(100), nullable=False),
        sa.Column("next_due_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "flow", name=op.f("pk_schedule_state")),
    )

    op.create_table(
        "webhook_inbox",
        sa.Column("id", ID, nullable=False),
        *_tenant("webhook_inbox"),
        sa.Column("webhook_id", sa.String(64), nullable=False),
        sa.Column("topic", sa.String(64), nullable=False),
        sa.Column("event_id", sa.String(64), nullable=True),
        sa.Column("triggered_at", TIMESTAMP, nullable=True),
        sa.Column("api_version", sa.String(16), nullable=True),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("received_at", TIMESTAMP, nullable=False),
        sa.Column("processed_at", TIMESTAMP, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_inbox")),
        sa.UniqueConstraint("webhook_id", name=op.f("uq_webhook_inbox_webhook_id")),
        _check(
            "webhook_inbox", "status", ("received", "processing", "processed", "ignored", "failed")
        ),
    )
    op.create_index(op.f("ix_webhook_inbox_tenant_id"), "webhook_inbox", ["tenant_id"])
    op.create_index(
        op.f("ix_webhook_inbox_status_received_at"), "webhook_inbox", ["status", "received_at"]
    )
    op.create_index(
        op.f("ix_webhook_inbox_tenant_id_status"), "webhook_inbox", ["tenant_id", "status"]
    )


def downgrade() -> None:
    for table in ("webhook_inbox", "schedule_state", "run_leases", "jobs"):
        op.drop_table(table)
    with op.batch_alter_table("sync_runs") as batch:
        batch.drop_column("trigger")
    with op.batch_alter_table("tenants") as batch:
        batch.drop_column("disabled_reason")
        batch.drop_column("callback_url")
        batch.drop_column("previous_secret_env")
