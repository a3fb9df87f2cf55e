"""Fulfillment orders and fulfillments over GraphQL: the relation fields, the ``fulfillment`` and
``fulfillmentOrder`` roots, and ``fulfillmentCreate``, ``fulfillmentCancel`` and
``fulfillmentTrackingInfoUpdate``."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLResolveInfo

from wholesync.simulator.api.errors import user_error
from wholesync.simulator.api.pagination import connection, count_payload
from wholesync.simulator.orders import fulfillment_model
from wholesync.simulator.orders import payloads as order_webhooks
from wholesync.simulator.orders.input import number_of
from wholesync.simulator.orders.records import (
    OPEN_FULFILLMENT_ORDER,
    order_fulfillment_orders,
    order_fulfillments,
    touch,
)
from wholesync.simulator.registry import (
    ctx,
    node_table,
    relation,
    resolves,
    root_record,
    webhook_payload,
)
from wholesync.simulator.store import Record, Shop

webhook_payload("fulfillments/create")(order_webhooks.fulfillment_payload)


def _number(record: Record) -> int:
    return int(record["id"].rsplit("/", 1)[1])


node_table("Fulfillment", lambda shop: shop.fulfillments)
node_table("FulfillmentOrder", lambda shop: shop.fulfillment_orders)
root_record("fulfillment", "Fulfillment")
root_record("fulfillmentOrder", "FulfillmentOrder")


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
    return count_payload(len(order["_fulfillments"]))


@resolves("FulfillmentOrder", "lineItems")
def fulfillment_order_line_items(fo: Record, info: GraphQLResolveInfo, **args: Any) -> Any:
    return connection(fo["_line_items"], args, number=_number)


relation("FulfillmentOrder", "order", lambda shop: shop.orders, "_order")
relation("FulfillmentOrderAssignedLocation", "location", lambda shop: shop.locations, "_location")
relation("FulfillmentOrderLineItem", "lineItem", lambda shop: shop.line_items, "_line_item")
relation("FulfillmentOrderLineItem", "variant", lambda shop: shop.variants, "_variant")
relation("Fulfillment", "order", lambda shop: shop.orders, "_order")
relation("Fulfillment", "location", lambda shop: shop.locations, "_location")
relation("FulfillmentLineItem", "lineItem", lambda shop: shop.line_items, "_line_item")


@resolves("FulfillmentOrder", "fulfillments")
def fulfillment_order_fulfillments(fo: Record, info: GraphQLResolveInfo, **args: Any) -> Any:
    shop = ctx(info).shop
    return connection([shop.fulfillments[n] for n in fo["_fulfillments"]], args, number=_number)


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


@resolves("Mutation", "fulfillmentTrackingInfoUpdate")
@resolves("Mutation", "fulfillmentTrackingInfoUpdateV2")
def fulfillment_tracking_update(
    _: Any,
    info: GraphQLResolveInfo,
    fulfillmentId: str,
    trackingInfoInput: Record,
    notifyCustomer: bool | None = None,
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
