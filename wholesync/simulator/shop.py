"""The ``shop`` root and the global ``node``/``nodes`` lookups."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLResolveInfo

from wholesync.simulator.ids import parse_gid
from wholesync.simulator.registry import NODE_LOOKUPS, ctx, resolves
from wholesync.simulator.store import Shop


def find_node(shop: Shop, value: str) -> dict[str, Any] | None:
    parsed = parse_gid(value)
    if parsed is None:
        return None
    lookup = NODE_LOOKUPS.get(parsed[0])
    return lookup(shop, parsed[1]) if lookup else None


def shop_record(shop: Shop) -> dict[str, Any]:
    return {
        "__typename": "Shop",
        "id": shop.gid,
        "name": shop.name,
        "myshopifyDomain": shop.domain,
        "email": f"owner@{shop.handle}.example.com",
        "contactEmail": f"owner@{shop.handle}.example.com",
        "currencyCode": shop.currency,
        "ianaTimezone": "America/New_York",
        "timezoneAbbreviation": "EST",
        "url": f"https://{shop.domain}",
        "weightUnit": "KILOGRAMS",
        "plan": {
            "displayName": shop.plan.name.title(),
            "partnerDevelopment": False,
            "shopifyPlus": shop.plan.name == "plus",
            "publicDisplayName": shop.plan.name.title(),
        },
        "_owner": shop.gid,
    }


@resolves("Query", "shop")
def resolve_shop(_: Any, info: GraphQLResolveInfo) -> dict[str, Any]:
    return shop_record(ctx(info).shop)


@resolves("Query", "node")
def resolve_node(_: Any, info: GraphQLResolveInfo, id: str) -> dict[str, Any] | None:
    return find_node(ctx(info).shop, id)


@resolves("Query", "nodes")
def resolve_nodes(_: Any, info: GraphQLResolveInfo, ids: list[str]) -> list[dict[str, Any] | None]:
    shop = ctx(info).shop
    return [find_node(shop, value) for value in ids]
