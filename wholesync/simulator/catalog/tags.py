"""``tagsAdd`` for products, customers, orders and draft orders.

Shopify splits each given string on commas, trims it, ignores tags the resource already has in
any letter case, and keeps tags sorted case-insensitively.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError, GraphQLResolveInfo

from wholesync.simulator.catalog.model import normalize_tags
from wholesync.simulator.ids import parse_gid
from wholesync.simulator.registry import ctx, resolves
from wholesync.simulator.shop import find_node

TAGGABLE = {
    "Product": "products/update",
    "Customer": "customers/update",
    "Order": "orders/updated",
    "DraftOrder": None,
}


@resolves("Mutation", "tagsAdd")
def tags_add(_: Any, info: GraphQLResolveInfo, id: str, tags: list[str]) -> dict[str, Any]:
    context = ctx(info)
    parsed = parse_gid(id)
    record = find_node(context.shop, id) if parsed and parsed[0] in TAGGABLE else None
    if parsed is None or record is None:
        raise GraphQLError("invalid id", extensions={"code": "RESOURCE_NOT_FOUND"})
    merged = normalize_tags([*record.get("tags", []), *tags])
    if merged != record.get("tags"):
        record["tags"] = merged
        record["updatedAt"] = context.shop.now()
        topic = TAGGABLE[parsed[0]]
        if topic is not None:
            context.emit(topic, record)
    return {"node": record, "userErrors": []}
