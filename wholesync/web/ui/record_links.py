"""Where a run's record lives: its hub page (catalog, customer or order) and its page in the
Shopify admin.

The hub row is found from the record's Shopify GID through the external references, or
failing that from its business key (handle, customer code, order number, UPC, shipment id).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from wholesync.hub.models import (
    Customer,
    ExternalRef,
    Order,
    Product,
    Shipment,
    SyncRecord,
    Variant,
)

# Shopify GID type -> its path in the admin (https://{shop}/admin/{path}/{number}).
ADMIN_PATHS = {
    "Product": "products",
    "Customer": "customers",
    "Order": "orders",
    "DraftOrder": "draft_orders",
    "Collection": "collections",
}


@dataclass(frozen=True)
class Links:
    hub: str | None
    shopify: str | None


def shopify_url(shop_domain: str, gid: str | None) -> str | None:
    """The admin page of ``gid`` (gid://shopify/Product/123), when the admin has one."""
    if not gid or not gid.startswith("gid://shopify/"):
        return None
    kind, _, number = gid.removeprefix("gid://shopify/").partition("/")
    path = ADMIN_PATHS.get(kind)
    return f"https://{shop_domain}/admin/{path}/{number}" if path and number.isdigit() else None


class HubLinks:
    """Resolves records of one tenant to hub pages, remembering what it looked up."""

    def __init__(self, session: Session, tenant_id: int, shop_domain: str) -> None:
        self.session, self.tenant_id, self.shop_domain = session, tenant_id, shop_domain

    def links(self, record: SyncRecord) -> Links:
        return Links(self.hub_url(record), shopify_url(self.shop_domain, record.shopify_gid))

    def hub_url(self, record: SyncRecord) -> str | None:
        if record.shopify_gid:
            ref = self.session.scalars(
                select(ExternalRef).where(
                    ExternalRef.tenant_id == self.tenant_id,
                    ExternalRef.shopify_gid == record.shopify_gid,
                )
            ).first()
            if ref is not None:
                found = self._by_entity(ref.entity, ref.hub_id)
                if found is not None:
                    return found
        if record.key:
            return self._by_key(record.entity, record.key)
        return None

    def _by_entity(self, entity: str, hub_id: int) -> str | None:
        if entity == "product":
            return f"/catalog/{hub_id}"
        if entity == "variant":
            return self._product_of(Variant.id == hub_id)
        if entity == "customer":
            return f"/customers/{hub_id}"
        if entity == "order":
            return f"/orders/{hub_id}"
        return None

    def _by_key(self, entity: str, key: str) -> str | None:
        lookups: dict[str, Callable[[], str | None]] = {
            "product": lambda: self._page("/catalog", Product.id, Product.handle == key),
            "customer": lambda: self._page(
                "/customers", Customer.id, Customer.customer_code == key
            ),
            "order": lambda: self._page("/orders", Order.id, Order.number == key),
            "shipment": lambda: self._page(
                "/orders", Shipment.order_id, Shipment.external_id == key
            ),
            "inventory": lambda: self._product_of(Variant.upc == key),
            "variant": lambda: self._product_of(Variant.upc == key),
        }
        lookup = lookups.get(entity)
        return lookup() if lookup is not None else None

    def _product_of(self, condition: Any) -> str | None:
        return self._page("/catalog", Variant.product_id, condition)

    def _page(self, prefix: str, column: Any, condition: Any) -> str | None:
        table = column.class_
        found = self.session.scalar(
            select(column).where(table.tenant_id == self.tenant_id, condition).limit(1)
        )
        return f"{prefix}/{found}" if found is not None else None
