"""What the order pages read: the order list's query, the variants order entry finds with
their stock per warehouse, the customers and buyers to pick from, and an export's progress."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session, selectinload

from wholesync.hub import browse
from wholesync.hub.filters import contains, where_equal
from wholesync.hub.models import (
    Bucket,
    Customer,
    InventoryLevel,
    Order,
    OrderStatus,
    Product,
    Variant,
    Warehouse,
)
from wholesync.runtime.jobs import get_job
from wholesync.runtime.models import WAITING, JobStatus
from wholesync.sync.order_actions import EXPORT_FLOW

from .page import Page

SEARCH_LIMIT = 25
# Enough for a brand's whole customer list in a select; more are found by customer code.
CUSTOMER_CHOICES = 1000
SHOWN_BUCKETS = (Bucket.ATS, Bucket.PREBOOK)


def order_list(
    tenant_id: int, *, status: str | None, origin: str | None, text: str | None
) -> Select[Order]:
    """The tenant's orders; ``text`` matches the number, the PO number, or the customer (its
    company, name, e-mail or code, or the new customer an order names)."""
    query = where_equal(
        Order.for_tenant(tenant_id).options(
            selectinload(Order.customer), selectinload(Order.lines)
        ),
        (Order.status, status),
        (Order.origin, origin),
    )
    if text is None:
        return query
    customers = browse.customers(tenant_id, text=text).with_only_columns(Customer.id)
    return query.where(
        or_(
            contains(
                text,
                Order.number,
                Order.po_number,
                Order.new_customer_company,
                Order.new_customer_name,
                Order.new_customer_email,
            ),
            Order.customer_id.in_(customers),
        )
    )


def total(order: Order) -> Decimal:
    """The sum of the order's lines."""
    return sum((line.unit_price * line.quantity for line in order.lines), Decimal("0.00"))


@dataclass(frozen=True)
class Found:
    """A variant order entry offers, with {warehouse code: {bucket: quantity}}."""

    variant: Variant
    stock: dict[str, dict[str, int]] = field(default_factory=dict)


def find_variants(session: Session, tenant_id: int, text: str) -> list[Found]:
    """Active variants whose SKU, UPC or barcode, or whose style (product title or handle),
    contains ``text``, with their available-to-sell and prebook stock."""
    variants = session.scalars(
        select(Variant)
        .join(Product, Product.id == Variant.product_id)
        .where(
            Variant.tenant_id == tenant_id,
            Variant.archived_at.is_(None),
            or_(
                contains(text, Variant.upc, Variant.sku, Variant.barcode),
                contains(text, Product.title, Product.handle),
            ),
        )
        .options(selectinload(Variant.product))
        .order_by(Product.title, Product.id, Variant.position, Variant.id)
        .limit(SEARCH_LIMIT)
    ).all()
    found = {variant.id: Found(variant) for variant in variants}
    rows = session.execute(
        select(
            InventoryLevel.variant_id,
            Warehouse.code,
            InventoryLevel.bucket,
            InventoryLevel.quantity,
        )
        .join(Warehouse, Warehouse.id == InventoryLevel.warehouse_id)
        .where(
            InventoryLevel.variant_id.in_(list(found)),
            InventoryLevel.bucket.in_([str(bucket) for bucket in SHOWN_BUCKETS]),
        )
    )
    for variant_id, code, bucket, quantity in rows:
        found[variant_id].stock.setdefault(code, {})[bucket] = quantity
    return list(found.values())


def warehouse_codes(session: Session, tenant_id: int) -> list[str]:
    return list(
        session.scalars(
            select(Warehouse.code).where(Warehouse.tenant_id == tenant_id).order_by(Warehouse.code)
        )
    )


def variant_by_key(session: Session, tenant_id: int, key: str) -> Variant | None:
    """The variant a person typed: by the tenant's key (UPC), else by SKU or barcode; an
    active variant before an archived one."""
    return session.scalars(
        select(Variant)
        .where(
            Variant.tenant_id == tenant_id,
            or_(Variant.upc == key, Variant.sku == key, Variant.barcode == key),
        )
        .order_by(Variant.archived_at.is_not(None), Variant.upc != key, Variant.id)
        .limit(1)
    ).first()


def customer_choices(session: Session, tenant_id: int) -> Sequence[Customer]:
    """Active customers with their buyers, by company, for the order form's pickers."""
    return session.scalars(
        Customer.for_tenant(tenant_id)
        .where(Customer.archived_at.is_(None))
        .options(selectinload(Customer.buyers))
        .order_by(Customer.company, Customer.customer_code)
        .limit(CUSTOMER_CHOICES)
    ).all()


@dataclass(frozen=True)
class Progress:
    """Where an export the viewer asked for stands."""

    job_id: int
    job_status: str
    job_error: str | None
    order_status: str

    @property
    def finished(self) -> bool:
        done = self.order_status in (OrderStatus.PROCESSED, OrderStatus.FAILED)
        return done or self.job_status not in (*WAITING, JobStatus.RUNNING)


def export_progress(page: Page, order: Order, job_id: int | None) -> Progress | None:
    """The progress of job ``job_id`` for ``order`` (None: no such export job of the tenant)."""
    if job_id is None:
        return None
    job = get_job(page.runtime.sessions, job_id)
    if job is None or job.tenant_id != page.tenant_id or job.flow != EXPORT_FLOW:
        return None
    return Progress(job.id, job.status, job.error, order.status)
