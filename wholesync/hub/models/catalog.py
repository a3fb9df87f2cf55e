"""The wholesale catalog: products, their variants (keyed by the tenant's UPC) and images."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, IdMixin, TenantMixin, TimestampMixin, one_of
from .types import IdType


class ProductStatus(StrEnum):
    ACTIVE = "active"
    ARCHIVED = "archived"


class Product(IdMixin, TenantMixin, TimestampMixin, Base):
    __tablename__ = "products"
    __table_args__ = (CheckConstraint(one_of("status", tuple(ProductStatus)), name="status"),)

    title: Mapped[str] = mapped_column(String(255))
    handle: Mapped[str] = mapped_column(String(255))
    description_html: Mapped[str | None] = mapped_column(Text)
    vendor: Mapped[str | None] = mapped_column(String(255))
    product_type: Mapped[str | None] = mapped_column(String(255))
    online_store_url: Mapped[str | None] = mapped_column(String(2048))
    status: Mapped[str] = mapped_column(String(16), default=ProductStatus.ACTIVE)
    archived_at: Mapped[datetime | None]
    tags: Mapped[list[str]] = mapped_column(default=list)
    collections: Mapped[list[str]] = mapped_column(default=list)
    # [{"name": "Size", "position": 1, "values": ["S", "M"]}, ...]
    options: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    custom_fields: Mapped[dict[str, Any]] = mapped_column(default=dict)
    prebook: Mapped[bool] = mapped_column(default=False)
    available_from: Mapped[date | None]
    available_to: Mapped[date | None]

    variants: Mapped[list[Variant]] = relationship(
        back_populates="product",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Variant.position",
    )
    images: Mapped[list[ProductImage]] = relationship(
        back_populates="product",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="ProductImage.position",
    )


class Variant(IdMixin, TenantMixin, TimestampMixin, Base):
    __tablename__ = "variants"
    __table_args__ = (UniqueConstraint("tenant_id", "upc"),)

    product_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("products.id", ondelete="CASCADE"), index=True
    )
    # The tenant's configured key (SKU, barcode or variant id); orders find variants by it.
    upc: Mapped[str] = mapped_column(String(255))
    sku: Mapped[str | None] = mapped_column(String(255))
    barcode: Mapped[str | None] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(255))
    option_values: Mapped[dict[str, str]] = mapped_column(default=dict)
    position: Mapped[int] = mapped_column(default=1)
    retail_price: Mapped[Decimal]
    wholesale_price: Mapped[Decimal | None]
    weight: Mapped[Decimal | None] = mapped_column(Numeric(12, 3))
    weight_unit: Mapped[str | None] = mapped_column(String(16))
    image_url: Mapped[str | None] = mapped_column(String(2048))
    custom_fields: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Set when the variant left its product in Shopify; kept because orders may refer to it.
    archived_at: Mapped[datetime | None]

    product: Mapped[Product] = relationship(back_populates="variants")


class ProductImage(IdMixin, TenantMixin, TimestampMixin, Base):
    __tablename__ = "product_images"

    product_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("products.id", ondelete="CASCADE"), index=True
    )
    # Set in the per-variant image mode.
    variant_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("variants.id", ondelete="SET NULL"), index=True
    )
    url: Mapped[str] = mapped_column(String(2048))
    alt: Mapped[str | None] = mapped_column(String(512))
    position: Mapped[int] = mapped_column(default=1)

    product: Mapped[Product] = relationship(back_populates="images")
    variant: Mapped[Variant | None] = relationship()
