"""Catalog rules: archiving (never deleting) products and variants, and lookups by UPC."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.orm import Session

from .models import Product, ProductStatus, Variant
from .models.types import utcnow
from .query import chunked


def archive_product(product: Product, *, now: datetime | None = None) -> bool:
    """Archive a product (it stays in the hub for order history); False if it already was."""
    if product.status == ProductStatus.ARCHIVED:
        return False
    product.status = ProductStatus.ARCHIVED
    product.archived_at = now or utcnow()
    return True


def restore_product(product: Product) -> bool:
    """Make an archived product active again; False if it was active."""
    if product.status == ProductStatus.ACTIVE:
        return False
    product.status = ProductStatus.ACTIVE
    product.archived_at = None
    return True


def archive_variant(variant: Variant, *, now: datetime | None = None) -> bool:
    """Mark a variant that left its product; False if it already was."""
    if variant.archived_at is not None:
        return False
    variant.archived_at = now or utcnow()
    return True


def restore_variant(variant: Variant) -> bool:
    if variant.archived_at is None:
        return False
    variant.archived_at = None
    return True


def variant_by_upc(session: Session, tenant_id: int, upc: str) -> Variant | None:
    return session.scalar(Variant.for_tenant(tenant_id).where(Variant.upc == upc))


def variants_by_upc(session: Session, tenant_id: int, upcs: Iterable[str]) -> dict[str, Variant]:
    """The tenant's variants with any of ``upcs``, by UPC; unknown UPCs are simply absent."""
    found: dict[str, Variant] = {}
    for chunk in chunked(upcs):
        for variant in session.scalars(Variant.for_tenant(tenant_id).where(Variant.upc.in_(chunk))):
            found[variant.upc] = variant
    return found
