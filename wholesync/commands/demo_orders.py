"""The demo's wholesale orders: a few taken in the demo hub, approved, exported to the simulated
store, and shown with their Shopify name or the error that says how to fix them."""

from __future__ import annotations

from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from wholesync.commands.common import console
from wholesync.hub import orders
from wholesync.hub.customers import ADDRESS_FIELDS
from wholesync.hub.models import Customer, InventoryLevel, Order, Variant
from wholesync.sync.tenants import get_tenant, tenant_settings

ORDERS = 5
# One order asks for more than any warehouse holds, to show INSUFFICIENT_INVENTORY.
TOO_MANY = 100_000


def take_orders(session: Session, tenant_name: str) -> list[int]:
    """Approved wholesale orders for synced customers, the last one for too much stock."""
    tenant = get_tenant(session, tenant_name)
    exportable = orders.exportable_statuses(tenant_settings(tenant).orders.exportable_statuses)
    customers = session.scalars(
        Customer.for_tenant(tenant.id)
        .where(Customer.archived_at.is_(None))
        .options(selectinload(Customer.addresses))
        .order_by(Customer.id)
    ).all()
    stocked = session.scalars(
        select(Variant)
        .join(InventoryLevel, InventoryLevel.variant_id == Variant.id)
        .where(Variant.tenant_id == tenant.id, InventoryLevel.quantity >= 10)
        .options(selectinload(Variant.product))
        .distinct()
        .order_by(Variant.id)
        .limit(ORDERS * 2)
    ).all()
    taken = []
    for index, customer in enumerate(c for c in customers if c.addresses):
        if index == ORDERS or len(stocked) < 2 * ORDERS:
            break
        address = customer.addresses[0]
        order = orders.create_order(
            session,
            tenant.id,
            po_number=f"PO-DEMO-{index + 1}",
            payment_terms="Net 30",
            shipping_method="Ground",
            shipping_address={name: getattr(address, name) for name in ADDRESS_FIELDS},
        )
        orders.link_customer(order, customer)
        quantity = TOO_MANY if index == ORDERS - 1 else 2
        lines = [
            orders.LineInput(quantity, None, variant=variant)
            for variant in stocked[2 * index : 2 * index + 2]
        ]
        orders.set_lines(order, lines)
        for status in ("pending", "approved"):
            orders.transition(order, status, exportable=exportable)
        taken.append(order.id)
    return taken


def show_orders(session: Session, order_ids: list[int]) -> None:
    table = Table(title="Wholesale orders exported to Shopify")
    for column in ("hub order", "PO", "status", "Shopify order", "error"):
        table.add_column(column)
    for order in session.scalars(select(Order).where(Order.id.in_(order_ids)).order_by(Order.id)):
        colour = "green" if order.status == "processed" else "red"
        error = f"{order.error_code}: {order.error_message}" if order.error_code else ""
        table.add_row(
            order.number,
            order.po_number or "",
            f"[{colour}]{order.status}[/]",
            order.shopify_order_name or "",
            error,
        )
    console.print(table)
