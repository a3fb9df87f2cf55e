"""Shipments an ERP or warehouse posts to the hub, each becoming a Shopify fulfillment."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, IdMixin, TenantMixin, TimestampMixin, one_of
from .orders import Order, OrderLine
from .types import IdType


class ShipmentStatus(StrEnum):
    PENDING = "pending"  # posted, not yet in Shopify
    FULFILLED = "fulfilled"  # a Shopify fulfillment exists for it
    FAILED = "failed"


class Shipment(IdMixin, TenantMixin, TimestampMixin, Base):
    __tablename__ = "shipments"
    __table_args__ = (
        # The sender's own id: posting the same shipment again never fulfils twice.
        UniqueConstraint("tenant_id", "external_id"),
        CheckConstraint(one_of("status", tuple(ShipmentStatus)), name="status"),
    )

    order_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("orders.id", ondelete="CASCADE"), index=True
    )
    external_id: Mapped[str] = mapped_column(String(255))
    carrier: Mapped[str | None] = mapped_column(String(255))
    # [{"number": "1Z...", "url": "https://..."}]
    tracking: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    notify_customer: Mapped[bool | None]
    status: Mapped[str] = mapped_column(String(16), default=ShipmentStatus.PENDING)
    error_code: Mapped[str | None] = mapped_column(String(64))
    error_message: Mapped[str | None] = mapped_column(Text)
    # Set (and committed) just before fulfillmentCreate is sent, as for order export.
    attempted_at: Mapped[datetime | None]
    shopify_fulfillment_gid: Mapped[str | None] = mapped_column(String(255))
    fulfilled_at: Mapped[datetime | None]

    order: Mapped[Order] = relationship()
    lines: Mapped[list[ShipmentLine]] = relationship(
        back_populates="shipment", cascade="all, delete-orphan", passive_deletes=True
    )


class ShipmentLine(IdMixin, TenantMixin, Base):
    __tablename__ = "shipment_lines"

    shipment_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("shipments.id", ondelete="CASCADE"), index=True
    )
    order_line_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("order_lines.id", ondelete="CASCADE"), index=True
    )
    quantity: Mapped[int]

    shipment: Mapped[Shipment] = relationship(back_populates="lines")
    order_line: Mapped[OrderLine] = relationship()
