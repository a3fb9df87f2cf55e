"""The demo's wholesale orders: twenty taken in the demo hub and approved, three of them with a
problem a sales team meets (a customer entered in the hub only, a UPC from an old linesheet,
more than the stock), exported to the simulated store and shown with their Shopify name or the
error that says how to fix them."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from rich.table import Table
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from wholesync.commands.common import console
from wholesync.hub import orders
from wholesync.hub.customer_entry import save_customer
from wholesync.hub.customers import ADDRESS_FIELDS, customer_by_code
from wholesync.hub.models import Bucket, Customer, InventoryLevel, Order, OrderStatus, Variant
from wholesync.sync.tenants import get_tenant, tenant_settings

ORDERS = 20
CUSTOMER_NOT_FOUND, VARIANT_NOT_FOUND = "CUSTOMER_NOT_FOUND", "VARIANT_NOT_FOUND"
INSUFFICIENT_INVENTORY = "INSUFFICIENT_INVENTORY"
# Which of the twenty orders (numbered from 1) carries a problem, and the code it fails with.
PROBLEMS = {6: CUSTOMER_NOT_FOUND, 12: VARIANT_NOT_FOUND, 18: INSUFFICIENT_INVENTORY}
# A line ordered from last season's linesheet: the hub takes its UPC, Shopify never had it.
UNKNOWN_UPC = "FW24-0042-XL"
# Every line of a good order takes at most this many units of a variant holding twice as many.
MOST_UNITS = 6
# A customer a sales rep entered in the hub; two-way customers is off, so Shopify lacks it.
HUB_ONLY_CUSTOMER = {
    "customer_code": "NORTHWIND-01",
    "company": "Northwind Boutique",
    "first_name": "Ada",
    "last_name": "Moreno",
    "email": "orders@northwind-boutique.example",
    "addresses": [
        {
            "kind": "shipping",
            "is_default": True,
            "company": "Northwind Boutique",
            "address1": "18 Harbour Street",
            "city": "Portland",
            "province": "Maine",
            "province_code": "ME",
            "country": "United States",
            "country_code": "US",
            "zip": "04101",
        }
    ],
}


def take_orders(session: Session, tenant_name: str) -> dict[int, str | None]:
    """Take and approve the demo's orders; hub order id -> the error code it is meant to
    fail with (None: it should become a Shopify order)."""
    tenant = get_tenant(session, tenant_name)
    exportable = orders.exportable_statuses(tenant_settings(tenant).orders.exportable_statuses)
    code = str(HUB_ONLY_CUSTOMER["customer_code"])
    synced = session.scalars(
        Customer.for_tenant(tenant.id)
        .where(Customer.archived_at.is_(None), Customer.customer_code != code)
        .options(selectinload(Customer.addresses))
        .order_by(Customer.id)
    ).all()
    customers = iter([c for c in synced if c.addresses])
    stock = _stocked(session, tenant.id)
    hub_only = customer_by_code(session, tenant.id, code) or save_customer(
        session, tenant.id, HUB_ONLY_CUSTOMER
    )
    session.flush()
    planned: dict[int, str | None] = {}
    for number in range(1, ORDERS + 1):
        problem = PROBLEMS.get(number)
        customer = hub_only if problem == CUSTOMER_NOT_FOUND else next(customers, None)
        if customer is None:
            break  # too few customers to go on: the check reports the missing orders
        lines = [
            orders.LineInput(2 + (number + index) % (MOST_UNITS - 1), None, variant=variant)
            for index, (variant, _) in enumerate(_take(stock, 2 + number % 3))
        ]
        if problem == VARIANT_NOT_FOUND:
            title = "Archive Wool Overshirt - XL"
            lines.append(orders.LineInput(3, Decimal("64.00"), upc=UNKNOWN_UPC, title=title))
        if problem == INSUFFICIENT_INVENTORY:
            for variant, available in _take(stock, 1):
                lines.append(orders.LineInput(available + 24, None, variant=variant))
        address = customer.addresses[0]
        order = orders.create_order(
            session,
            tenant.id,
            po_number=f"PO-{2600 + number}",
            payment_terms="Net 30",
            shipping_method="Ground",
            shipping_address={name: getattr(address, name) for name in ADDRESS_FIELDS},
        )
        orders.link_customer(order, customer)
        orders.set_lines(order, lines)
        for status in (OrderStatus.PENDING, OrderStatus.APPROVED):
            orders.transition(order, status, exportable=exportable)
        planned[order.id] = problem
    return planned


def _stocked(session: Session, tenant_id: int) -> Iterator[tuple[Variant, int]]:
    """Active variants with their units available to sell, those with plenty first."""
    available = func.sum(InventoryLevel.quantity)
    rows = session.execute(
        select(Variant, available)
        .join(InventoryLevel, InventoryLevel.variant_id == Variant.id)
        .where(
            Variant.tenant_id == tenant_id,
            Variant.archived_at.is_(None),
            InventoryLevel.bucket == Bucket.ATS,
        )
        .options(selectinload(Variant.product))
        .group_by(Variant.id)
        .having(available >= 2 * MOST_UNITS)
        .order_by(Variant.id)
    ).all()
    return iter([(variant, int(units)) for variant, units in rows])


def _take(stock: Iterator[tuple[Variant, int]], count: int) -> list[tuple[Variant, int]]:
    """The next ``count`` variants, each ordered once across the demo, so that one order's
    claim on the stock never starves another."""
    return [found for _, found in zip(range(count), stock, strict=False)]


def unexpected(session: Session, planned: dict[int, str | None]) -> list[str]:
    """How the exported orders differ from the plan (empty when all went as meant)."""
    found = {o.id: o for o in session.scalars(select(Order).where(Order.id.in_(planned)))}
    problems = []
    if len(planned) < ORDERS:
        problems.append(f"only {len(planned)} of {ORDERS} orders could be taken")
    for order_id, code in planned.items():
        order = found[order_id]
        if code is None and (order.status != OrderStatus.PROCESSED or not order.shopify_order_name):
            problems.append(f"{order.number} is {order.status}: {order.error_code or ''}")
        elif code is not None and (order.status, order.error_code) != (OrderStatus.FAILED, code):
            problems.append(f"{order.number} should fail with {code}, but it is {order.status}")
    return problems


def show_orders(session: Session, planned: dict[int, str | None]) -> None:
    table = Table(title="Wholesale orders exported to Shopify")
    for column in ("order", "PO", "customer", "status", "Shopify order, or the problem and fix"):
        table.add_column(column, overflow="fold")
    query = (
        select(Order)
        .where(Order.id.in_(planned))
        .options(selectinload(Order.customer))
        .order_by(Order.id)
    )
    for order in session.scalars(query):
        customer = order.customer
        named = (customer.company or customer.email or "") if customer is not None else ""
        if order.status == OrderStatus.PROCESSED:
            status, outcome = "[green]processed[/]", order.shopify_order_name or ""
        else:
            status = f"[red]{order.status}[/]"
            outcome = f"[bold red]{order.error_code}[/]: {order.error_message}"
        table.add_row(order.number, order.po_number or "", named, status, outcome)
    console.print(table)
