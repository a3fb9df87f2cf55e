"""Alert events: what people must hear about (a failed order export), waiting to be sent."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, IdMixin, TenantMixin
from .types import IdType, utcnow


class AlertEvent(IdMixin, TenantMixin, Base):
    __tablename__ = "alert_events"
    __table_args__ = (Index(None, "tenant_id", "notified_at"),)

    # What happened, e.g. "order_export_failed"; e-mails are grouped by kind and code.
    kind: Mapped[str] = mapped_column(String(32))
    code: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(255))
    message: Mapped[str] = mapped_column(Text)
    order_id: Mapped[int | None] = mapped_column(IdType)
    run_id: Mapped[int | None] = mapped_column(IdType)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set when the notifier sent it (alone or in a grouped e-mail).
    notified_at: Mapped[datetime | None]


class DigestState(Base):
    """The day (UTC) each tenant's daily digest last went out, so it is sent once a day."""

    __tablename__ = "digest_state"

    tenant_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True
    )
    sent_on: Mapped[date]
    sent_at: Mapped[datetime]
