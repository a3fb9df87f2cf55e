"""Orders: ``order``/``orders``/``ordersCount``, the ``Order`` and ``LineItem`` fields that are
relations, and the ``orderCreate`` and ``orderCancel`` mutations."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from graphql import GraphQLResolveInfo

from wholesync.simulator.api.pagination import connection, count_payload
from wholesync.simulator.ids import gid
from wholesync.simulator.orders import payloads as order_webhooks
from wholesync.simulator.orders import stock as order_inventory
from wholesync.simulator.orders.create import place
from wholesync.simulator.orders.fulfillment_model import sync_status
from wholesync.simulator.orders.input import InputProblem, number_of, read_order
from wholesync.simulator.orders.money import Amount, bag
from wholesync.simulator.orders.records import (
    customer_name,
    order_line_items,
    refresh,
    search_values,
    touch,
)
from wholesync.simulator.orders.search_index import search_records, snapshot_getters
from wholesync.simulator.registry import (
    Context,
    ctx,
    node_table,
    relation,
    resolves,
    root_record,
    webhook_payload,
)
from wholesync.simulator.store import Record, Shop

ORDER_FIELDS = (
    "id",
    "name",
    "email",
    "tag",
    "source_identifier",
    "source_name",
    "status",
    "financial_status",
    "fulfillment_status",
    "created_at",
    "updated_at",
    "processed_at",
    "customer_id",
    "sku",
    "test",
    "po_number",
)
DEFAULT_FIELDS = ("name", "email", "tag", "sku", "source_identifier")


SEARCH_FIELDS = snapshot_getters(ORDER_FIELDS)

webhook_payload("orders/create", "orders/updated", "orders/cancelled")(order_webhooks.order_payload)


def _number(record: Record) -> int:
    return int(record["legacyResourceId"])


def find_order(shop: Shop, value: Any) -> Record | None:
    number = number_of(value, "Order")
    return shop.orders.get(number) if number is not None else None


node_table("Order", lambda shop: shop.orders)
node_table("LineItem", lambda shop: shop.line_items)
root_record("order", "Order")


def _money(order: Record, key: str) -> Decimal:
    return Decimal(order[key]["shopMoney"]["amount"])


def _sorter(shop: Shop, key: str) -> Callable[[Record], Any]:
    sorts: dict[str, Callable[[Record], Any]] = {
        "CREATED_AT": lambda o: o["createdAt"],
        "UPDATED_AT": lambda o: o["updatedAt"],
        "PROCESSED_AT": lambda o: o["processedAt"],
        "ORDER_NUMBER": lambda o: o["number"],
        "TOTAL_PRICE": lambda o: _money(o, "totalPriceSet"),
        "CURRENT_TOTAL_PRICE": lambda o: _money(o, "currentTotalPriceSet"),
        "CUSTOMER_NAME": lambda o: customer_name(shop, o),
        "FINANCIAL_STATUS": lambda o: o["displayFinancialStatus"] or "",
        "FULFILLMENT_STATUS": lambda o: o["displayFulfillmentStatus"],
        "PO_NUMBER": lambda o: o["poNumber"] or "",
        "TOTAL_ITEMS_QUANTITY": lambda o: o["subtotalLineItemsQuantity"],
        "DESTINATION": lambda o: (o["shippingAddress"] or {}).get("country") or "",
    }
    return sorts.get(key, _number)


def search_orders(shop: Shop, query: str | None) -> list[Record]:
    """Orders matching ``query`` as the search index sees them (it may lag behind writes)."""
    return search_records(
        shop,
        shop.orders.values(),
        query,
        lambda order: search_values(shop, order),
        SEARCH_FIELDS,
        DEFAULT_FIELDS,
    )


@resolves("QueryRoot", "orders")
def resolve_orders(_: Any, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
    shop = ctx(info).shop
    key = _sorter(shop, args.get("sortKey") or "PROCESSED_AT")
    found = sorted(search_orders(shop, args.get("query")), key=lambda o: (key(o), _number(o)))
    return connection(found, args, number=_number, sort_value=key)


@resolves("QueryRoot", "ordersCount")
def resolve_orders_count(
    _: Any, info: GraphQLResolveInfo, query: str | None = None, limit: int | None = 10000, **__: Any
) -> dict[str, Any]:
    return count_payload(len(search_orders(ctx(info).shop, query)), limit)


@resolves("Order", "lineItems")
def order_line_items_connection(order: Record, info: GraphQLResolveInfo, **args: Any) -> Any:
    return connection(order_line_items(ctx(info).shop, order), args, number=_number)


relation("Order", "customer", lambda shop: shop.customers, "_customer")


@resolves("Order", "shippingLines")
def order_shipping_lines(order: Record, info: GraphQLResolveInfo, **args: Any) -> Any:
    lines = order["_shipping_lines"]
    positions = {line["id"]: index for index, line in enumerate(lines)}
    return connection(lines, args, number=lambda line: positions[line["id"]])


@resolves("Order", "transactions")
def order_transactions(
    order: Record,
    info: GraphQLResolveInfo,
    first: int | None = None,
    capturable: bool | None = None,
    **_: Any,
) -> list[Record]:
    found = list(order["_transactions"])
    if capturable:
        found = [t for t in found if t["kind"] == "AUTHORIZATION" and t["status"] == "SUCCESS"]
    return found[:first] if first is not None else found


relation("LineItem", "variant", lambda shop: shop.variants, "_variant")
relation("LineItem", "product", lambda shop: shop.products, "_product")


@resolves("Mutation", "orderCreate")
def order_create(
    _: Any, info: GraphQLResolveInfo, order: Record, options: Record | None = None
) -> dict[str, Any]:
    context = ctx(info)
    try:
        spec = read_order(context.shop, order, options, context.api_version)
        placed = place(context, spec)
    except InputProblem as problem:
        return {"order": None, "userErrors": [problem.error]}
    return {"order": placed, "userErrors": []}


def cancel_problem(order: Record | None, shop: Shop) -> tuple[str, str] | None:
    """Why an order cannot be cancelled, as (message, code)."""
    if order is None:
        return "Order does not exist", "NOT_FOUND"
    if order["cancelledAt"]:
        return "Order has already been cancelled", "INVALID"
    if any(shop.fulfillments[n]["status"] == "SUCCESS" for n in order["_fulfillments"]):
        return "Cannot cancel an order that has outstanding fulfillments", "INVALID"
    return None


def cancel_order(
    context: Context,
    order: Record,
    reason: str,
    restock: bool,
    refund: bool,
    staff_note: str | None = None,
) -> None:
    """Cancel: close the order and its fulfillment orders, restock, refund or void payments."""
    shop = context.shop
    order["cancelledAt"] = shop.now()
    order["cancelReason"] = reason
    order["_staff_note"] = staff_note
    for line in order_line_items(shop, order):
        if restock:
            order_inventory.restock(shop, context.emit, line)
    for number in order["_fulfillment_orders"]:
        fulfillment_order = shop.fulfillment_orders[number]
        if fulfillment_order["status"] != "CLOSED":
            sync_status(shop, fulfillment_order, "CLOSED")
    refresh(shop, order)
    net = Amount.load(
        [
            order["netPaymentSet"]["shopMoney"]["amount"],
            order["netPaymentSet"]["presentmentMoney"]["amount"],
        ]
    )
    if refund and net.shop > 0:
        _add_transaction(shop, order, "REFUND", net)
    if order["capturable"]:
        _add_transaction(shop, order, "VOID", Amount())
    order["_financial_status"] = None
    refresh(shop, order)
    if order["displayFinancialStatus"] in (None, "PENDING", "AUTHORIZED"):
        order["_financial_status"] = "VOIDED"
    touch(shop, order)
    context.emit("orders/cancelled", order)
    context.emit("orders/updated", order)


def _add_transaction(shop: Shop, order: Record, kind: str, amount: Amount) -> None:
    gateways = order["paymentGatewayNames"] or ["manual"]
    order["_transactions"].append(
        {
            "__typename": "OrderTransaction",
            "id": gid("OrderTransaction", shop.next_number()),
            "kind": kind,
            "status": "SUCCESS",
            "gateway": gateways[0],
            "formattedGateway": gateways[0].replace("_", " ").title(),
            "manualPaymentGateway": gateways[0] == "manual",
            "test": order["test"],
            "createdAt": shop.now(),
            "processedAt": shop.now(),
            "errorCode": None,
            "parentTransaction": None,
            "amountSet": bag(amount, order["currencyCode"], order["presentmentCurrencyCode"]),
            "_amount": amount.store(),
            "_total": False,
        }
    )


@resolves("Mutation", "orderCancel")
def order_cancel(
    _: Any,
    info: GraphQLResolveInfo,
    orderId: str,
    restock: bool,
    reason: str,
    refund: bool | None = None,
    refundMethod: Record | None = None,
    notifyCustomer: bool = False,
    staffNote: str | None = None,
) -> dict[str, Any]:
    context = ctx(info)
    order = find_order(context.shop, orderId)
    problem = cancel_problem(order, context.shop)
    if problem is not None or order is None:
        message, code = problem or ("Order does not exist", "NOT_FOUND")
        return {
            "job": None,
            "orderCancelUserErrors": [{"field": ["orderId"], "message": message, "code": code}],
            "userErrors": [{"field": ["orderId"], "message": message}],
        }
    wants_refund = bool(refund) or bool((refundMethod or {}).get("originalPaymentMethodsRefund"))
    cancel_order(context, order, reason, restock, wants_refund, staffNote)
    job = {"id": f"gid://shopify/Job/{uuid.uuid4()}", "done": False}
    return {"job": job, "orderCancelUserErrors": [], "userErrors": []}
