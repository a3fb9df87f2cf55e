"""What the sync layer remembers: external references, runs and per-record outcomes."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, IdMixin, TenantMixin, TimestampMixin, one_of
from .types import IdType, utcnow


class SyncAction(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    ARCHIVE = "archive"
    UNCHANGED = "unchanged"
    REJECT = "reject"


class ExternalRef(IdMixin, TenantMixin, TimestampMixin, Base):
    """Links a hub row (``entity`` + ``hub_id``) to the Shopify object it came from."""

    __tablename__ = "external_refs"
    __table_args__ = (
        UniqueConstraint("tenant_id", "entity", "shopify_gid"),
        Index(None, "tenant_id", "entity", "hub_id"),
    )

    # "product", "variant", "customer", ...: the sync layer names them.
    entity: Mapped[str] = mapped_column(String(32))
    hub_id: Mapped[int] = mapped_column(IdType)
    shopify_gid: Mapped[str] = mapped_column(String(255))
    # Of the mapped record last loaded, so an unchanged record costs no write.
    fingerprint: Mapped[str | None] = mapped_column(String(64))
    # An update older than this one is stale (webhooks arrive out of order).
    shopify_updated_at: Mapped[datetime | None]


class SyncRun(IdMixin, TenantMixin, Base):
    __tablename__ = "sync_runs"
    __table_args__ = (Index(None, "tenant_id", "flow", "started_at"),)

    flow: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    preview: Mapped[bool] = mapped_column(default=False)
    full_sync: Mapped[bool] = mapped_column(default=False)
    # What started it: manual, schedule, webhook, connect, ...
    trigger: Mapped[str] = mapped_column(String(16), default="manual", server_default="manual")
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    api_cost: Mapped[float] = mapped_column(default=0.0)
    duration_s: Mapped[float | None]
    # The high-water mark (e.g. the newest updatedAt seen) the next incremental run starts from.
    cursor: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(Text)

    records: Mapped[list[SyncRecord]] = relationship(
        back_populates="run", cascade="all, delete-orphan", passive_deletes=True
    )


class SyncRecord(IdMixin, TenantMixin, Base):
    __tablename__ = "sync_records"
    __table_args__ = (CheckConstraint(one_of("action", tuple(SyncAction)), name="action"),)

    run_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("sync_runs.id", ondelete="CASCADE"), index=True
    )
    entity: Mapped[str] = mapped_column(String(32))
    # The record's business key (UPC, customer code, ...), when it has one.
    key: Mapped[str | None] = mapped_column(String(255))
    shopify_gid: Mapped[str | None] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(16))
    code: Mapped[str | None] = mapped_column(String(64))
    message: Mapped[str | None] = mapped_column(Text)
    diff: Mapped[dict[str, Any] | None]

    run: Mapped[SyncRun] = relationship(back_populates="records")
