"""Loading stock records into the hub: quantities per variant, warehouse and bucket.

A stock record (one Shopify inventory level) sets two buckets of its variant in its
warehouse: ``incoming`` from Shopify's incoming, and ``ats`` from Shopify's available, or
``prebook`` instead when the product is a prebook product (a product that changes sides has
its old bucket set to zero). Levels are compared with the quantities preloaded for the tenant,
so unchanged stock costs no write. Stock of a variant the hub does not carry (an untagged
product) is not the hub's business and is skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from wholesync.hub.models.types import utcnow
from wholesync.sync import errors
from wholesync.sync.bulk_write import insert_returning_ids
from wholesync.sync.pipeline import Plan
from wholesync.sync.product_rows import stamp
from wholesync.sync.records import Rejection, StockRecord
from wholesync.sync.tables import LEVELS, PRODUCTS, VARIANTS

ENTITY = "inventory"


class InventoryLoader:
    """Plans and writes stock records for one tenant."""

    def __init__(
        self,
        session: Session,
        tenant_id: int,
        warehouses: dict[str, int | None],
        *,
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        """``warehouses`` maps each known warehouse code to its id (None: created by preview)."""
        self.session, self.tenant_id, self.warehouses, self.now = (
            session,
            tenant_id,
            warehouses,
            now,
        )
        self.variants: dict[str, tuple[int, bool]] = {}
        self.levels: dict[tuple[int, int], dict[str, tuple[int, int]]] = {}
        self._load()

    def _load(self) -> None:
        """Preload the tenant's variants (UPC -> id, prebook) and stock levels (two queries)."""
        self.variants = {
            upc: (variant_id, bool(prebook))
            for upc, variant_id, prebook in self.session.execute(
                select(VARIANTS.c.upc, VARIANTS.c.id, PRODUCTS.c.prebook)
                .join(PRODUCTS, PRODUCTS.c.id == VARIANTS.c.product_id)
                .where(VARIANTS.c.tenant_id == self.tenant_id, VARIANTS.c.archived_at.is_(None))
            )
        }
        self.levels = {}
        rows = self.session.execute(
            select(
                LEVELS.c.id,
                LEVELS.c.variant_id,
                LEVELS.c.warehouse_id,
                LEVELS.c.bucket,
                LEVELS.c.quantity,
            ).where(LEVELS.c.tenant_id == self.tenant_id)
        )
        for level_id, variant_id, warehouse_id, bucket, quantity in rows:
            self.levels.setdefault((variant_id, warehouse_id), {})[bucket] = (level_id, quantity)

    def precheck(self, node: dict[str, Any]) -> Plan | None:
        """Stock is compared after mapping: mapping an inventory item is cheap."""
        return None

    def plan(self, item: StockRecord | Rejection) -> Plan | None:
        if isinstance(item, Rejection):
            return Plan(
                "reject", ENTITY, item.shopify_gid, item.key, code=item.code, message=item.message
            )
        variant = self.variants.get(item.upc)
        if variant is None:
            return None
        variant_id, prebook = variant
        key = f"{item.upc}@{item.warehouse_code}"
        if item.warehouse_code not in self.warehouses:
            return Plan(
                "reject",
                ENTITY,
                item.inventory_item_gid,
                key,
                code="WAREHOUSE_UNMAPPED",
                message=errors.render("WAREHOUSE_UNMAPPED", location=item.location_gid),
            )
        warehouse_id = self.warehouses[item.warehouse_code]
        current = self.levels.get((variant_id, warehouse_id), {}) if warehouse_id else {}
        target = {"incoming": item.incoming}
        target["prebook" if prebook else "ats"] = item.ats
        other = "ats" if prebook else "prebook"
        if other in current:
            target[other] = 0
        diff: dict[str, list[Any]] = {}
        for bucket, quantity in target.items():
            was = current.get(bucket)
            if was is None or was[1] != quantity:
                diff[bucket] = [None if was is None else was[1], quantity]
        action = "create" if not current else "update" if diff else "unchanged"
        return Plan(
            action,
            ENTITY,
            item.inventory_item_gid,
            key,
            record=item,
            diff=diff or None,
            extra={"variant_id": variant_id, "target": target},
        )

    def prepare(self, plans: list[Plan], *, preview: bool) -> None:
        """Everything was decided in ``plan`` from the preloaded levels."""

    def apply(self, plans: list[Plan]) -> None:
        now = self.now()
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        # (the level's bucket map, bucket, level id, new quantity), applied once written
        updated: list[tuple[dict[str, tuple[int, int]], str, int, int]] = []
        for plan in plans:
            variant_id = plan.extra["variant_id"]
            warehouse_id = self.warehouses[plan.record.warehouse_code]
            assert warehouse_id is not None, "warehouses are created before stock is written"
            current = self.levels.get((variant_id, warehouse_id), {})
            for bucket, quantity in plan.extra["target"].items():
                existing = current.get(bucket)
                if existing is None:
                    row = {
                        "variant_id": variant_id,
                        "warehouse_id": warehouse_id,
                        "bucket": bucket,
                        "quantity": quantity,
                    }
                    inserts.append(stamp(row, self.tenant_id, now))
                elif existing[1] != quantity:
                    updates.append({"b_id": existing[0], "b_quantity": quantity})
                    updated.append((current, bucket, existing[0], quantity))
        if updates:
            self.session.execute(
                update(LEVELS)
                .where(LEVELS.c.id == bindparam("b_id"))
                .values(quantity=bindparam("b_quantity"), updated_at=now),
                updates,
            )
        if inserts:
            ids = insert_returning_ids(self.session, LEVELS, inserts)
            for row, level_id in zip(inserts, ids, strict=True):
                key = (row["variant_id"], row["warehouse_id"])
                self.levels.setdefault(key, {})[row["bucket"]] = (level_id, row["quantity"])
        for buckets, bucket, level_id, quantity in updated:
            buckets[bucket] = (level_id, quantity)

    def sweep(self, seen: set[str]) -> list[Plan]:
        """Stock is state, not records: nothing to archive after a full read."""
        return []

    def discard(self) -> None:
        self._load()
