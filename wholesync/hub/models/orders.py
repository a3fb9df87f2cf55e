"""Wholesale orders and their lines, from draft to Shopify, and online orders brought in."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, IdMixin, TenantMixin, TimestampMixin, one_of
from .catalog import Variant
from .customers import Buyer, Customer
from .types import IdType


class OrderStatus(StrEnum):
    DRAFT = "draft"
    PENDING = "pending"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    PROCESSED = "processed"
    FAILED = "failed"
    PARTIALLY_SHIPPED = "partially_shipped"
    SHIPPED = "shipped"
    CANCELLED = "cancelled"


class OrderOrigin(StrEnum):
    HUB = "hub"  # a wholesale order taken in the hub, exported to Shopify
    SHOPIFY = "shopify"  # an online order brought in from Shopify


class ErpStatus(StrEnum):
    PENDING = "pending"
    IMPORTED = "imported"
    FAILED = "failed"


class Order(IdMixin, TenantMixin, TimestampMixin, Base):
    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number"),
        UniqueConstraint("tenant_id", "export_key"),
        Index(None, "tenant_id", "status"),
        Index(None, "tenant_id", "shopify_order_gid"),
        Index(None, "tenant_id", "origin", "erp_status"),
        CheckConstraint(one_of("status", tuple(OrderStatus)), name="status"),
        CheckConstraint(one_of("origin", tuple(OrderOrigin)), name="origin"),
        CheckConstraint(
            f"erp_status IS NULL OR {one_of('erp_status', tuple(ErpStatus))}", name="erp_status"
        ),
    )

    number: Mapped[str] = mapped_column(String(64))
    origin: Mapped[str] = mapped_column(String(16), default=OrderOrigin.HUB)
    status: Mapped[str] = mapped_column(String(32), default=OrderStatus.DRAFT)
    customer_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("customers.id", ondelete="SET NULL"), index=True
    )
    buyer_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("buyers.id", ondelete="SET NULL"), index=True
    )
    # A draft may name a customer the hub does not know yet; it is linked before submitting.
    new_customer_company: Mapped[str | None] = mapped_column(String(255))
    new_customer_name: Mapped[str | None] = mapped_column(String(255))
    new_customer_email: Mapped[str | None] = mapped_column(String(320))
    po_number: Mapped[str | None] = mapped_column(String(100))
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    ship_start: Mapped[date | None]
    ship_complete: Mapped[date | None]
    payment_terms: Mapped[str | None] = mapped_column(String(100))
    shipping_method: Mapped[str | None] = mapped_column(String(100))
    notes: Mapped[str | None] = mapped_column(Text)
    sales_rep: Mapped[str | None] = mapped_column(String(255))
    linesheet: Mapped[str | None] = mapped_column(String(255))
    # The Shopify note of an imported order; comments of the brand's staff.
    operator_comment: Mapped[str | None] = mapped_column(Text)
    # Keys: company, first_name, last_name, address1, address2, city, province,
    # province_code, country, country_code, zip, phone.
    shipping_address: Mapped[dict[str, Any] | None] = mapped_column()
    billing_address: Mapped[dict[str, Any] | None] = mapped_column()
    email: Mapped[str | None] = mapped_column(String(320))
    # ERP hand-off defaults stamped on imported orders.
    division: Mapped[str | None] = mapped_column(String(100))
    order_type: Mapped[str | None] = mapped_column(String(100))
    tax_schedule: Mapped[str | None] = mapped_column(String(100))
    hold_code: Mapped[str | None] = mapped_column(String(100))
    erp_status: Mapped[str | None] = mapped_column(String(16))
    erp_message: Mapped[str | None] = mapped_column(Text)
    erp_updated_at: Mapped[datetime | None]

    # Export: the key is sent as sourceIdentifier and as a tag; it changes only on re-export.
    export_key: Mapped[str | None] = mapped_column(String(64))
    # Set (and committed) just before a create is sent, so a retry knows one may exist.
    export_attempted_at: Mapped[datetime | None]
    exported_at: Mapped[datetime | None]
    # "order" or "draft_order": what the export created in Shopify.
    shopify_kind: Mapped[str | None] = mapped_column(String(16))
    shopify_order_gid: Mapped[str | None] = mapped_column(String(255))
    shopify_order_name: Mapped[str | None] = mapped_column(String(64))
    shopify_updated_at: Mapped[datetime | None]
    # Earlier exports replaced by a re-export: [{"export_key", "gid", "name", "at"}].
    previous_exports: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    modified_after_export: Mapped[bool] = mapped_column(default=False)
    error_code: Mapped[str | None] = mapped_column(String(64))
    error_message: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime | None]
    approved_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    cancel_reason: Mapped[str | None] = mapped_column(String(255))

    customer: Mapped[Customer | None] = relationship()
    buyer: Mapped[Buyer | None] = relationship()
    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="OrderLine.position",
    )


class OrderLine(IdMixin, TenantMixin, TimestampMixin, Base):
    __tablename__ = "order_lines"

    order_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("orders.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=1)
    # None for a custom line: an imported item that is not in the hub catalog.
    variant_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("variants.id", ondelete="SET NULL"), index=True
    )
    # The tenant's variant key (SKU, barcode or variant id), which export resolves in Shopify.
    upc: Mapped[str | None] = mapped_column(String(255))
    sku: Mapped[str | None] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(512))
    quantity: Mapped[int]
    unit_price: Mapped[Decimal]
    shopify_line_gid: Mapped[str | None] = mapped_column(String(255))
    # Units fulfilled in Shopify by shipments posted to the hub.
    shipped_quantity: Mapped[int] = mapped_column(default=0, server_default="0")

    order: Mapped[Order] = relationship(back_populates="lines")
    variant: Mapped[Variant | None] = relationship()
