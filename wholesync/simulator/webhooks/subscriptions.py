"""Webhook subscriptions: the ``webhookSubscriptions`` root and the create and delete
mutations, with the userErrors Shopify answers for bad or duplicate callback addresses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import GraphQLResolveInfo

from wholesync.simulator.api.errors import user_error
from wholesync.simulator.api.pagination import connection
from wholesync.simulator.api.search import FieldGetter, matches, parse
from wholesync.simulator.ids import parse_gid
from wholesync.simulator.registry import ctx, node_table, resolves
from wholesync.simulator.store import Record, add_record
from wholesync.simulator.webhooks.dispatcher import DEFAULT_API_VERSION, dispatcher_for
from wholesync.simulator.webhooks.rules import address_problem

ADDRESS_FIELD = ["webhookSubscription", "callbackUrl"]
TAKEN = "Address for this topic has already been taken"
MISSING = "Webhook subscription does not exist"
API_VERSION = {
    "handle": DEFAULT_API_VERSION,
    "displayName": f"{DEFAULT_API_VERSION} (Latest)",
    "supported": True,
}


node_table("WebhookSubscription", lambda shop: shop.webhook_subscriptions)


def _number(record: Record) -> int:
    return int(record["legacyResourceId"])


SEARCH_FIELDS: dict[str, FieldGetter] = {
    "id": lambda s: [_number(s)],
    "created_at": lambda s: [s["createdAt"]],
    "updated_at": lambda s: [s["updatedAt"]],
    "topic": lambda s: [s["topic"]],
    "endpoint": lambda s: [s["uri"]],
}
SORTS: dict[str, Callable[[Record], Any]] = {
    "CREATED_AT": lambda s: (s["createdAt"], _number(s)),
    "ID": _number,
}


@resolves("QueryRoot", "webhookSubscriptions")
def resolve_webhook_subscriptions(_: Any, info: GraphQLResolveInfo, **args: Any) -> Record:
    shop = ctx(info).shop
    found = list(shop.webhook_subscriptions.values())
    if args.get("topics"):
        found = [s for s in found if s["topic"] in args["topics"]]
    if args.get("format"):
        found = [s for s in found if s["format"] == args["format"]]
    address = args.get("uri") or args.get("callbackUrl")
    if address:
        found = [s for s in found if s["uri"] == address]
    query = parse(args.get("query") or "")
    found = [s for s in found if matches(query, s, SEARCH_FIELDS)]
    sort = SORTS[args.get("sortKey") or "CREATED_AT"]
    return connection(sorted(found, key=sort), args, _number, sort)


def _allow_http(info: GraphQLResolveInfo) -> bool:
    dispatcher = dispatcher_for(ctx(info).store)
    return dispatcher is not None and dispatcher.allow_http_callbacks


@resolves("Mutation", "webhookSubscriptionCreate")
def resolve_webhook_subscription_create(
    _: Any, info: GraphQLResolveInfo, topic: str, webhookSubscription: Record
) -> Record:
    shop = ctx(info).shop
    given = webhookSubscription
    address = (given.get("uri") or given.get("callbackUrl") or "").strip()
    problem = address_problem(address, _allow_http(info))
    if problem is None and any(
        s["topic"] == topic and s["uri"] == address for s in shop.webhook_subscriptions.values()
    ):
        problem = TAKEN
    if problem is not None:
        return {"webhookSubscription": None, "userErrors": [user_error(ADDRESS_FIELD, problem)]}
    number = shop.next_number()
    now = shop.now()
    fields: Record = {
        "topic": topic,
        "format": given.get("format") or "JSON",
        "includeFields": list(given.get("includeFields") or []),
        "metafieldNamespaces": list(given.get("metafieldNamespaces") or []),
        "metafields": [
            {"namespace": m["namespace"], "key": m["key"]} for m in given.get("metafields") or []
        ],
        "filter": given.get("filter"),
        "name": given.get("name"),
        "uri": address,
        "callbackUrl": address,
        "endpoint": {"__typename": "WebhookHttpEndpoint", "callbackUrl": address},
        "apiVersion": dict(API_VERSION),
        "createdAt": now,
        "updatedAt": now,
    }
    record = add_record(shop.webhook_subscriptions, "WebhookSubscription", number, fields)
    return {"webhookSubscription": record, "userErrors": []}


@resolves("Mutation", "webhookSubscriptionDelete")
def resolve_webhook_subscription_delete(_: Any, info: GraphQLResolveInfo, id: str) -> Record:
    shop = ctx(info).shop
    parsed = parse_gid(id)
    number = parsed[1] if parsed and parsed[0] == "WebhookSubscription" else None
    if number is None or shop.webhook_subscriptions.pop(number, None) is None:
        return {"deletedWebhookSubscriptionId": None, "userErrors": [user_error(["id"], MISSING)]}
    return {"deletedWebhookSubscriptionId": id, "userErrors": []}
