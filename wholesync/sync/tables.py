"""The hub tables the loaders write with Core statements (executemany is what makes them fast)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table

from wholesync.hub.models import (
    Address,
    Buyer,
    Customer,
    ExternalRef,
    InventoryLevel,
    Order,
    OrderLine,
    Product,
    ProductImage,
    SyncRecord,
    Variant,
    Warehouse,
)


def table_of(model: Any) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


PRODUCTS = table_of(Product)
VARIANTS = table_of(Variant)
IMAGES = table_of(ProductImage)
CUSTOMERS = table_of(Customer)
ADDRESSES = table_of(Address)
BUYERS = table_of(Buyer)
WAREHOUSES = table_of(Warehouse)
LEVELS = table_of(InventoryLevel)
REFS = table_of(ExternalRef)
ORDERS = table_of(Order)
ORDER_LINES = table_of(OrderLine)
SYNC_RECORDS = table_of(SyncRecord)
