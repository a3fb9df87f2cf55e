"""Catalog roots: products, product variants and collections, with Shopify's search syntax,
sort keys and 250-item pages. Type fields live in ``catalog_fields``; merchant actions in
``catalog_actions``; webhook bodies in ``catalog_payloads``."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from graphql import GraphQLResolveInfo

from wholesync.simulator.api.pagination import connection, count_payload
from wholesync.simulator.api.search import FieldGetter, matches, parse
from wholesync.simulator.catalog.model import available_total
from wholesync.simulator.registry import ctx, node_table, resolves, root_record
from wholesync.simulator.store import Record, Shop

Getter = Callable[[Record], Iterable[Any]]


node_table("Product", lambda shop: shop.products)
node_table("ProductVariant", lambda shop: shop.variants)
node_table("Collection", lambda shop: shop.collections)
node_table("MediaImage", lambda shop: shop.media)
root_record("product", "Product")
root_record("productVariant", "ProductVariant")
root_record("collection", "Collection")


def _number(record: Record) -> int:
    return int(record["legacyResourceId"])


def visible_to_search(shop: Shop, record: Record) -> bool:
    """False while a fresh write is still inside the shop's simulated search-index lag."""
    lag = shop.faults.search_lag
    if not lag:
        return True
    updated = datetime.fromisoformat(record["updatedAt"].replace("Z", "+00:00")).timestamp()
    return shop.clock() - updated >= lag


def _variants_of(shop: Shop, product: Record) -> list[Record]:
    return [shop.variants[n] for n in product["_variants"] if n in shop.variants]


def product_search_fields(shop: Shop) -> dict[str, FieldGetter]:
    def variant_values(key: str) -> Getter:
        return lambda p: [v[key] for v in _variants_of(shop, p)]

    return {
        "title": lambda p: [p["title"]],
        "handle": lambda p: [p["handle"]],
        "tag": lambda p: p["tags"],
        "tag_not": lambda p: p["tags"],
        "sku": variant_values("sku"),
        "barcode": variant_values("barcode"),
        "vendor": lambda p: [p["vendor"]],
        "product_type": lambda p: [p["productType"]],
        "status": lambda p: [p["status"]],
        "updated_at": lambda p: [p["updatedAt"]],
        "created_at": lambda p: [p["createdAt"]],
        "published_at": lambda p: [p["publishedAt"]],
        "id": lambda p: [_number(p)],
        "variant_id": lambda p: list(p["_variants"]),
        "collection_id": lambda p: list(p["_collections"]),
        "inventory_total": lambda p: [product_inventory(shop, p)],
    }


PRODUCT_DEFAULT_FIELDS = ("title", "tag", "sku", "barcode", "vendor", "product_type", "handle")


def product_inventory(shop: Shop, product: Record) -> int:
    return sum(available_total(shop, v["_inventory_item"]) for v in _variants_of(shop, product))


def _product_sort(shop: Shop, key: str) -> Callable[[Record], Any]:
    sorts: dict[str, Callable[[Record], Any]] = {
        "TITLE": lambda p: p["title"].lower(),
        "UPDATED_AT": lambda p: p["updatedAt"],
        "CREATED_AT": lambda p: p["createdAt"],
        "PUBLISHED_AT": lambda p: p["publishedAt"] or "",
        "PRODUCT_TYPE": lambda p: p["productType"].lower(),
        "VENDOR": lambda p: p["vendor"].lower(),
        "INVENTORY_TOTAL": lambda p: product_inventory(shop, p),
    }
    return sorts.get(key, _number)


def filter_records(
    shop: Shop,
    records: Iterable[Record],
    query: str | None,
    fields: Mapping[str, FieldGetter],
    default_fields: Iterable[str],
) -> list[Record]:
    """Records matching ``query``; writes still inside the search lag stay invisible."""
    node = parse(query or "")
    if node is None:
        return list(records)
    return [
        r
        for r in records
        if visible_to_search(shop, r) and matches(node, r, fields, default_fields)
    ]


def sorted_records(
    records: list[Record], sort: Callable[[Record], Any], by_id: bool
) -> list[Record]:
    if by_id:
        return records
    return sorted(records, key=lambda r: (sort(r), _number(r)))


def _search_connection(
    shop: Shop,
    records: Iterable[Record],
    args: dict[str, Any],
    fields: Mapping[str, FieldGetter],
    default_fields: Iterable[str],
    sort_for: Callable[[Shop, str], Callable[[Record], Any]],
) -> dict[str, Any]:
    """The connection of the ``records`` matching ``query:``, in ``sortKey`` order."""
    found = filter_records(shop, records, args.get("query"), fields, default_fields)
    key = args.get("sortKey") or "ID"
    sort = sort_for(shop, key)
    return connection(sorted_records(found, sort, key in ("ID", "RELEVANCE")), args, _number, sort)


@resolves("QueryRoot", "products")
def resolve_products(_: Any, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
    shop = ctx(info).shop
    fields = product_search_fields(shop)
    return _search_connection(
        shop, shop.products.values(), args, fields, PRODUCT_DEFAULT_FIELDS, _product_sort
    )


@resolves("QueryRoot", "productsCount")
def resolve_products_count(
    _: Any, info: GraphQLResolveInfo, query: str | None = None, limit: int | None = 10000, **__: Any
) -> dict[str, Any]:
    shop = ctx(info).shop
    found = filter_records(
        shop, shop.products.values(), query, product_search_fields(shop), PRODUCT_DEFAULT_FIELDS
    )
    return count_payload(len(found), limit)


def variant_search_fields(shop: Shop) -> dict[str, FieldGetter]:
    def product(v: Record) -> Record:
        return shop.products.get(v["_product"]) or {}

    return {
        "sku": lambda v: [v["sku"]],
        "barcode": lambda v: [v["barcode"]],
        "title": lambda v: [v["title"]],
        "id": lambda v: [_number(v)],
        "product_id": lambda v: [v["_product"]],
        "inventory_item_id": lambda v: [v["_inventory_item"]],
        "updated_at": lambda v: [v["updatedAt"]],
        "created_at": lambda v: [v["createdAt"]],
        "tag": lambda v: product(v).get("tags", []),
        "vendor": lambda v: [product(v).get("vendor")],
        "product_type": lambda v: [product(v).get("productType")],
        "product_status": lambda v: [product(v).get("status")],
        "inventory_quantity": lambda v: [available_total(shop, v["_inventory_item"])],
        "option1": lambda v: [o["value"] for o in v["selectedOptions"][:1]],
        "option2": lambda v: [o["value"] for o in v["selectedOptions"][1:2]],
    }


def variant_sort(shop: Shop, key: str) -> Callable[[Record], Any]:
    def full_title(v: Record) -> str:
        product = shop.products.get(v["_product"]) or {"title": ""}
        return f"{product['title']} {v['title']}".lower()

    sorts: dict[str, Callable[[Record], Any]] = {
        "SKU": lambda v: (v["sku"] or "").lower(),
        "TITLE": lambda v: v["title"].lower(),
        "NAME": full_title,
        "FULL_TITLE": full_title,
        "POSITION": lambda v: v["position"],
        "INVENTORY_QUANTITY": lambda v: available_total(shop, v["_inventory_item"]),
        "INVENTORY_LEVELS_AVAILABLE": lambda v: available_total(shop, v["_inventory_item"]),
        "INVENTORY_POLICY": lambda v: v["inventoryPolicy"],
    }
    return sorts.get(key, _number)


@resolves("QueryRoot", "productVariants")
def resolve_variants(_: Any, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
    shop = ctx(info).shop
    fields = variant_search_fields(shop)
    return _search_connection(
        shop, shop.variants.values(), args, fields, ("sku", "title", "barcode"), variant_sort
    )


COLLECTION_FIELDS: dict[str, FieldGetter] = {
    "title": lambda c: [c["title"]],
    "handle": lambda c: [c["handle"]],
    "id": lambda c: [_number(c)],
    "updated_at": lambda c: [c["updatedAt"]],
    "collection_type": lambda c: ["smart" if c.get("_rules") else "custom"],
}


@resolves("QueryRoot", "collections")
def resolve_collections(_: Any, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
    shop = ctx(info).shop
    node = parse(args.get("query") or "")
    found = [
        c for c in shop.collections.values() if matches(node, c, COLLECTION_FIELDS, ("title",))
    ]
    key = args.get("sortKey") or "ID"
    sorts: dict[str, Callable[[Record], Any]] = {
        "TITLE": lambda c: c["title"].lower(),
        "UPDATED_AT": lambda c: c["updatedAt"],
    }
    sort = sorts.get(key, _number)
    return connection(sorted_records(found, sort, key not in sorts), args, _number, sort)
