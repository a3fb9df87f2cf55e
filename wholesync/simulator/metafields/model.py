"""Metafield records: creation, digests and owner types, shared by seeding and mutations."""

from __future__ import annotations

import hashlib

from wholesync.simulator.ids import parse_gid, record_ids
from wholesync.simulator.store import Record, Shop

# GraphQL type of an owner -> MetafieldOwnerType value.
OWNER_TYPES = {
    "Product": "PRODUCT",
    "ProductVariant": "PRODUCTVARIANT",
    "Customer": "CUSTOMER",
    "Order": "ORDER",
    "DraftOrder": "DRAFTORDER",
    "Shop": "SHOP",
    "Location": "LOCATION",
    "Collection": "COLLECTION",
}


def digest(record: Record) -> str:
    """An opaque hash that changes whenever the value (or type) changes, like Shopify's."""
    source = f"{record['id']}\x1f{record['type']}\x1f{record['value']}"
    return hashlib.sha256(source.encode()).hexdigest()


def new_metafield(
    shop: Shop, owner_gid: str, namespace: str, key: str, type_: str, value: str, now: str
) -> Record:
    """Create and store a metafield on ``owner_gid``."""
    number = shop.next_number()
    parsed = parse_gid(owner_gid)
    owner_type = OWNER_TYPES.get(parsed[0], parsed[0].upper()) if parsed else "SHOP"
    record: Record = {
        **record_ids("Metafield", number),
        "namespace": namespace,
        "key": key,
        "type": type_,
        "value": value,
        "ownerType": owner_type,
        "createdAt": now,
        "updatedAt": now,
        "_owner": owner_gid,
    }
    record["compareDigest"] = digest(record)
    shop.add_metafield(number, record)
    return record


def find_metafield(shop: Shop, owner_gid: str, namespace: str, key: str) -> Record | None:
    for record in shop.metafields_of(owner_gid):
        if record["namespace"] == namespace and record["key"] == key:
            return record
    return None
