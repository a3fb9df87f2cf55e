"""Wholesale customers, their billing and shipping addresses, and their buyers."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, IdMixin, TenantMixin, TimestampMixin, one_of
from .types import IdType


class AddressKind(StrEnum):
    BILLING = "billing"
    SHIPPING = "shipping"


class Customer(IdMixin, TenantMixin, TimestampMixin, Base):
    __tablename__ = "customers"
    __table_args__ = (
        UniqueConstraint("tenant_id", "customer_code"),
        Index(None, "tenant_id", "email"),
    )

    customer_code: Mapped[str] = mapped_column(String(100))
    company: Mapped[str | None] = mapped_column(String(255))
    first_name: Mapped[str | None] = mapped_column(String(255))
    last_name: Mapped[str | None] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(64))
    tags: Mapped[list[str]] = mapped_column(default=list)
    active: Mapped[bool] = mapped_column(default=True)
    custom_fields: Mapped[dict[str, Any]] = mapped_column(default=dict)
    archived_at: Mapped[datetime | None]
    # Two-way customers: set when the hub (not a sync from Shopify) changed the customer, and
    # when that change last reached Shopify; the push sends customers whose change is newer.
    hub_modified_at: Mapped[datetime | None]
    pushed_at: Mapped[datetime | None]

    addresses: Mapped[list[Address]] = relationship(
        back_populates="customer",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Address.id",
    )
    buyers: Mapped[list[Buyer]] = relationship(
        back_populates="customer",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Buyer.id",
    )


class Address(IdMixin, TenantMixin, TimestampMixin, Base):
    __tablename__ = "addresses"
    __table_args__ = (CheckConstraint(one_of("kind", tuple(AddressKind)), name="kind"),)

    customer_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    is_default: Mapped[bool] = mapped_column(default=False)
    company: Mapped[str | None] = mapped_column(String(255))
    first_name: Mapped[str | None] = mapped_column(String(255))
    last_name: Mapped[str | None] = mapped_column(String(255))
    address1: Mapped[str | None] = mapped_column(String(255))
    address2: Mapped[str | None] = mapped_column(String(255))
    city: Mapped[str | None] = mapped_column(String(255))
    province: Mapped[str | None] = mapped_column(String(255))
    province_code: Mapped[str | None] = mapped_column(String(16))
    country: Mapped[str | None] = mapped_column(String(255))
    country_code: Mapped[str | None] = mapped_column(String(16))
    zip: Mapped[str | None] = mapped_column(String(32))
    phone: Mapped[str | None] = mapped_column(String(64))

    customer: Mapped[Customer] = relationship(back_populates="addresses")


class Buyer(IdMixin, TenantMixin, TimestampMixin, Base):
    """A person who orders for a customer; derived from customers carrying the buyer tag."""

    __tablename__ = "buyers"
    __table_args__ = (
        UniqueConstraint("tenant_id", "code"),
        Index(None, "tenant_id", "email"),
    )

    customer_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(100))
    first_name: Mapped[str | None] = mapped_column(String(255))
    last_name: Mapped[str | None] = mapped_column(String(255))
    email: Mapped[str] = mapped_column(String(320))
    archived_at: Mapped[datetime | None]

    customer: Mapped[Customer] = relationship(back_populates="buyers")
