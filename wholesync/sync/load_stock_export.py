"""F7 hub side: the ATS levels waiting to be pushed, and the quantities Shopify now holds.

A level waits while its quantity differs from ``pushed_quantity`` (None: never pushed). Once
Shopify holds the quantity, ``pushed_quantity`` becomes the quantity that was sent, so a level
the ERP changed again meanwhile still waits for the next run.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.orm import Session

from wholesync.hub.models import Bucket
from wholesync.sync.map_stock_export import Level
from wholesync.sync.tables import LEVELS, VARIANTS, WAREHOUSES


def pending_levels(session: Session, tenant_id: int) -> list[Level]:
    """The tenant's ATS levels of active variants whose quantity Shopify may not hold."""
    rows = session.execute(
        select(
            LEVELS.c.id,
            LEVELS.c.variant_id,
            VARIANTS.c.upc,
            WAREHOUSES.c.code,
            LEVELS.c.quantity,
            LEVELS.c.pushed_quantity,
        )
        .join(VARIANTS, VARIANTS.c.id == LEVELS.c.variant_id)
        .join(WAREHOUSES, WAREHOUSES.c.id == LEVELS.c.warehouse_id)
        .where(
            LEVELS.c.tenant_id == tenant_id,
            LEVELS.c.bucket == Bucket.ATS.value,
            VARIANTS.c.archived_at.is_(None),
            or_(
                LEVELS.c.pushed_quantity.is_(None),
                LEVELS.c.pushed_quantity != LEVELS.c.quantity,
            ),
        )
        .order_by(LEVELS.c.id)
    )
    return [Level(*row) for row in rows]


def warehouse_index(session: Session, tenant_id: int) -> dict[str, tuple[str, str | None]]:
    """Warehouse code -> (name, the Shopify location GID stored on it)."""
    rows = session.execute(
        select(WAREHOUSES.c.code, WAREHOUSES.c.name, WAREHOUSES.c.shopify_location_gid).where(
            WAREHOUSES.c.tenant_id == tenant_id
        )
    )
    return {code: (name, gid) for code, name, gid in rows}


def mark_pushed(session: Session, levels: Sequence[Level]) -> None:
    """Record that Shopify holds each level's quantity (one executemany)."""
    if levels:
        session.execute(
            update(LEVELS)
            .where(LEVELS.c.id == bindparam("b_id"))
            # Kept: updated_at tells the API's readers when the quantity changed, not this.
            .values(pushed_quantity=bindparam("b_pushed"), updated_at=LEVELS.c.updated_at),
            [{"b_id": level.level_id, "b_pushed": level.quantity} for level in levels],
        )
