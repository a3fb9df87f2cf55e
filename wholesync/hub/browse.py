"""The read queries behind the catalog, customer, stock and order lists, shared by the REST
API and the integration center: each returns a ``SELECT`` of one tenant's rows, filtered by
whichever arguments were given, for the caller to order and page."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import contains_eager, selectinload

from .filters import contains, where_contains, where_equal, where_since
from .models import Customer, InventoryLevel, Order, Product, Variant, Warehouse


def products(
    tenant_id: int,
    *,
    status: str | None = None,
    updated_since: datetime | None = None,
    text: str | None = None,
) -> Select[Product]:
    """Products with their variants and images; ``text`` matches the title, the handle, or a
    variant's SKU or UPC."""
    query = Product.for_tenant(tenant_id).options(
        selectinload(Product.variants), selectinload(Product.images)
    )
    query = where_since(
        where_equal(query, (Product.status, status)), Product.updated_at, updated_since
    )
    if text is None:
        return query
    by_key = select(Variant.product_id).where(
        Variant.tenant_id == tenant_id, contains(text, Variant.sku, Variant.upc)
    )
    return query.where(or_(contains(text, Product.title, Product.handle), Product.id.in_(by_key)))


def customers(
    tenant_id: int,
    *,
    code: str | None = None,
    email: str | None = None,
    archived: bool | None = None,
    updated_since: datetime | None = None,
    text: str | None = None,
) -> Select[Customer]:
    """Customers with their addresses and buyers; ``email`` is exact but ignores case, and
    ``text`` matches the company, a name, the e-mail or the customer code."""
    query = where_equal(
        Customer.for_tenant(tenant_id).options(
            selectinload(Customer.addresses), selectinload(Customer.buyers)
        ),
        (Customer.customer_code, code),
    )
    if email is not None:
        query = query.where(func.lower(Customer.email) == email.lower())
    if archived is not None:
        archived_at = Customer.archived_at
        query = query.where(archived_at.is_not(None) if archived else archived_at.is_(None))
    query = where_since(query, Customer.updated_at, updated_since)
    return where_contains(
        query,
        text,
        Customer.company,
        Customer.first_name,
        Customer.last_name,
        Customer.email,
        Customer.customer_code,
    )


def levels(
    tenant_id: int,
    *,
    variant_id: int | None = None,
    product_id: int | None = None,
    upc: str | None = None,
    warehouse_id: int | None = None,
    warehouse_code: str | None = None,
    bucket: str | None = None,
    updated_since: datetime | None = None,
    key: str | None = None,
) -> Select[InventoryLevel]:
    """Stock levels with their variant and warehouse; ``upc`` is exact, ``key`` matches part
    of the variant's SKU or UPC."""
    query = where_equal(
        InventoryLevel.for_tenant(tenant_id)
        .join(Variant, Variant.id == InventoryLevel.variant_id)
        .join(Warehouse, Warehouse.id == InventoryLevel.warehouse_id)
        .options(contains_eager(InventoryLevel.variant), contains_eager(InventoryLevel.warehouse)),
        (InventoryLevel.variant_id, variant_id),
        (Variant.product_id, product_id),
        (Variant.upc, upc),
        (InventoryLevel.warehouse_id, warehouse_id),
        (Warehouse.code, warehouse_code),
        (InventoryLevel.bucket, bucket),
    )
    query = where_since(query, InventoryLevel.updated_at, updated_since)
    return where_contains(query, key, Variant.sku, Variant.upc)


def customer_orders(tenant_id: int, customer_id: int) -> Select[Order]:
    """A customer's orders, newest first."""
    return (
        Order.for_tenant(tenant_id)
        .where(Order.customer_id == customer_id)
        .order_by(Order.id.desc())
    )
