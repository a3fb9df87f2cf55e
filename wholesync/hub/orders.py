"""Wholesale order rules: the status lifecycle, what each status needs, edits and export state.

Statuses run draft -> pending -> in_review -> approved -> processed (or failed), and any open
order may be cancelled. Which statuses are exportable is a tenant setting, so callers pass it
in; an order gets its export key when it first reaches one, and keeps it until a re-export.
"""

from __future__ import annotations

import secrets
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from .errors import HubError
from .models import Customer, Order, OrderLine, OrderOrigin, OrderStatus, Variant
from .models.types import utcnow

# Codes, for callers that branch on them.
ORDER_NOT_FOUND = "ORDER_NOT_FOUND"
INVALID_TRANSITION = "INVALID_TRANSITION"
ORDER_INCOMPLETE = "ORDER_INCOMPLETE"
CUSTOMER_NOT_LINKED = "CUSTOMER_NOT_LINKED"
ORDER_CLOSED = "ORDER_CLOSED"
CONFIRMATION_REQUIRED = "CONFIRMATION_REQUIRED"
NOT_EXPORTED = "NOT_EXPORTED"
NOT_EXPORTABLE = "NOT_EXPORTABLE"
ALREADY_EXPORTED = "ALREADY_EXPORTED"

S = OrderStatus
LIFECYCLE = (S.DRAFT, S.PENDING, S.IN_REVIEW, S.APPROVED)
TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.PENDING, S.CANCELLED}),
    S.PENDING: frozenset({S.DRAFT, S.IN_REVIEW, S.APPROVED, S.CANCELLED}),
    S.IN_REVIEW: frozenset({S.PENDING, S.APPROVED, S.CANCELLED}),
    S.APPROVED: frozenset({S.PENDING, S.PROCESSED, S.FAILED, S.CANCELLED}),
    # A failed export is retried once the data is fixed; processed and failed are set by export.
    S.FAILED: frozenset({S.APPROVED, S.PROCESSED, S.FAILED, S.CANCELLED}),
    # Shipments posted by the ERP move an exported order on; Shopify owns it from export on.
    S.PROCESSED: frozenset({S.PARTIALLY_SHIPPED, S.SHIPPED, S.CANCELLED}),
    S.PARTIALLY_SHIPPED: frozenset({S.PARTIALLY_SHIPPED, S.SHIPPED, S.CANCELLED}),
    S.SHIPPED: frozenset(),
    S.CANCELLED: frozenset(),
}
# Statuses a person may ask for; processed and failed are the export's to set.
REQUESTABLE = frozenset({S.DRAFT, S.PENDING, S.IN_REVIEW, S.APPROVED, S.CANCELLED})
ADDRESS_REQUIRED = ("address1", "city", "country_code")


class OrderError(HubError):
    """An order rule was broken; ``code`` says which, the message how to fix it."""


def exportable_statuses(configured: Iterable[str]) -> frozenset[str]:
    """Every status from the earliest configured one through approved: an order that moved
    past an exportable status (pending -> approved) is still to be exported."""
    positions = [LIFECYCLE.index(S(status)) for status in configured if status in LIFECYCLE]
    if not positions:
        return frozenset({S.APPROVED})
    return frozenset(LIFECYCLE[min(positions) :])


def new_export_key() -> str:
    """A key no other export has: random, so a reset hub never reuses one Shopify has seen."""
    return f"ws-{secrets.token_hex(8)}"


@dataclass(frozen=True)
class LineInput:
    """One order line as given; ``variant`` is the hub variant the key resolved to, if any."""

    quantity: int
    unit_price: Decimal | None
    upc: str | None = None
    variant: Variant | None = None
    title: str | None = None


def get_order(session: Session, tenant_id: int, order_id: int) -> Order:
    """The tenant's order, or ORDER_NOT_FOUND (another tenant's order is not found either)."""
    order = session.get(Order, order_id)
    if order is None or order.tenant_id != tenant_id:
        raise OrderError(
            ORDER_NOT_FOUND, f"Order {order_id} does not exist.", "Check the order id."
        )
    return order


def create_order(session: Session, tenant_id: int, **fields: Any) -> Order:
    """A new draft hub order; its number is WS followed by its id."""
    order = Order(
        tenant_id=tenant_id,
        number=f"new-{secrets.token_hex(8)}",
        origin=OrderOrigin.HUB,
        status=S.DRAFT,
        **fields,
    )
    session.add(order)
    session.flush()
    order.number = f"WS{order.id:06d}"
    return order


def set_lines(order: Order, lines: Iterable[LineInput]) -> None:
    """Replace the order's lines. Prices default to the variant's wholesale price."""
    _refuse_closed(order)
    new_lines = []
    for position, given in enumerate(lines, start=1):
        variant = given.variant
        price = given.unit_price
        if price is None and variant is not None:
            price = variant.wholesale_price or variant.retail_price
        if price is None:
            raise OrderError(
                ORDER_INCOMPLETE,
                f"Line {position} ({given.upc}) has no unit price.",
                "Give the line a unit_price; the hub has no price for an item it does not know.",
            )
        if price < 0:
            raise OrderError(
                ORDER_INCOMPLETE, f"Line {position} has a negative price.", "Use 0 or more."
            )
        new_lines.append(
            OrderLine(
                tenant_id=order.tenant_id,
                position=position,
                variant_id=variant.id if variant is not None else None,
                upc=given.upc or (variant.upc if variant is not None else None),
                sku=variant.sku if variant is not None else None,
                title=given.title or (_variant_title(variant) if variant else given.upc or "Item"),
                quantity=given.quantity,
                unit_price=price,
            )
        )
    order.lines = new_lines
    mark_edited(order)


def _variant_title(variant: Variant) -> str:
    product = variant.product.title if variant.product is not None else ""
    return f"{product} - {variant.title}".strip(" -") if product else variant.title


def mark_edited(order: Order) -> None:
    """Note an edit: after export the order belongs to Shopify and is not pushed again."""
    _refuse_closed(order)
    if order.shopify_order_gid is not None and order.origin == OrderOrigin.HUB:
        order.modified_after_export = True
    elif order.status in REQUESTABLE and order.status != S.DRAFT:
        problems = missing_for(order, order.status)
        if problems:
            raise OrderError(
                ORDER_INCOMPLETE,
                f"Order {order.number} would no longer be complete: {'; '.join(problems)}.",
                "Move it back to draft first, or keep what its status needs.",
            )


def link_customer(order: Order, customer: Customer) -> None:
    """Link a hub customer (the free-text new customer stays as a note of who it was)."""
    if customer.tenant_id != order.tenant_id:
        raise OrderError(ORDER_NOT_FOUND, "No such customer.", "Check the customer id.")
    order.customer_id = customer.id
    order.customer = customer


def missing_for(order: Order, status: str) -> list[str]:
    """What ``order`` lacks to be in ``status`` (empty when it may be)."""
    if status in (S.DRAFT, S.CANCELLED):
        return []
    problems = []
    if order.customer_id is None:
        named = order.new_customer_company or order.new_customer_name or order.new_customer_email
        problems.append(
            f"the new customer '{named}' is not linked to a hub customer yet"
            if named
            else "it has no customer"
        )
    if not order.lines:
        problems.append("it has no lines")
    for line in order.lines:
        if line.quantity <= 0:
            problems.append(f"line {line.position} ({line.upc}) has quantity {line.quantity}")
    address = order.shipping_address or {}
    absent = [name for name in ADDRESS_REQUIRED if not str(address.get(name) or "").strip()]
    if absent:
        problems.append(f"the shipping address has no {', '.join(absent)}")
    return problems


def transition(
    order: Order,
    to: str,
    *,
    exportable: Collection[str],
    now: datetime | None = None,
    reason: str | None = None,
) -> None:
    """Move ``order`` to status ``to``, or raise INVALID_TRANSITION / ORDER_INCOMPLETE."""
    allowed = TRANSITIONS.get(order.status, frozenset())
    if to not in allowed:
        options = ", ".join(sorted(allowed)) or "none (the order is closed)"
        raise OrderError(
            INVALID_TRANSITION,
            f"Order {order.number} cannot go from {order.status} to {to}.",
            f"From {order.status} it may go to: {options}.",
        )
    problems = missing_for(order, to)
    if problems:
        fix = (
            "Add the customer in Shopify, sync customers, then link it on the order."
            if order.customer_id is None and order.new_customer_email
            else "Complete the order, then try again."
        )
        code = CUSTOMER_NOT_LINKED if order.customer_id is None else ORDER_INCOMPLETE
        raise OrderError(code, f"Order {order.number} cannot be {to}: {'; '.join(problems)}.", fix)
    stamp = now or utcnow()
    order.status = to
    if to == S.PENDING and order.submitted_at is None:
        order.submitted_at = stamp
    if to == S.APPROVED:
        order.approved_at = stamp
    if to == S.CANCELLED:
        order.cancelled_at, order.cancel_reason = stamp, reason
    if to in exportable and order.export_key is None and order.origin == OrderOrigin.HUB:
        order.export_key = new_export_key()


def export_succeeded(
    order: Order, *, gid: str, name: str, kind: str, now: datetime | None = None
) -> None:
    order.status = S.PROCESSED
    order.shopify_order_gid, order.shopify_order_name, order.shopify_kind = gid, name, kind
    order.exported_at = now or utcnow()
    order.error_code = order.error_message = None
    order.modified_after_export = False


def export_failed(order: Order, code: str, message: str) -> None:
    order.status = S.FAILED
    order.error_code, order.error_message = code, message


def reexport(
    order: Order, *, confirm_previous_cancelled: bool, now: datetime | None = None
) -> None:
    """Set a processed order to export again as a new Shopify order, with a new key.

    The old Shopify order must have been cancelled by hand first: the caller confirms it. A
    failed order (nothing in Shopify) simply becomes exportable again with its key kept,
    since an attempt that failed midway may yet show up in Shopify's search.
    """
    _refuse_imported(order, INVALID_TRANSITION)
    if order.status == S.FAILED:
        order.status = S.APPROVED
        order.error_code = order.error_message = None
        if order.export_key is None:
            order.export_key = new_export_key()
        return
    if order.status != S.PROCESSED or order.shopify_order_gid is None:
        raise OrderError(
            NOT_EXPORTED,
            f"Order {order.number} is {order.status}, not exported.",
            "Only a processed or failed order can be set to re-export; approve it to export.",
        )
    if not confirm_previous_cancelled:
        raise OrderError(
            CONFIRMATION_REQUIRED,
            f"Order {order.number} is Shopify order {order.shopify_order_name}; a re-export "
            "creates a second one.",
            "Cancel that order in Shopify, then re-export with confirm_previous_cancelled=true.",
        )
    order.previous_exports = [
        *order.previous_exports,
        {
            "export_key": order.export_key,
            "gid": order.shopify_order_gid,
            "name": order.shopify_order_name,
            "at": (now or utcnow()).isoformat(),
        },
    ]
    order.export_key = new_export_key()
    order.status = S.APPROVED
    order.shopify_order_gid = order.shopify_order_name = order.shopify_kind = None
    order.export_attempted_at = order.exported_at = None
    order.modified_after_export = False


def prepare_export(order: Order, *, exportable: Collection[str]) -> None:
    """Make sure ``order`` is to be exported now ("export now"): in an exportable status with
    its key, or failed and retried with its key kept. Otherwise say what to do instead."""
    _refuse_imported(order, NOT_EXPORTABLE)
    if order.status == S.PROCESSED:
        raise OrderError(
            ALREADY_EXPORTED,
            f"Order {order.number} is Shopify order {order.shopify_order_name} already.",
            "To send it again as a new Shopify order, cancel that one and re-export.",
        )
    if order.status == S.FAILED:
        reexport(order, confirm_previous_cancelled=False)
        return
    if order.status not in exportable:
        statuses = ", ".join(s for s in LIFECYCLE if s in exportable)
        raise OrderError(
            NOT_EXPORTABLE,
            f"Order {order.number} is {order.status}; this tenant exports orders that are "
            f"{statuses}.",
            "Move it on to an exportable status first (approved, for instance).",
        )
    if order.export_key is None:
        order.export_key = new_export_key()


def _refuse_imported(order: Order, code: str) -> None:
    if order.origin != OrderOrigin.HUB:
        raise OrderError(
            code,
            f"Order {order.number} came from Shopify; it is not exported.",
            "Only wholesale orders taken in the hub are exported.",
        )


def _refuse_closed(order: Order) -> None:
    if order.status == S.CANCELLED:
        raise OrderError(
            ORDER_CLOSED, f"Order {order.number} is cancelled.", "Create a new order instead."
        )
