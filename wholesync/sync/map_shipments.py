"""F6 mapping, pure: a hub shipment and its Shopify order (as fetched) in; the fulfillment
to create, the fulfillment already made for it, or the problem that stops it, out. Nothing
here reads the database or calls Shopify.

Hub order lines pair with the Shopify order's line items by the GID the hub keeps (imported
orders), else by position: export creates one Shopify line per hub line, in order.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from wholesync.hub.models import Order, Shipment
from wholesync.sync.errors import render
from wholesync.sync.map_orders_export import Problem

# Fulfillment orders Shopify lets a fulfillment take units from.
OPEN = frozenset({"OPEN", "IN_PROGRESS"})


@dataclass(frozen=True)
class OpenItem:
    """A fulfillment order line item with units left to fulfil."""

    gid: str
    fulfillment_order: str
    line_item: str
    remaining: int


@dataclass(frozen=True)
class Made:
    """A fulfillment Shopify holds: its tracking numbers and units by line item GID."""

    gid: str
    numbers: frozenset[str]
    units: Mapping[str, int]


@dataclass
class ShopifyOrder:
    """The Shopify order of one or more shipments, kept current through the run."""

    gid: str
    name: str
    cancelled: bool
    line_items: list[tuple[str, int]]  # (GID, ordered quantity), in order
    open_items: list[OpenItem] = field(default_factory=list)
    made: list[Made] = field(default_factory=list)

    def shipped(self, made: Made, picks: Mapping[str, int]) -> None:
        """Take a fulfillment just made into account (``picks``: open item GID -> units)."""
        self.made.append(made)
        self.open_items = [
            OpenItem(i.gid, i.fulfillment_order, i.line_item, i.remaining - picks.get(i.gid, 0))
            for i in self.open_items
        ]


def parse_order(node: Any) -> ShopifyOrder | Problem:
    """A ``shipment_orders`` node as a :class:`ShopifyOrder`; never raises. A node not in the
    shape the query selects is an INVALID_PAYLOAD problem for its shipments: a line item read
    wrongly would pair hub lines with the wrong Shopify lines, so nothing is guessed."""
    named = (node.get("name") or node.get("id")) if isinstance(node, Mapping) else None
    name = named if isinstance(named, str) and named.strip() else "(no id)"
    try:
        return _parse(node)
    except _Unreadable as exc:
        detail = (
            f"Shopify order {name} came back with {exc}, which Wholesync cannot read. Check the "
            "order in Shopify, then post the shipment again, or fulfil it in Shopify by hand."
        )
        return Problem("INVALID_PAYLOAD", render("INVALID_PAYLOAD", detail=detail))


class _Unreadable(Exception):
    """What part of an order node is not in the shape ``shipment_orders`` selects."""


def _parse(node: Any) -> ShopifyOrder:
    if not isinstance(node, Mapping):
        raise _Unreadable(f"a {type(node).__name__} instead of an order object")
    gid = _gid(node, "an order")
    open_items = [
        OpenItem(_gid(item, "a fulfillment order line"), fo_gid, line_item, remaining)
        for fo in _items(node.get("fulfillmentOrders"), "fulfillment orders")
        if _status(fo) in OPEN and (fo_gid := _gid(fo, "a fulfillment order"))
        for item in _items(fo.get("lineItems"), "fulfillment order lines")
        if (remaining := _count(item.get("remainingQuantity"), "a remaining quantity")) > 0
        and (line_item := _gid(item.get("lineItem"), "a fulfillment order line's line item"))
    ]
    made = []
    for fulfillment in _items(node.get("fulfillments"), "fulfillments"):
        if _status(fulfillment) == "CANCELLED":
            continue
        units: dict[str, int] = {}
        for item in _items(fulfillment.get("fulfillmentLineItems"), "fulfillment lines"):
            line_gid = _gid(item.get("lineItem"), "a fulfillment line's line item")
            units[line_gid] = units.get(line_gid, 0) + _count(item.get("quantity"), "a quantity")
        numbers = frozenset(
            t["number"]
            for t in _items(fulfillment.get("trackingInfo"), "tracking info")
            if isinstance(t.get("number"), str) and t["number"]
        )
        made.append(Made(_gid(fulfillment, "a fulfillment"), numbers, units))
    name = node.get("name")
    return ShopifyOrder(
        gid=gid,
        name=name if isinstance(name, str) and name else gid,
        cancelled=bool(node.get("cancelledAt")),
        line_items=[
            (_gid(line, "a line item"), _count(line.get("quantity"), "a line quantity", None))
            for line in _items(node.get("lineItems"), "line items")
        ],
        open_items=open_items,
        made=made,
    )


def _items(connection: Any, what: str) -> list[Mapping[str, Any]]:
    """The objects of a connection (``{"nodes": [...]}``) or a plain list; null is none."""
    if isinstance(connection, Mapping) and "nodes" in connection:
        connection = connection["nodes"]
    if connection is None:
        return []
    if not isinstance(connection, list) or not all(isinstance(i, Mapping) for i in connection):
        raise _Unreadable(f"{what} that are not a list of objects")
    return connection


def _status(node: Mapping[str, Any]) -> str:
    status = node.get("status")  # compared by hash below: a list or an object is no status
    return status if isinstance(status, str) else ""


def _gid(node: Any, what: str) -> str:
    gid = node.get("id") if isinstance(node, Mapping) else None
    if not isinstance(gid, str) or not gid.strip():
        raise _Unreadable(f"{what} without an id")
    return gid


def _count(value: Any, what: str, missing: int | None = 0) -> int:
    """A whole number of units, 0 or more; ``missing`` stands for null (None: required)."""
    if value is None and missing is not None:
        return missing
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise _Unreadable(f"{what} of {value!r}, not a whole number of 0 or more")
    return value


def pair_lines(order: Order, shopify: ShopifyOrder) -> dict[int, str] | Problem:
    """Hub order line id -> Shopify line item GID."""
    if all(line.shopify_line_gid for line in order.lines):
        return {line.id: str(line.shopify_line_gid) for line in order.lines}
    if len(shopify.line_items) < len(order.lines):
        detail = f"{len(shopify.line_items)} lines in Shopify, {len(order.lines)} in the hub"
        return mismatch(order, shopify, detail)
    paired: dict[int, str] = {}
    for line, (gid, quantity) in zip(order.lines, shopify.line_items, strict=False):
        if quantity != line.quantity:
            detail = (
                f"line {line.position} ({line.upc or line.title}) orders {quantity} in Shopify "
                f"and {line.quantity} in the hub"
            )
            return mismatch(order, shopify, detail)
        paired[line.id] = gid
    return paired


def mismatch(order: Order, shopify: ShopifyOrder, detail: str) -> Problem:
    return Problem(
        "SHOPIFY_ORDER_MISMATCH",
        render(
            "SHOPIFY_ORDER_MISMATCH",
            order=order.number,
            shopify_order=shopify.name,
            detail=detail,
        ),
    )


def line_names(order: Order, paired: Mapping[int, str]) -> dict[str, str]:
    """Shopify line item GID -> the hub line's key or title."""
    return {paired[line.id]: line.upc or line.title for line in order.lines if line.id in paired}


def units_by_line_item(shipment: Shipment, paired: Mapping[int, str]) -> dict[str, int]:
    """Shopify line item GID -> units the shipment ships."""
    units: dict[str, int] = {}
    for line in shipment.lines:
        gid = paired[line.order_line_id]
        units[gid] = units.get(gid, 0) + line.quantity
    return units


def numbers(shipment: Shipment) -> list[str]:
    return [str(t["number"]) for t in shipment.tracking if t.get("number")]


def recognise(
    shipment: Shipment, units: Mapping[str, int], shopify: ShopifyOrder, taken: Collection[str]
) -> Made | None:
    """The fulfillment already made for ``shipment``: same tracking numbers, same units of
    the same lines, and not the fulfillment of another of the hub's shipments (``taken``)."""
    wanted = frozenset(numbers(shipment))
    for made in shopify.made:
        if made.gid not in taken and made.numbers == wanted and dict(made.units) == dict(units):
            return made
    return None


def picks(
    shipment: Shipment,
    units: Mapping[str, int],
    shopify: ShopifyOrder,
    names: Mapping[str, str],
) -> dict[str, int] | Problem:
    """Open fulfillment order line item GID -> units to fulfil, filled in Shopify's order.
    ``names``: line item GID -> how a person knows the line."""
    if shopify.cancelled:
        return nothing_left(shipment, shopify, "been cancelled in Shopify")
    chosen: dict[str, int] = {}
    for line_item, wanted in units.items():
        left = wanted
        for item in shopify.open_items:
            if item.line_item == line_item and left > 0:
                step = min(item.remaining, left)
                chosen[item.gid] = step
                left -= step
        if left > 0:
            available = wanted - left
            named = names.get(line_item, line_item)
            detail = f"only {available} of '{named}' left to fulfil, not {wanted}"
            return nothing_left(shipment, shopify, detail)
    return chosen


def nothing_left(shipment: Shipment, shopify: ShopifyOrder, detail: str) -> Problem:
    return Problem(
        "NOTHING_TO_FULFIL",
        render(
            "NOTHING_TO_FULFIL",
            shipment=shipment.external_id,
            shopify_order=shopify.name,
            detail=detail,
        ),
    )


def fulfillment_input(
    shipment: Shipment, chosen: Mapping[str, int], shopify: ShopifyOrder
) -> dict[str, Any]:
    """The ``FulfillmentInput`` of a shipment: units grouped by fulfillment order."""
    by_order: dict[str, list[dict[str, Any]]] = {}
    for item in shopify.open_items:
        if item.gid in chosen:
            entry = {"id": item.gid, "quantity": chosen[item.gid]}
            by_order.setdefault(item.fulfillment_order, []).append(entry)
    tracking: dict[str, Any] = {"numbers": numbers(shipment)}
    urls = [str(t["url"]) for t in shipment.tracking if t.get("url")]
    if urls:
        tracking["urls"] = urls
    if shipment.carrier:
        tracking["company"] = shipment.carrier
    return {
        "notifyCustomer": bool(shipment.notify_customer),
        "trackingInfo": tracking,
        "lineItemsByFulfillmentOrder": [
            {"fulfillmentOrderId": fo, "fulfillmentOrderLineItems": items}
            for fo, items in by_order.items()
        ],
    }
