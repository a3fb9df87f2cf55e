"""Draft orders over GraphQL: ``draftOrder``, ``draftOrders`` (with search and the search-lag
fault), ``draftOrderCreate`` and ``draftOrderComplete``, plus the merchant's "create draft"
action used to set up state for tests."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from graphql import GraphQLResolveInfo

from wholesync.simulator.api.errors import user_error
from wholesync.simulator.api.pagination import connection
from wholesync.simulator.control import ControlError, merchant_action
from wholesync.simulator.ids import gid
from wholesync.simulator.orders.create import place
from wholesync.simulator.orders.draft_model import DraftProblem, build_draft, order_spec
from wholesync.simulator.orders.input import InputProblem, number_of
from wholesync.simulator.orders.records import customer_name
from wholesync.simulator.orders.search_index import search_records, snapshot, snapshot_getters
from wholesync.simulator.registry import Context, ctx, node_table, relation, resolves, root_record
from wholesync.simulator.store import Record, Shop

node_table("DraftOrder", lambda shop: shop.draft_orders)
root_record("draftOrder", "DraftOrder")


def _number(record: Record) -> int:
    return int(record["id"].rsplit("/", 1)[1])


def find_draft(shop: Shop, value: Any) -> Record | None:
    number = number_of(value, "DraftOrder")
    return shop.draft_orders.get(number) if number is not None else None


@resolves("DraftOrder", "lineItems")
def draft_line_items(draft: Record, info: GraphQLResolveInfo, **args: Any) -> Any:
    return connection(draft["_line_items"], args, number=_number)


relation("DraftOrder", "customer", lambda shop: shop.customers, "_customer")
relation("DraftOrder", "order", lambda shop: shop.orders, "_order")
relation("DraftOrderLineItem", "variant", lambda shop: shop.variants, "_variant")
relation("DraftOrderLineItem", "product", lambda shop: shop.products, "_product")

SEARCH_FIELDS = (
    "id",
    "name",
    "email",
    "tag",
    "status",
    "source",
    "customer_id",
    "created_at",
    "updated_at",
)
DEFAULT_FIELDS = ("name", "email", "tag")


GETTERS = snapshot_getters(SEARCH_FIELDS)


def search_values(draft: Record) -> dict[str, list[Any]]:
    """What the search index holds for a draft (Shopify's ``draftOrders(query:)`` fields)."""
    return {
        "id": [_number(draft)],
        "name": [draft["name"], draft["name"].lstrip("#")],
        "email": [draft["email"]],
        "tag": list(draft["tags"]),
        "status": [draft["status"].lower()],
        "source": [draft["_source_name"]],
        "customer_id": [draft["_customer"]] if draft["_customer"] else [],
        "created_at": [draft["createdAt"]],
        "updated_at": [draft["updatedAt"]],
    }


def search_drafts(shop: Shop, query: str | None) -> list[Record]:
    """Drafts matching ``query`` as the search index sees them (it may lag behind writes)."""
    return search_records(
        shop, shop.draft_orders.values(), query, search_values, GETTERS, DEFAULT_FIELDS
    )


def _sorter(shop: Shop, key: str) -> Callable[[Record], Any]:
    sorts: dict[str, Callable[[Record], Any]] = {
        "NUMBER": lambda d: d["_number"],
        "UPDATED_AT": lambda d: d["updatedAt"],
        "STATUS": lambda d: d["status"],
        "TOTAL_PRICE": lambda d: Decimal(d["totalPriceSet"]["shopMoney"]["amount"]),
        "CUSTOMER_NAME": lambda d: customer_name(shop, d),
    }
    # ID, and RELEVANCE too: the simulator ranks no match above another.
    return sorts.get(key, _number)


@resolves("QueryRoot", "draftOrders")
def resolve_draft_orders(_: Any, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
    shop = ctx(info).shop
    key = _sorter(shop, args.get("sortKey") or "ID")
    found = sorted(search_drafts(shop, args.get("query")), key=lambda d: (key(d), _number(d)))
    return connection(found, args, number=_number, sort_value=key)


def create_draft(shop: Shop, given: Record) -> Record:
    draft = build_draft(shop, given)
    shop.draft_orders[_number(draft)] = draft
    snapshot(shop, draft, search_values(draft))
    return draft


@resolves("Mutation", "draftOrderCreate")
def draft_order_create(_: Any, info: GraphQLResolveInfo, input: Record) -> dict[str, Any]:
    try:
        draft = create_draft(ctx(info).shop, input)
    except DraftProblem as problem:
        return {"draftOrder": None, "userErrors": [problem.error]}
    return {"draftOrder": draft, "userErrors": []}


def complete_draft(
    context: Context, draft: Record, payment_pending: bool, gateway: str | None
) -> list[dict[str, Any]]:
    """Turn an open draft into an order; the userErrors Shopify answers with, if any."""
    shop = context.shop
    if draft["status"] == "COMPLETED":
        return [user_error(None, "This order has been paid")]
    if gateway is not None:
        return [user_error(None, "Invalid payment gateway")]
    try:
        order = place(context, order_spec(draft, payment_pending))
    except InputProblem as problem:
        return [user_error(None, problem.error["message"])]
    now = shop.now()
    draft.update(status="COMPLETED", completedAt=now, updatedAt=now, _order=_number(order))
    snapshot(shop, draft, search_values(draft))
    return []


@resolves("Mutation", "draftOrderComplete")
def draft_order_complete(
    _: Any,
    info: GraphQLResolveInfo,
    id: str,
    paymentPending: bool | None = False,
    paymentGatewayId: str | None = None,
    sourceName: str | None = None,
) -> dict[str, Any]:
    context = ctx(info)
    draft = find_draft(context.shop, id)
    if draft is None:
        return {"draftOrder": None, "userErrors": [user_error(["id"], "Draft order not found")]}
    errors = complete_draft(context, draft, bool(paymentPending), paymentGatewayId)
    return {"draftOrder": draft, "userErrors": errors}


def draft_summary(draft: Record) -> dict[str, Any]:
    return {
        "id": draft["id"],
        "name": draft["name"],
        "status": draft["status"],
        "email": draft["email"],
        "totalPrice": draft["totalPriceSet"]["shopMoney"]["amount"],
        "orderId": gid("Order", draft["_order"]) if draft["_order"] else None,
    }


@merchant_action("POST", "/draft_orders")
def merchant_create_draft(context: Context, params: dict[str, str], body: dict[str, Any]) -> Any:
    """The merchant drafts an order in the admin (body: ``DraftOrderInput`` as JSON)."""
    if not isinstance(body.get("lineItems", []), list):
        raise ControlError(422, "INVALID_INPUT", "lineItems must be a list.")
    try:
        for line in body.get("lineItems", []):
            line.setdefault("quantity", 1)
        draft = create_draft(context.shop, body)
    except DraftProblem as problem:
        raise ControlError(422, "INVALID_INPUT", problem.error["message"]) from problem
    except (KeyError, TypeError, AttributeError, ArithmeticError, ValueError) as exc:
        raise ControlError(422, "INVALID_INPUT", f"Malformed draft order: {exc}") from exc
    return draft_summary(draft)
