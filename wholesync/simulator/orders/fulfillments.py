"""Fulfillment orders and fulfillments over GraphQL: the relation fields, the ``fulfillment`` and
``fulfillmentOrder`` roots, and ``fulfillmentCreate``, ``fulfillmentCancel`` and
``fulfillmentTrackingInfoUpdate``."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLResolveInfo

from wholesync.simulator.api.errors import user_error
from wholesync.simulator.api.pagination import connection
from wholesync.simulator.orders import fulfillment_model
from wholesync.simulator.orders import payloads as order_webhooks
from wholesync.simulator.orders.input import number_of
from wholesync.simulator.orders.records import (
    OPEN_FULFILLMENT_ORDER,
    order_fulfillment_orders,
    order_fulfillments,
    touch,
)
from wholesync.simulator.registry import ctx, node_type, resolves, webhook_payload
from wholesync.simulator.store import Record, Shop

webhook_payload("fulfillments/create")(order_webhooks.fulfillment_payload)


def _number(record: Record) -> int:
    return int(record["id"].rsplit("/", 1)[1])


@node_type("Fulfillment")
def _fulfillment_node(shop: Shop, number: int) -> Record | None:
    return shop.fulfillments.get(number)


@node_type("FulfillmentOrder")
def _fulfillment_order_node(shop: Shop, number: int) -> Record | None:
    return shop.fulfillment_orders.get(number)


@resolves("Order", "fulfillmentOrders")
def order_fulfillment_orders_connection(
    order: Record, info: GraphQLResolveInfo, displayable: bool = False, **args: Any
) -> Any:
    found = order_fulfillment_orders(ctx(info).shop, order)
    if displayable:
        found = [fo for fo in found if fo["status"] != "CANCELLED"]
    return connection(found, args, number=_number)


@resolves("Order", "fulfillments")
def order_fulfillments_list(
    order: Record, info: GraphQLResolveInfo, first: int | None = None, **_: Any
) -> list[Record]:
    found = order_fulfillments(ctx(info).shop, order)
    return found[:first] if first is not None else found


@resolves("Order", "fulfillmentsCount")
def order_fulfillments_count(order: Record, info: GraphQLResolveInfo) -> dict[str, Any]:
    return {"count": len(order["_fulfillments"]), "precision": "EXACT"}


@resolves("FulfillmentOrder", "lineItems")
def fulfillment_order_line_items(fo: Record, info: GraphQLResolveInfo, **args: Any) -> Any:
    return connection(fo["_line_items"], args, number=_number)


@resolves("FulfillmentOrder", "order")
def fulfillment_order_order(fo: Record, info: GraphQLResolveInfo) -> Record:
    order: Record = ctx(info).shop.orders[fo["_order"]]
    return order


@resolves("FulfillmentOrder", "fulfillments")
def fulfillment_order_fulfillments(fo: Record, info: GraphQLResolveInfo, **args: Any) -> Any:
    shop = ctx(info).shop
    return connection([shop.fulfillments[n] for n in fo["_fulfillments"]], args, number=_number)


@resolves("FulfillmentOrderAssignedLocation", "location")
def assigned_location_location(assigned: Record, info: GraphQLResolveInfo) -> Record | None:
    return ctx(info).shop.locations.get(assigned["_location"])


@resolves("FulfillmentOrderLineItem", "lineItem")
def fulfillment_order_line_item_line(item: Record, info: GraphQLResolveInfo) -> Record:
    line: Record = ctx(info).shop.line_items[item["_line_item"]]
    return line


@resolves("FulfillmentOrderLineItem", "variant")
def fulfillment_order_line_item_variant(item: Record, info: GraphQLResolveInfo) -> Record | None:
    return ctx(info).shop.variants.get(item["_variant"]) if item["_variant"] else None


@resolves("Fulfillment", "order")
def fulfillment_order_of(fulfillment: Record, info: GraphQLResolveInfo) -> Record:
    order: Record = ctx(info).shop.orders[fulfillment["_order"]]
    return order


@resolves("Fulfillment", "location")
def fulfillment_location(fulfillment: Record, info: GraphQLResolveInfo) -> Record | None:
    return ctx(info).shop.locations.get(fulfillment["_location"])


@resolves("Fulfillment", "fulfillmentLineItems")
def fulfillment_line_items(fulfillment: Record, info: GraphQLResolveInfo, **args: Any) -> Any:
    return connection(fulfillment["_line_items"], args, number=_number)


@resolves("Fulfillment", "fulfillmentOrders")
def fulfillment_fulfillment_orders(
    fulfillment: Record, info: GraphQLResolveInfo, **args: Any
) -> Any:
    shop = ctx(info).shop
    found = [shop.fulfillment_orders[n] for n in fulfillment["_fulfillment_orders"]]
    return connection(found, args, number=_number)


@resolves("Fulfillment", "trackingInfo")
def fulfillment_tracking(
    fulfillment: Record, info: GraphQLResolveInfo, first: int | None = None
) -> list[Record]:
    tracking: list[Record] = fulfillment["trackingInfo"]
    return tracking[:first] if first is not None else tracking


@resolves("FulfillmentLineItem", "lineItem")
def fulfillment_line_item_line(item: Record, info: GraphQLResolveInfo) -> Record:
    line: Record = ctx(info).shop.line_items[item["_line_item"]]
    return line


@resolves("QueryRoot", "fulfillment")
def resolve_fulfillment(_: Any, info: GraphQLResolveInfo, id: str) -> Record | None:
    number = number_of(id, "Fulfillment")
    return ctx(info).shop.fulfillments.get(number) if number is not None else None


@resolves("QueryRoot", "fulfillmentOrder")
def resolve_fulfillment_order(_: Any, info: GraphQLResolveInfo, id: str) -> Record | None:
    number = number_of(id, "FulfillmentOrder")
    return ctx(info).shop.fulfillment_orders.get(number) if number is not None else None


class _Rejected(Exception):
    def __init__(self, field: list[str] | None, message: str) -> None:
        super().__init__(message)
        self.error = user_error(field, message)


def _picks(shop: Shop, requested: list[Record]) -> tuple[Record, list[tuple[Record, Record, int]]]:
    """Resolve ``lineItemsByFulfillmentOrder`` into (fulfillment order, item, quantity) picks."""
    picks: list[tuple[Record, Record, int]] = []
    orders: set[int] = set()
    for index, entry in enumerate(requested):
        where = ["fulfillment", "lineItemsByFulfillmentOrder", str(index)]
        number = number_of(entry["fulfillmentOrderId"], "FulfillmentOrder")
        fulfillment_order = shop.fulfillment_orders.get(number) if number is not None else None
        if fulfillment_order is None:
            raise _Rejected([*where, "fulfillmentOrderId"], "Fulfillment order does not exist.")
        if fulfillment_order["status"] not in OPEN_FULFILLMENT_ORDER:
            raise _Rejected(
                [*where, "fulfillmentOrderId"],
                f"Fulfillment order {fulfillment_order['id']} has an unfulfillable status= "
                f"{fulfillment_order['status'].lower()}.",
            )
        orders.add(fulfillment_order["_order"])
        items = {item["id"]: item for item in fulfillment_order["_line_items"]}
        wanted = entry.get("fulfillmentOrderLineItems")
        if wanted is None:
            picks += [(fulfillment_order, i, i["remainingQuantity"]) for i in items.values()]
            continue
        for item_index, line in enumerate(wanted):
            item = items.get(line["id"])
            line_where = [*where, "fulfillmentOrderLineItems", str(item_index)]
            if item is None:
                raise _Rejected([*line_where, "id"], "Fulfillment order line item does not exist.")
            if line["quantity"] < 1 or line["quantity"] > item["remainingQuantity"]:
                raise _Rejected(
                    [*line_where, "quantity"],
                    "Invalid fulfillment order line item quantity requested.",
                )
            picks.append((fulfillment_order, item, line["quantity"]))
    if len(orders) > 1:
        raise _Rejected(
            ["fulfillment", "lineItemsByFulfillmentOrder"],
            "All fulfillment orders must belong to the same order.",
        )
    picks = [pick for pick in picks if pick[2] > 0]
    if not picks:
        raise _Rejected(["fulfillment"], "Line items must have at least one item to fulfill.")
    return shop.orders[picks[0][0]["_order"]], picks


@resolves("Mutation", "fulfillmentCreate")
def fulfillment_create(
    _: Any, info: GraphQLResolveInfo, fulfillment: Record, message: str | None = None
) -> dict[str, Any]:
    context = ctx(info)
    shop = context.shop
    try:
        order, picks = _picks(shop, fulfillment["lineItemsByFulfillmentOrder"])
    except _Rejected as rejected:
        return {"fulfillment": None, "userErrors": [rejected.error]}
    if order["cancelledAt"]:
        return {
            "fulfillment": None,
            "userErrors": [user_error(["fulfillment"], "Order is cancelled.")],
        }
    record = fulfillment_model.ship(
        shop,
        context.emit,
        order,
        picks,
        fulfillment_model.tracking_entries(fulfillment.get("trackingInfo")),
        bool(fulfillment.get("notifyCustomer")),
    )
    record["_message"] = message
    touch(shop, order)
    context.emit("fulfillments/create", record)
    context.emit("orders/updated", order)
    return {"fulfillment": record, "userErrors": []}


@resolves("Mutation", "fulfillmentCancel")
def fulfillment_cancel(_: Any, info: GraphQLResolveInfo, id: str) -> dict[str, Any]:
    context = ctx(info)
    shop = context.shop
    number = number_of(id, "Fulfillment")
    fulfillment = shop.fulfillments.get(number) if number is not None else None
    if fulfillment is None:
        return {"fulfillment": None, "userErrors": [user_error(["id"], "Fulfillment not found.")]}
    if fulfillment["status"] != "SUCCESS":
        error = user_error(["id"], "Fulfillment cannot be cancelled.")
        return {"fulfillment": None, "userErrors": [error]}
    order = shop.orders[fulfillment["_order"]]
    fulfillment_model.unship(shop, context.emit, order, fulfillment)
    touch(shop, order)
    context.emit("orders/updated", order)
    return {"fulfillment": fulfillment, "userErrors": []}


def _update_tracking(
    info: GraphQLResolveInfo, fulfillmentId: str, trackingInfoInput: Record
) -> dict[str, Any]:
    context = ctx(info)
    shop = context.shop
    number = number_of(fulfillmentId, "Fulfillment")
    fulfillment = shop.fulfillments.get(number) if number is not None else None
    if fulfillment is None:
        error = user_error(["fulfillmentId"], "Fulfillment does not exist.")
        return {"fulfillment": None, "userErrors": [error]}
    fulfillment["trackingInfo"] = fulfillment_model.tracking_entries(trackingInfoInput)
    fulfillment["updatedAt"] = shop.now()
    order = shop.orders[fulfillment["_order"]]
    touch(shop, order)
    context.emit("orders/updated", order)
    return {"fulfillment": fulfillment, "userErrors": []}


@resolves("Mutation", "fulfillmentTrackingInfoUpdate")
def fulfillment_tracking_update(
    _: Any,
    info: GraphQLResolveInfo,
    fulfillmentId: str,
    trackingInfoInput: Record,
    notifyCustomer: bool | None = None,
) -> dict[str, Any]:
    return _update_tracking(info, fulfillmentId, trackingInfoInput)


@resolves("Mutation", "fulfillmentTrackingInfoUpdateV2")
def fulfillment_tracking_update_v2(
    _: Any,
    info: GraphQLResolveInfo,
    fulfillmentId: str,
    trackingInfoInput: Record,
    notifyCustomer: bool | None = None,
) -> dict[str, Any]:
    return _update_tracking(info, fulfillmentId, trackingInfoInput)
