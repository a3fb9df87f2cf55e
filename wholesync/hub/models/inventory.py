"""Warehouses and stock per variant, warehouse and bucket."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, IdMixin, TenantMixin, TimestampMixin, one_of
from .catalog import Variant
from .types import IdType


class Bucket(StrEnum):
    ATS = "ats"  # available to sell now
    INCOMING = "incoming"  # on its way, so buyers can order future stock
    PREBOOK = "prebook"


class Warehouse(IdMixin, TenantMixin, TimestampMixin, Base):
    __tablename__ = "warehouses"
    __table_args__ = (
        UniqueConstraint("tenant_id", "code"),
        Index(None, "tenant_id", "shopify_location_gid"),
    )

    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(255))
    # Informative: the sync layer's warehouse map decides which location feeds which warehouse.
    shopify_location_gid: Mapped[str | None] = mapped_column(String(255))


class InventoryLevel(IdMixin, TenantMixin, TimestampMixin, Base):
    __tablename__ = "inventory_levels"
    __table_args__ = (
        UniqueConstraint("variant_id", "warehouse_id", "bucket"),
        CheckConstraint(one_of("bucket", tuple(Bucket)), name="bucket"),
    )

    variant_id: Mapped[int] = mapped_column(IdType, ForeignKey("variants.id", ondelete="CASCADE"))
    warehouse_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("warehouses.id", ondelete="CASCADE"), index=True
    )
    bucket: Mapped[str] = mapped_column(String(16))
    quantity: Mapped[int] = mapped_column(default=0)
    # When the hub is the stock master: the quantity last set in Shopify, so only levels that
    # differ from it are pushed (None: never pushed).
    pushed_quantity: Mapped[int | None]

    variant: Mapped[Variant] = relationship()
    warehouse: Mapped[Warehouse] = relationship()
