"""What the runtime keeps in the database: jobs, run leases, schedule state and the webhook inbox.

They live in the hub's database (and its Alembic history) so that one backup holds everything,
and so that every worker on every machine sees the same queue state, locks and inbox.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Index,
    LargeBinary,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from wholesync.hub.models.base import Base, IdMixin, TenantMixin, one_of
from wholesync.hub.models.types import utcnow


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    RETRYING = "retrying"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


class InboxStatus(StrEnum):
    RECEIVED = "received"
    PROCESSING = "processing"
    PROCESSED = "processed"
    IGNORED = "ignored"
    FAILED = "failed"


# A request for a (tenant, flow) joins a job that is still waiting to start.
WAITING = (JobStatus.QUEUED, JobStatus.RETRYING)
_WAITING_SQL = "status IN ('queued', 'retrying')"


class Job(IdMixin, TenantMixin, Base):
    """One requested flow run, from the request until it finished or gave up."""

    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint(one_of("status", tuple(JobStatus)), name="status"),
        # At most one waiting job per (tenant, flow, preview): a second request joins it.
        Index(
            "uq_jobs_waiting",
            "tenant_id",
            "flow",
            "preview",
            unique=True,
            sqlite_where=text(_WAITING_SQL),
            postgresql_where=text(_WAITING_SQL),
        ),
        Index(None, "status", "created_at"),
    )

    # A flow name (products, customers, inventory, ...) or "webhooks" for inbox processing.
    flow: Mapped[str] = mapped_column(String(32))
    full: Mapped[bool] = mapped_column(default=False)
    # A dry run: the flow records what it would change and writes nothing else.
    preview: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Who asked: manual, schedule, webhook, connect, sweep.
    trigger: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=JobStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=5)
    # Not to start before this moment (a retry's backoff).
    not_before: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)
    # The last sync run this job made (no foreign key: runs may be pruned on their own).
    run_id: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class RunLease(Base):
    """Who runs a (tenant, flow) now. A lease expires unless renewed, so a killed worker's run
    is taken over instead of blocking the flow forever."""

    __tablename__ = "run_leases"
    __table_args__ = (PrimaryKeyConstraint("tenant_id", "flow"),)

    tenant_id: Mapped[int]
    flow: Mapped[str] = mapped_column(String(32))
    holder: Mapped[str] = mapped_column(String(64))
    acquired_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


class ScheduleState(Base):
    """When each (tenant, flow) is next due. Advancing it is a compare-and-set, so one due run
    is enqueued once however many schedulers tick."""

    __tablename__ = "schedule_state"
    __table_args__ = (PrimaryKeyConstraint("tenant_id", "flow"),)

    tenant_id: Mapped[int]
    flow: Mapped[str] = mapped_column(String(32))
    # The expression next_due_at was computed from; a changed schedule is recomputed.
    cron: Mapped[str] = mapped_column(String(100))
    next_due_at: Mapped[datetime]


class InboxEntry(IdMixin, TenantMixin, Base):
    """One webhook delivery, stored (raw body and all) before Shopify gets its 200."""

    __tablename__ = "webhook_inbox"
    __table_args__ = (
        UniqueConstraint("webhook_id"),
        CheckConstraint(one_of("status", tuple(InboxStatus)), name="status"),
        Index(None, "status", "received_at"),
        Index(None, "tenant_id", "status"),
    )

    webhook_id: Mapped[str] = mapped_column(String(64))
    topic: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[str | None] = mapped_column(String(64))
    triggered_at: Mapped[datetime | None]
    api_version: Mapped[str | None] = mapped_column(String(16))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(16), default=InboxStatus.RECEIVED)
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    processed_at: Mapped[datetime | None]
