"""Who holds which UPC: the tenant's variant keys, for matching products by key and for
refusing a key that another product holds.

Built with one query the first time a product record changes (a no-change reconcile never
needs it), then kept current through the run: a planned record claims its UPCs at once, so
a later record in the same run cannot take them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from wholesync.sync import errors
from wholesync.sync.matching import RefIndex
from wholesync.sync.pipeline import Plan
from wholesync.sync.records import ProductRecord
from wholesync.sync.tables import VARIANTS


@dataclass(slots=True)
class UpcOwner:
    """Who holds a UPC in the hub (or claimed it earlier in this run)."""

    variant_id: int | None
    product_id: int | None
    product_gid: str | None
    archived: bool


class UpcIndex:
    """The UPCs of one tenant, by UPC."""

    def __init__(self, session: Session, tenant_id: int, products: RefIndex, key_name: str):
        self.session, self.tenant_id = session, tenant_id
        self.products, self.key_name = products, key_name
        self._owners: dict[str, UpcOwner] | None = None

    def _load(self) -> dict[str, UpcOwner]:
        if self._owners is None:
            rows = self.session.execute(
                select(
                    VARIANTS.c.upc,
                    VARIANTS.c.id,
                    VARIANTS.c.product_id,
                    VARIANTS.c.archived_at.is_not(None),
                ).where(VARIANTS.c.tenant_id == self.tenant_id)
            )
            gid_of = self.products.gid_of
            self._owners = {
                upc: UpcOwner(variant_id, product_id, gid_of(product_id), bool(archived))
                for upc, variant_id, product_id, archived in rows
            }
        return self._owners

    def claim(self, plan: Plan, record: ProductRecord) -> None:
        """Take the record's UPCs for it, or reject the plan. A product without reference
        yet is matched to the unlinked hub product holding one of its UPCs (``plan.hub_id``);
        a retired variant's UPC may be reused (``plan.extra["adopt"]``: UPC -> variant id)."""
        owners = self._load()
        gid = record.shopify_gid
        first_seen: dict[str, str] = {}
        adopt: dict[str, int] = {}
        for variant in record.variants:
            if variant.upc in first_seen:
                plan.reject(
                    "DUPLICATE_VARIANT_KEY",
                    errors.render(
                        "DUPLICATE_VARIANT_KEY",
                        variants=f"{first_seen[variant.upc]} and {variant.shopify_gid}",
                        product=record.title,
                        key_name=self.key_name,
                        key=variant.upc,
                    ),
                )
                return
            first_seen[variant.upc] = variant.shopify_gid
            owner = owners.get(variant.upc)
            if owner is None or owner.product_gid == gid:
                continue
            if owner.product_gid is None and owner.product_id is not None:
                # A hub product no Shopify product is linked to: match it on the key.
                if plan.hub_id is None:
                    plan.hub_id = owner.product_id
                if owner.product_id == plan.hub_id:
                    continue
            if owner.archived and owner.variant_id is not None:
                adopt[variant.upc] = owner.variant_id
                continue
            plan.reject(
                "DUPLICATE_VARIANT_KEY",
                f"The {self.key_name} '{variant.upc}' of variant {variant.shopify_gid} of "
                f"product '{record.title}' is already used by product {owner.product_gid or '?'}"
                f" in the hub. Give each variant its own {self.key_name} in Shopify, or match "
                "variants on another key (wholesync tenants set NAME upc_key "
                "sku|barcode|variant_id).",
            )
            return
        plan.extra["adopt"] = adopt
        for variant in record.variants:
            previous = owners.get(variant.upc)
            owners[variant.upc] = UpcOwner(
                previous.variant_id if previous else None, plan.hub_id, gid, False
            )

    def retire(self, variant_ids: Iterable[int]) -> None:
        """Variants archived in the hub: their UPCs are free for other products."""
        gone = set(variant_ids)
        if self._owners is None or not gone:
            return
        for owner in self._owners.values():
            if owner.variant_id in gone:
                owner.archived = True

    def reset(self) -> None:
        """Forget everything (after a rolled-back write); reloaded on next use."""
        self._owners = None
