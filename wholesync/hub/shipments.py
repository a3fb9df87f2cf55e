"""Shipments rules: taking a shipment posted by an ERP (which order, which lines, how many),
the idempotency of its external id, and what a fulfilled shipment does to its order.

A line's remaining quantity is what its order line holds less what the order's live
shipments claim (pending, fulfilled, or failed only because Shopify was unavailable, since
those are retried and may exist), so two shipments posted quickly never over-ship a line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from .errors import HubError
from .models import Order, OrderLine, OrderOrigin, OrderStatus, Shipment, ShipmentLine
from .models import ShipmentStatus as Status
from .models.types import utcnow
from .orders import ORDER_NOT_FOUND, TRANSITIONS

ORDER_NOT_EXPORTED = "ORDER_NOT_EXPORTED"
ORDER_LINE_NOT_FOUND = "ORDER_LINE_NOT_FOUND"
QUANTITY_EXCEEDS_REMAINING = "QUANTITY_EXCEEDS_REMAINING"
NOTHING_TO_SHIP = "NOTHING_TO_SHIP"
SHIPMENT_CONFLICT = "SHIPMENT_CONFLICT"
SHIPMENT_NOT_FOUND = "SHIPMENT_NOT_FOUND"
# A shipment failed with this code is retried by the next run, as order export does.
RETRIED_CODE = "SHOPIFY_UNAVAILABLE"


class ShipmentError(HubError):
    """A shipment was refused; ``code`` says why, the message how to fix it."""


@dataclass(frozen=True)
class LineRef:
    """A shipped line, naming its order line by id or by variant key (``upc``)."""

    quantity: int
    order_line_id: int | None = None
    upc: str | None = None


@dataclass(frozen=True)
class Tracking:
    number: str
    url: str | None = None


@dataclass(frozen=True)
class ShipmentInput:
    external_id: str
    carrier: str | None
    tracking: Sequence[Tracking]
    notify_customer: bool | None
    lines: Sequence[LineRef] | None  # None: everything that remains


def find_order(
    session: Session,
    tenant_id: int,
    *,
    order_id: int | None = None,
    number: str | None = None,
    shopify_name: str | None = None,
) -> Order:
    """The tenant's order by hub id, hub number or Shopify order name, else ORDER_NOT_FOUND."""
    query = Order.for_tenant(tenant_id).options(selectinload(Order.lines))
    if order_id is not None:
        order = session.scalars(query.where(Order.id == order_id)).first()
        named = f"id {order_id}"
    elif number is not None:
        order = session.scalars(query.where(Order.number == number)).first()
        named = f"number {number!r}"
    else:
        names = {shopify_name or "", "#" + (shopify_name or "").lstrip("#")}
        order = session.scalars(query.where(Order.shopify_order_name.in_(names))).first()
        named = f"Shopify name {shopify_name!r}"
    if order is None:
        raise ShipmentError(
            ORDER_NOT_FOUND,
            f"No order with {named}.",
            "Check it against GET /orders (order_id, order_number or shopify_order_name).",
        )
    return order


def shopify_order_of(order: Order) -> str | None:
    """The GID of the Shopify order that fulfils ``order`` (None if there is none yet)."""
    if order.origin == OrderOrigin.SHOPIFY or order.shopify_kind == "order":
        return order.shopify_order_gid
    return None


def check_exported(order: Order) -> None:
    """ORDER_NOT_EXPORTED unless the order is a Shopify order to fulfil; ORDER_CLOSED if it
    was cancelled."""
    if order.status == OrderStatus.CANCELLED:
        raise ShipmentError(
            "ORDER_CLOSED", f"Order {order.number} is cancelled.", "Nothing of it can ship."
        )
    if shopify_order_of(order) is not None:
        return
    if order.shopify_kind == "draft_order":
        raise ShipmentError(
            ORDER_NOT_EXPORTED,
            f"Order {order.number} was exported as Shopify draft order "
            f"{order.shopify_order_name}, which cannot be fulfilled.",
            "Complete the draft order in Shopify and fulfil it there, or export orders as "
            "orders (wholesync tenants set NAME orders.export_as order) and re-export it.",
        )
    raise ShipmentError(
        ORDER_NOT_EXPORTED,
        f"Order {order.number} is {order.status} and was never exported to Shopify, so "
        "there is no Shopify order to fulfil.",
        f"Export it first (approve it, or POST /orders/{order.id}/export), then post the "
        "shipment again.",
    )


def live(shipment: Shipment) -> bool:
    """Whether the shipment claims its units: it shipped, or still may."""
    if shipment.status == Status.FAILED:
        return shipment.error_code == RETRIED_CODE
    return True


def claimed(session: Session, order: Order, *, besides: int | None = None) -> dict[int, int]:
    """Order line id -> units the order's live shipments (but ``besides``) claim."""
    query = (
        select(Shipment).where(Shipment.order_id == order.id).options(selectinload(Shipment.lines))
    )
    found: dict[int, int] = {}
    for shipment in session.scalars(query):
        if shipment.id == besides or not live(shipment):
            continue
        for line in shipment.lines:
            found[line.order_line_id] = found.get(line.order_line_id, 0) + line.quantity
    return found


def _label(line: OrderLine) -> str:
    return f"line {line.position} ({line.upc or line.title}, order line id {line.id})"


def resolve_lines(
    order: Order, given: Sequence[LineRef] | None, taken: dict[int, int]
) -> list[tuple[OrderLine, int]]:
    """(order line, units) of a shipment; omitted lines ship everything that remains. A key
    naming several lines fills them in order."""
    left = {line.id: line.quantity - taken.get(line.id, 0) for line in order.lines}
    if given is None:
        picked = [(line, left[line.id]) for line in order.lines if left[line.id] > 0]
        if not picked:
            raise ShipmentError(
                NOTHING_TO_SHIP,
                f"Every unit of order {order.number} is already shipped or in a shipment.",
                "List the shipments with GET /shipments?order_id=...; nothing is left to ship.",
            )
        return picked
    wanted: dict[int, int] = {}
    for position, ref in enumerate(given, start=1):
        lines = [
            line
            for line in order.lines
            if line.id == ref.order_line_id or (ref.upc is not None and line.upc == ref.upc)
        ]
        if not lines:
            named = f"order line id {ref.order_line_id}" if ref.upc is None else f"UPC {ref.upc!r}"
            raise ShipmentError(
                ORDER_LINE_NOT_FOUND,
                f"Shipment line {position}: order {order.number} has no line with {named}.",
                f"Name a line of the order (GET /orders/{order.id}) by order_line_id or upc.",
            )
        units = ref.quantity
        for line in lines:
            room = left[line.id] - wanted.get(line.id, 0)
            step = min(room, units) if line is not lines[-1] else units
            if step > 0:
                wanted[line.id] = wanted.get(line.id, 0) + step
                units -= step
        for line in lines:
            if wanted.get(line.id, 0) > left[line.id]:
                raise ShipmentError(
                    QUANTITY_EXCEEDS_REMAINING,
                    f"Shipment line {position}: {wanted[line.id]} units of {_label(line)} are "
                    f"shipped, but only {max(left[line.id], 0)} of its {line.quantity} remain "
                    "unshipped.",
                    "Lower the quantity to what remains; units in earlier shipments count.",
                )
    by_id = {line.id: line for line in order.lines}
    return [(by_id[line_id], units) for line_id, units in wanted.items()]


def matches(
    shipment: Shipment,
    order: Order,
    given: ShipmentInput,
    lines: Sequence[tuple[OrderLine, int]] | None,
) -> bool:
    """Whether a repeated post says what ``shipment`` says (``lines`` None: left out)."""
    tracking = [{"number": t.number, "url": t.url} for t in given.tracking]
    same = (
        shipment.order_id == order.id
        and shipment.carrier == given.carrier
        and shipment.tracking == tracking
        and given.notify_customer in (None, shipment.notify_customer)
    )
    if lines is None:
        return same
    mine = sorted((line.order_line_id, line.quantity) for line in shipment.lines)
    return same and mine == sorted((line.id, units) for line, units in lines)


def new_shipment(
    tenant_id: int,
    order: Order,
    given: ShipmentInput,
    lines: Sequence[tuple[OrderLine, int]],
    notify_default: bool,
) -> Shipment:
    notify = given.notify_customer if given.notify_customer is not None else notify_default
    return Shipment(
        tenant_id=tenant_id,
        order_id=order.id,
        external_id=given.external_id,
        carrier=given.carrier,
        tracking=[{"number": t.number, "url": t.url} for t in given.tracking],
        notify_customer=notify,
        status=Status.PENDING,
        lines=[
            ShipmentLine(tenant_id=tenant_id, order_line_id=line.id, quantity=units)
            for line, units in lines
        ],
    )


def conflict(shipment: Shipment) -> ShipmentError:
    return ShipmentError(
        SHIPMENT_CONFLICT,
        f"Shipment {shipment.external_id!r} was already posted (hub shipment {shipment.id}) "
        "with other content.",
        "Post a new shipment under a new external_id; a repeated post must be identical.",
    )


def retry(shipment: Shipment) -> None:
    """Send a failed shipment again (its attempt time kept: it may yet be recognised)."""
    if shipment.status == Status.FAILED:
        shipment.status = Status.PENDING
        shipment.error_code = shipment.error_message = None


def fulfilled(shipment: Shipment, order: Order, gid: str, now: datetime | None = None) -> None:
    """The shipment is a Shopify fulfillment: count its units and move the order on."""
    shipment.status = Status.FULFILLED
    shipment.shopify_fulfillment_gid = gid
    shipment.fulfilled_at = now or utcnow()
    shipment.error_code = shipment.error_message = None
    units = {line.order_line_id: line.quantity for line in shipment.lines}
    for line in order.lines:
        line.shipped_quantity = min(line.quantity, line.shipped_quantity + units.get(line.id, 0))
    done = all(line.shipped_quantity >= line.quantity for line in order.lines)
    status = OrderStatus.SHIPPED if done else OrderStatus.PARTIALLY_SHIPPED
    # Imported orders keep the status their import gives them.
    if order.origin == OrderOrigin.HUB and status in TRANSITIONS.get(order.status, ()):
        order.status = status


def failed(shipment: Shipment, code: str, message: str) -> None:
    shipment.status = Status.FAILED
    shipment.error_code, shipment.error_message = code, message


def accept(
    session: Session, tenant_id: int, order: Order, given: ShipmentInput, notify_default: bool
) -> tuple[Shipment, bool]:
    """The shipment ``given`` describes, and whether it is new. A shipment posted before
    under the same external id is returned as it is (a failed one is set to be sent again)
    when the post says the same, else SHIPMENT_CONFLICT."""
    query = Shipment.for_tenant(tenant_id).where(Shipment.external_id == given.external_id)
    existing = session.scalars(query.options(selectinload(Shipment.lines))).first()
    if existing is not None:
        lines = None
        if given.lines is not None:
            try:
                lines = resolve_lines(
                    order, given.lines, claimed(session, order, besides=existing.id)
                )
            except ShipmentError:
                raise conflict(existing) from None
        if not matches(existing, order, given, lines):
            raise conflict(existing)
        retry(existing)
        return existing, False
    check_exported(order)
    picked = resolve_lines(order, given.lines, claimed(session, order))
    shipment = new_shipment(tenant_id, order, given, picked, notify_default)
    session.add(shipment)
    session.flush()
    return shipment, True
