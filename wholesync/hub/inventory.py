"""Stock rules: warehouses by code, and one quantity per variant, warehouse and bucket."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from .errors import INVALID_BUCKET, HubError
from .models import Bucket, InventoryLevel, Warehouse


def warehouse_by_code(session: Session, tenant_id: int, code: str) -> Warehouse | None:
    return session.scalar(Warehouse.for_tenant(tenant_id).where(Warehouse.code == code))


def warehouses(session: Session, tenant_id: int) -> dict[str, Warehouse]:
    """All of the tenant's warehouses, by code."""
    return {w.code: w for w in session.scalars(Warehouse.for_tenant(tenant_id))}


def ensure_warehouse(
    session: Session,
    tenant_id: int,
    code: str,
    name: str,
    shopify_location_gid: str | None = None,
) -> Warehouse:
    """The warehouse with ``code``, created (and flushed) if the tenant has none yet."""
    warehouse = warehouse_by_code(session, tenant_id, code)
    if warehouse is None:
        warehouse = Warehouse(
            tenant_id=tenant_id, code=code, name=name, shopify_location_gid=shopify_location_gid
        )
        session.add(warehouse)
        session.flush()
    return warehouse


def set_level(
    session: Session,
    *,
    tenant_id: int,
    variant_id: int,
    warehouse_id: int,
    bucket: str,
    quantity: int,
) -> bool:
    """Set one stock quantity; True if it changed. Negative is allowed (Shopify oversells)."""
    if bucket not in tuple(Bucket):
        raise HubError(
            INVALID_BUCKET,
            f"Unknown inventory bucket {bucket!r}.",
            f"Use one of: {', '.join(Bucket)}.",
        )
    level = session.scalar(
        select(InventoryLevel).where(
            InventoryLevel.variant_id == variant_id,
            InventoryLevel.warehouse_id == warehouse_id,
            InventoryLevel.bucket == bucket,
        )
    )
    if level is None:
        session.add(
            InventoryLevel(
                tenant_id=tenant_id,
                variant_id=variant_id,
                warehouse_id=warehouse_id,
                bucket=str(bucket),
                quantity=quantity,
            )
        )
        return True
    if level.quantity == quantity:
        return False
    level.quantity = quantity
    return True


def levels(session: Session, variant_id: int) -> dict[tuple[str, str], int]:
    """A variant's stock as {(warehouse code, bucket): quantity}."""
    rows = session.execute(
        select(Warehouse.code, InventoryLevel.bucket, InventoryLevel.quantity)
        .join(Warehouse, InventoryLevel.warehouse_id == Warehouse.id)
        .where(InventoryLevel.variant_id == variant_id)
    )
    return {(code, bucket): quantity for code, bucket, quantity in rows}
