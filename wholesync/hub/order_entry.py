"""Taking an order as given from outside (the REST API, a form): find the customer, buyer and
variants it names in the tenant's hub, and apply its plain fields. Nothing of another tenant
is ever found."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from .customers import ADDRESS_FIELDS, customer_by_code, default_address
from .models import AddressKind, Buyer, Customer, Order, Variant
from .orders import LineInput, OrderError, link_customer, mark_edited, set_lines

CUSTOMER_NOT_FOUND = "CUSTOMER_NOT_FOUND"
BUYER_NOT_FOUND = "BUYER_NOT_FOUND"
BUYER_MISMATCH = "BUYER_MISMATCH"
VARIANT_NOT_FOUND = "VARIANT_NOT_FOUND"
VARIANT_ARCHIVED = "VARIANT_ARCHIVED"
INVALID_SHIP_WINDOW = "INVALID_SHIP_WINDOW"

# Order columns an outside caller sets as they are.
PLAIN_FIELDS = (
    "po_number",
    "currency",
    "ship_start",
    "ship_complete",
    "payment_terms",
    "shipping_method",
    "notes",
    "sales_rep",
    "linesheet",
    "email",
    "operator_comment",
)


@dataclass(frozen=True)
class LineRef:
    """A line naming its variant by the tenant's key (``upc``) or by hub id."""

    quantity: int
    unit_price: Decimal | None = None
    upc: str | None = None
    variant_id: int | None = None


def find_customer(
    session: Session, tenant_id: int, *, customer_id: int | None, customer_code: str | None
) -> Customer:
    """The tenant's customer with this id or code, or CUSTOMER_NOT_FOUND."""
    customer = None
    if customer_id is not None:
        customer = session.get(Customer, customer_id)
    elif customer_code is not None:
        customer = customer_by_code(session, tenant_id, customer_code)
    if customer is None or customer.tenant_id != tenant_id:
        named = f"id {customer_id}" if customer_id is not None else f"code {customer_code!r}"
        raise OrderError(
            CUSTOMER_NOT_FOUND,
            f"No customer with {named}.",
            "Check it against GET /customers; a customer new to the hub comes in with the "
            "next customer sync, or name it as new_customer meanwhile.",
        )
    return customer


def find_buyer(session: Session, tenant_id: int, buyer_id: int, order: Order) -> Buyer:
    """The tenant's buyer, who must order for the order's customer when it has one."""
    buyer = session.get(Buyer, buyer_id)
    if buyer is None or buyer.tenant_id != tenant_id:
        raise OrderError(
            BUYER_NOT_FOUND, f"No buyer with id {buyer_id}.", "Check it against GET /buyers."
        )
    if order.customer_id is not None and buyer.customer_id != order.customer_id:
        raise OrderError(
            BUYER_MISMATCH,
            f"Buyer {buyer_id} orders for customer {buyer.customer_id}, not for the order's "
            f"customer {order.customer_id}.",
            "Pick a buyer of the order's customer (GET /buyers?customer_id=...).",
        )
    return buyer


def resolve_lines(session: Session, tenant_id: int, lines: Sequence[LineRef]) -> list[LineInput]:
    """Each line with its variant, found by UPC or id; unknown or archived ones are refused."""
    resolved = []
    for position, line in enumerate(lines, start=1):
        if line.variant_id is not None:
            variant = session.get(Variant, line.variant_id)
            named = f"variant id {line.variant_id}"
        else:
            variant = session.scalar(Variant.for_tenant(tenant_id).where(Variant.upc == line.upc))
            named = f"UPC {line.upc!r}"
        if variant is None or variant.tenant_id != tenant_id:
            raise OrderError(
                VARIANT_NOT_FOUND,
                f"Line {position}: no variant with {named}.",
                "Check it against GET /variants; a product new in Shopify arrives with the "
                "next product sync.",
            )
        if variant.archived_at is not None:
            raise OrderError(
                VARIANT_ARCHIVED,
                f"Line {position}: variant {variant.upc} is archived.",
                "Order another variant, or make the product active and tagged in Shopify.",
            )
        resolved.append(LineInput(line.quantity, line.unit_price, upc=variant.upc, variant=variant))
    return resolved


def apply_fields(order: Order, values: Mapping[str, Any]) -> None:
    """Set the plain fields and addresses present in ``values``; then check the ship window."""
    for name in PLAIN_FIELDS:
        if name in values:
            setattr(order, name, values[name])
    for name in ("shipping_address", "billing_address"):
        if name in values:
            given = values[name]
            setattr(order, name, _address(given) if given is not None else None)
    if order.ship_start and order.ship_complete and order.ship_complete < order.ship_start:
        raise OrderError(
            INVALID_SHIP_WINDOW,
            f"ship_complete {order.ship_complete} is before ship_start {order.ship_start}.",
            "Give a ship window that ends on or after its start.",
        )


def apply_entry(session: Session, tenant_id: int, order: Order, values: Mapping[str, Any]) -> None:
    """Apply an order as given (the keys of ``values`` only): plain fields and addresses, a
    new customer (company, name, email) to link later, the customer by ``customer_id`` or
    ``customer_code`` (its default addresses fill the order's missing ones), the buyer, and
    ``lines`` (line mappings with the fields of :class:`LineRef`), which replace all lines."""
    apply_fields(order, values)
    if "new_customer" in values:
        named = values["new_customer"] or {}
        order.new_customer_company = named.get("company")
        order.new_customer_name = named.get("name")
        order.new_customer_email = named.get("email")
    customer_id, customer_code = values.get("customer_id"), values.get("customer_code")
    if customer_id is not None or customer_code is not None:
        customer = find_customer(
            session, tenant_id, customer_id=customer_id, customer_code=customer_code
        )
        link_customer(order, customer)
        default_addresses(order, customer)
    if "buyer_id" in values:
        order.buyer_id = None
        if values["buyer_id"] is not None:
            buyer = find_buyer(session, tenant_id, values["buyer_id"], order)
            if order.customer is None:
                link_customer(order, buyer.customer)
                default_addresses(order, buyer.customer)
            order.buyer_id = buyer.id
    elif order.buyer_id is not None:
        find_buyer(session, tenant_id, order.buyer_id, order)  # still the customer's buyer
    if values.get("lines") is not None:
        refs = [LineRef(**line) for line in values["lines"]]
        set_lines(order, resolve_lines(session, tenant_id, refs))
    else:
        mark_edited(order)


def default_addresses(order: Order, customer: Customer) -> None:
    """Fill the order's missing addresses from the customer's default ones."""
    for name, kind in (
        ("shipping_address", AddressKind.SHIPPING),
        ("billing_address", AddressKind.BILLING),
    ):
        if getattr(order, name) is None:
            found = default_address(customer, kind)
            if found is not None:
                setattr(order, name, _address({f: getattr(found, f) for f in ADDRESS_FIELDS}))


def _address(given: Mapping[str, Any]) -> dict[str, Any]:
    return {name: given[name] for name in ADDRESS_FIELDS if given.get(name) is not None}
